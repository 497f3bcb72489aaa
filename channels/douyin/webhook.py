"""Feiyu (飞鱼) CRM lead push: signature check, mapping and the reply Feiyu expects.

Facts: shared/channels/API_FACTS.md, "Douyin — Lead push, Feiyu CRM" [S]. The signature scheme
is uncertain [U], so it is the per-account setting `push_signature`: "sha256_b64" (default,
base64(sha256("clue_id|token|timestamp"))) | "hmac_sha256_b64" | "header_token";
`push_max_skew_seconds` (300) bounds the `Timestamp` header, which every scheme requires.
There is no unsigned scheme (issue 13): an account without its webhook secret, or with any other
`push_signature` value, refuses every push.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from channels import errors
from channels.account_settings import PUSH_SIGNATURE_SCHEMES, knob
from channels.base import as_str, push_check_fresh, push_ts_seconds
from channels.douyin.mapping import map_push
from channels.errors import SettingsInvalid
from channels.models import ChannelAccount
from funnel.payload import LeadPayload


def push_reply() -> dict[str, Any]:
    """What the platform expects back when a push was stored (a fresh object per answer)."""
    return {"code": 0, "message": "success"}


def douyin_signature(clue_id: str, token: str, timestamp: str, scheme: str = "sha256_b64") -> str:
    message = f"{clue_id}|{token}|{timestamp}".encode()
    if scheme == "hmac_sha256_b64":
        digest = hmac.new(token.encode(), message, hashlib.sha256).digest()
    else:
        digest = hashlib.sha256(message).digest()
    return base64.b64encode(digest).decode()


def verify_push(account: ChannelAccount, headers: dict[str, str], body: bytes, data: Any) -> None:
    """Raise WebhookRejected unless the push is signed with the account's webhook secret."""
    token = account.webhook_secret
    if not token.strip():
        raise errors.WebhookRejected(errors.WEBHOOK_SECRET_MISSING)
    try:
        scheme = knob(account, "push_signature", "sha256_b64")
    except SettingsInvalid:
        scheme = ""  # no unsigned scheme, and no guessing one: refused below
    if scheme not in PUSH_SIGNATURE_SCHEMES:
        raise errors.WebhookRejected(errors.INVALID_SIGNATURE)
    timestamp = headers.get("timestamp", "")
    if scheme == "header_token":
        ok = bool(token) and hmac.compare_digest(headers.get("access_token", ""), token)
    else:
        clue_id = as_str(data.get("id") or data.get("clue_id")) if isinstance(data, dict) else ""
        expected = douyin_signature(clue_id, token, timestamp, scheme)
        ok = bool(token and timestamp) and hmac.compare_digest(
            headers.get("signature", "").encode(), expected.encode()
        )
    if not ok:
        raise errors.WebhookRejected(errors.INVALID_SIGNATURE)
    push_check_fresh(push_ts_seconds(timestamp), account, 300)


def map_account_push(account: ChannelAccount, data: dict[str, Any]) -> tuple[str, LeadPayload]:
    return map_push(data, account=account.name)
