"""The `state` a contact code carries (WECOM_FACTS.md, "联系我": ≤ 30 characters, comes back in
the add event): a signed short token naming a lead, with no personal data in it.

Format: `yl` + the lead id in base 36 + `.` + 12 characters of a keyed HMAC (SECRET_KEY,
salted), e.g. `yl2n9c.Xf3k…` (at most 2 + 13 + 1 + 12 = 28 characters for any 64-bit id).
Anything else (a hand-made code, WeCom's own `wb:1:…` on a re-add) reads as no lead."""

from __future__ import annotations

import base64
import hmac

from django.utils.crypto import salted_hmac

PREFIX = "yl"
SIG_CHARS = 12
MAX_CHARS = 30
_SALT = "yinliu.channels.wecom.state"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _sig(body: str) -> str:
    digest = salted_hmac(_SALT, body, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:SIG_CHARS]


def state_for_lead(lead_id: int) -> str:
    if lead_id <= 0:
        raise ValueError("lead id must be positive")
    body = PREFIX + _b36(int(lead_id))
    token = f"{body}.{_sig(body)}"
    assert len(token) <= MAX_CHARS
    return token


def lead_from_state(state: str) -> int | None:
    """The lead id a genuine state names, else None (forged, altered, foreign or empty)."""
    state = (state or "").strip()
    if len(state) > MAX_CHARS or not state.startswith(PREFIX) or state.count(".") != 1:
        return None
    body, sig = state.split(".")
    digits = body[len(PREFIX) :]
    if not digits or any(c not in _DIGITS for c in digits):
        return None
    if not hmac.compare_digest(sig, _sig(body)):
        return None
    return int(digits, 36)
