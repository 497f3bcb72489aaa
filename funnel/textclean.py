"""Control characters out of the text a lead is made of: the one sanitiser every source shares.

PostgreSQL refuses a NUL in a text column ("invalid byte sequence for encoding UTF8: 0x00") and
in jsonb ("unsupported Unicode escape sequence"), so a `\\u0000` in a keyword, a campaign, a
click id or a UTM key sent by an API client or a platform used to quarantine the whole record
(`invalid_value`) with no way back. The other C0/C1 controls are stored but are never meant:
they break exports, reports and the admin's display. So they are dropped where intake bounds a
payload (`funnel.payload.payload_bounded`: every source, every replay), and where the landing
form receives its hidden ad parameters (`landing.forms.HiddenParamField`). The raw record keeps
what was sent (it is encrypted JSON, where a NUL is an ordinary escape).

"Control" is Unicode category Cc: U+0000–U+001F, U+007F and U+0080–U+009F. Free text a person
typed on several lines (a concern, a form answer) keeps tab, line feed and carriage return.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# The same, less tab, line feed and carriage return (a textarea sends CR LF).
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


def controls_dropped(text: str, *, multiline: bool = False, invisible: bool = False) -> str:
    """`text` without its control characters (category Cc; see the module doc).

    `multiline`: keep tab, LF and CR (free text typed on several lines). `invisible`: also
    drop format characters (Cf: direction marks, zero-width spaces) and lone surrogates (Cs),
    for values nobody reads, such as an ad's click id copied from a URL. Pure; a text with
    nothing to drop is returned as it is (one regular-expression scan)."""
    if invisible:
        return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    pattern = _CONTROLS_BUT_LINES if multiline else _CONTROLS
    if pattern.search(text) is None:
        return text
    return pattern.sub("", text)


def controls_dropped_tree(value: Any) -> Any:
    """A copy of a JSON-like `value` (dicts, lists, tuples, scalars) with `controls_dropped`
    applied to every str in it, dict keys included (single-line rule). Other scalars are
    returned as they are."""
    if isinstance(value, str):
        return controls_dropped(value)
    if isinstance(value, dict):
        return {controls_dropped_tree(k): controls_dropped_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [controls_dropped_tree(v) for v in value]
    return value
