"""Baidu lead push: body-token check, mapping and the plain-text reply.

Facts: shared/channels/API_FACTS.md, "Baidu — Lead push" [S]: the body's `token` equals the
configured token (constant-time compare); no timestamp, so a replay can only repeat a record we
already hold (unique per account and external id: a no-op); reply the text `success`.
"""

from __future__ import annotations

import hmac
from typing import Any

from channels import errors
from channels.baidu.mapping import map_push
from channels.base import as_str
from channels.models import ChannelAccount
from funnel.payload import LeadPayload


def push_reply() -> str:
    """What the platform expects back when a push was stored (a fresh object per answer)."""
    return "success"


def verify_push(account: ChannelAccount, headers: dict[str, str], body: bytes, data: Any) -> None:
    """Raise WebhookRejected unless the body carries the account's webhook secret."""
    if data is None:
        # The token is inside the body: unreadable means unauthenticated, not kept.
        raise errors.WebhookRejected(errors.MALFORMED_BODY)
    if not account.webhook_secret.strip():
        raise errors.WebhookRejected(errors.WEBHOOK_SECRET_MISSING)
    given = as_str(data.get("token")) if isinstance(data, dict) else ""
    if not hmac.compare_digest(given.encode(), account.webhook_secret.encode()):
        raise errors.WebhookRejected(errors.INVALID_SIGNATURE)


def map_account_push(account: ChannelAccount, data: dict[str, Any]) -> tuple[str, LeadPayload]:
    return map_push(data, account=account.name)
