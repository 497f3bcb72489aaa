"""Juguang (聚光) landing-page lead push: signature check, mapping and reply.

Facts: shared/channels/API_FACTS.md, "Xiaohongshu — Leads" [S]: optional header
`X-Red-Signature: sha1=<hex>` = HMAC-SHA1(landing-page token, raw body), checked when the
account has a webhook secret; `push_max_skew_seconds` (600: the platform retries 3× every 30 s)
bounds the body's `timestamp` when it sends one.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from channels import errors
from channels.base import push_check_fresh, push_ts_seconds
from channels.models import ChannelAccount
from channels.xiaohongshu.mapping import map_push
from funnel.payload import LeadPayload


def push_reply() -> dict[str, Any]:
    """What the platform expects back when a push was stored (a fresh object per answer)."""
    return {"code": 0, "success": True, "msg": "success"}


def xhs_signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def verify_push(account: ChannelAccount, headers: dict[str, str], body: bytes, data: Any) -> None:
    """Raise WebhookRejected for a wrong signature (when one is configured) or a stale push."""
    if account.webhook_secret:
        expected = xhs_signature(account.webhook_secret, body)
        given = headers.get("x-red-signature", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise errors.WebhookRejected(errors.INVALID_SIGNATURE)
    if isinstance(data, dict) and "timestamp" in data:
        push_check_fresh(push_ts_seconds(data.get("timestamp")), account, 600)


def map_account_push(account: ChannelAccount, data: dict[str, Any]) -> tuple[str, LeadPayload]:
    # The labels that carry name / phone / WeChat are per-account settings.
    return map_push(data, account=account.name, settings=account.settings)
