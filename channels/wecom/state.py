"""The `state` a contact code carries (WECOM_FACTS.md, "联系我": ≤ 30 characters, comes back in
the add event): a signed short token naming a lead, with no personal data in it.

Format: `yl` + the lead id in base 36 + `.` + 12 characters of a keyed HMAC (SECRET_KEY,
salted), e.g. `yl2n9c.Xf3k…` (at most 2 + 13 + 1 + 12 = 28 characters for any 64-bit id).
Anything else (a hand-made code, WeCom's own `wb:1:…` on a re-add) reads as no lead.

Group join codes (issue 16 point 6) carry the same kind of token naming a private group /
camp: prefix `yg`, its own salt, so a lead's token never reads as a group and back.

The codes a known phone's submission shows (issue 13 point 1) carry no token naming anyone:
`yu` + 16 random hex characters, one per code, looked up server-side
(`channels.wecom.contactways.unverified_way`)."""

from __future__ import annotations

import base64
import hmac

from django.utils.crypto import salted_hmac

PREFIX = "yl"
SIG_CHARS = 12
MAX_CHARS = 30
GROUP_PREFIX = "yg"
UNVERIFIED_PREFIX = "yu"
_SALT = "yinliu.channels.wecom.state"
_GROUP_SALT = "yinliu.channels.wecom.group-state"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _sig(body: str, salt: str = _SALT) -> str:
    digest = salted_hmac(salt, body, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:SIG_CHARS]


def _token(prefix: str, salt: str, object_id: int) -> str:
    if object_id <= 0:
        raise ValueError("id must be positive")
    body = prefix + _b36(int(object_id))
    token = f"{body}.{_sig(body, salt)}"
    assert len(token) <= MAX_CHARS
    return token


def _read(prefix: str, salt: str, state: str) -> int | None:
    state = (state or "").strip()
    if len(state) > MAX_CHARS or not state.startswith(prefix) or state.count(".") != 1:
        return None
    body, sig = state.split(".")
    digits = body[len(prefix) :]
    if not digits or any(c not in _DIGITS for c in digits):
        return None
    if not hmac.compare_digest(sig, _sig(body, salt)):
        return None
    return int(digits, 36)


def state_for_lead(lead_id: int) -> str:
    return _token(PREFIX, _SALT, lead_id)


def lead_from_state(state: str) -> int | None:
    """The lead id a genuine state names, else None (forged, altered, foreign or empty)."""
    return _read(PREFIX, _SALT, state)


def state_for_group(group_id: int) -> str:
    """The state of a group join code: `yg` + base-36 group id + `.` + 12 signature chars."""
    return _token(GROUP_PREFIX, _GROUP_SALT, group_id)


def group_from_state(state: str) -> int | None:
    """The private group id a genuine group state names, else None (a lead's token too)."""
    return _read(GROUP_PREFIX, _GROUP_SALT, state)
