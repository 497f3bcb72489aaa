"""Lone surrogates (U+D800–U+DFFF): a JSON escape such as `\\ud800` parses into a Python str
that cannot be encoded as UTF-8, so hashing it, encrypting it or storing it (PostgreSQL jsonb
refuses the escape) fails. Every boundary where outside JSON becomes Python data checks here:
the lead API refuses such a body (422 `string_unicode`), intake keeps a platform record with
the bad characters replaced by U+FFFD and quarantines it with that code."""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_surrogate(value: Any) -> bool:
    """True when any str in `value` (a JSON-like tree of dicts, lists, tuples; keys included)
    holds a lone surrogate. Other types are ignored.

    Every pulled record passes here: one C-level JSON dump and UTF-8 encode (which refuses a
    lone surrogate) instead of a Python walk, about ten times faster on a platform record
    (`make bench ONLY=channels`); the walk remains for trees JSON cannot dump."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (TypeError, ValueError):
        return _has_surrogate_walk(value)
    return False


def _has_surrogate_walk(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate_walk(k) or _has_surrogate_walk(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_surrogate_walk(v) for v in value)
    return False


def surrogates_replaced(value: Any) -> Any:
    """A copy of `value` (same JSON-like shapes) with every lone surrogate in every str, keys
    included, replaced by U+FFFD. Values without one are returned as they are."""
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {surrogates_replaced(k): surrogates_replaced(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [surrogates_replaced(v) for v in value]
    return value
