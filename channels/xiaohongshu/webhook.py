"""Juguang (聚光) landing-page lead push: signature check, mapping and reply.

Facts: shared/channels/API_FACTS.md, "Xiaohongshu — Leads" [S]: header
`X-Red-Signature: sha1=<hex>` = HMAC-SHA1(landing-page token, raw body);
`push_max_skew_seconds` (600: the platform retries 3× every 30 s) bounds the body's `timestamp`.

The platform calls the signature optional; we do not (issue 13): an account without its
webhook secret refuses every push (`webhook_secret_missing`), an unsigned push is
`invalid_signature`, and a push without a readable, current `timestamp` is `stale_timestamp`
(without one a captured push could be replayed forever).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from channels import errors
from channels.account_settings import knob_or_default
from channels.base import push_check_fresh, push_ts_seconds
from channels.models import ChannelAccount
from channels.xiaohongshu.mapping import NAME_LABELS, PHONE_LABELS, WECHAT_LABELS, map_push
from funnel.payload import LeadPayload


def push_reply() -> dict[str, Any]:
    """What the platform expects back when a push was stored (a fresh object per answer)."""
    return {"code": 0, "success": True, "msg": "success"}


def xhs_signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def verify_push(account: ChannelAccount, headers: dict[str, str], body: bytes, data: Any) -> None:
    """Raise WebhookRejected unless the push is signed and its timestamp is current."""
    if not account.webhook_secret.strip():
        raise errors.WebhookRejected(errors.WEBHOOK_SECRET_MISSING)
    expected = xhs_signature(account.webhook_secret, body)
    given = headers.get("x-red-signature", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise errors.WebhookRejected(errors.INVALID_SIGNATURE)
    timestamp = data.get("timestamp") if isinstance(data, dict) else None
    push_check_fresh(push_ts_seconds(timestamp), account, 600)


def map_account_push(account: ChannelAccount, data: dict[str, Any]) -> tuple[str, LeadPayload]:
    # The labels that carry name / phone / WeChat are per-account settings; a stored value
    # that cannot be used reads as the default labels (a push is never lost over it).
    labels = {
        key: knob_or_default(account, key, default)
        for key, default in (
            ("name_labels", NAME_LABELS),
            ("phone_labels", PHONE_LABELS),
            ("wechat_labels", WECHAT_LABELS),
        )
    }
    return map_push(data, account=account.name, settings=labels)
