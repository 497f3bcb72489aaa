"""Platform push webhooks: authenticate, store, commit, enqueue — and answer at once.

Order of checks: size → account → authenticity (signature / token) → freshness → shape.
A body that is authentic but cannot be read as a lead is kept in quarantine (nothing is lost)
and answered `malformed_body`; a body we cannot authenticate is refused and not stored.
Each platform's verify / map / reply lives in `channels/<platform>/webhook.py` and is found
through `channels.registry` (its settings: `push_signature`, `push_max_skew_seconds`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings

from channels import errors
from channels.models import ChannelAccount
from channels.registry import PUSH_CHANNELS, platform_for
from funnel.services.intake import IntakeSource, Processing, intake_reject, lead_intake


@dataclass
class WebhookReply:
    status: int
    body: Any  # dict → JSON, str → text/plain
    inbound_id: int | None = None
    changed: bool = False


def max_body_bytes() -> int:
    return int(getattr(django_settings, "CHANNELS_WEBHOOK_MAX_BYTES", 64 * 1024))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _map(account: ChannelAccount, data: Any) -> tuple[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("body is not a JSON object")
    return platform_for(account.channel).map_push(account, data)


def webhook_receive(
    *, channel: str, account_name: str, headers: dict[str, str], body: bytes
) -> WebhookReply:
    """Headers are lower-cased by the caller. Raises WebhookRejected for every refusal."""
    if channel not in PUSH_CHANNELS:
        raise errors.WebhookRejected(errors.UNKNOWN_CHANNEL)
    if len(body) > max_body_bytes():
        raise errors.WebhookRejected(errors.PAYLOAD_TOO_LARGE)
    # Every push reads this row: skip decrypting the API credentials a push never uses.
    account = (
        ChannelAccount.objects.filter(channel=channel, name=account_name, is_active=True)
        .defer("secret", "access_token", "refresh_token", "postback_token")
        .first()
    )
    if account is None:
        raise errors.WebhookRejected(errors.UNKNOWN_ACCOUNT)
    data = _json(body)
    platform = platform_for(channel)
    platform.verify_push(account, headers, body, data)
    source = IntakeSource(channel=channel, account=account.name)
    try:
        external_id, payload = _map(account, data)
    except (ValueError, TypeError, OverflowError, OSError, KeyError, AttributeError) as exc:
        # Anything an authentic body makes the mapping trip over (a date in the year 10³⁰,
        # a list where a mapping was expected …) is a body we keep and refuse, never a 500.
        # Authentic but unreadable as a lead: kept, quarantined on arrival, and refused.
        inbound_id = intake_reject(
            source=source, body=body, code=errors.MALFORMED_BODY, detail=str(exc)
        )
        raise errors.WebhookRejected(errors.MALFORMED_BODY, inbound_id=inbound_id) from exc
    stored = lead_intake(
        source=source,
        external_id=external_id,
        raw=data,
        payload=payload,
        processing=Processing.LATER,
    )
    return WebhookReply(
        status=200, body=platform.push_reply(), inbound_id=stored.inbound_id, changed=stored.changed
    )
