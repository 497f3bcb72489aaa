"""Platform push webhooks: authenticate, store, commit, enqueue — and answer at once.

Order of checks: size → account → authenticity (signature / token) → freshness → shape.
A body that is authentic but cannot be read as a lead is kept in quarantine (nothing is lost)
and answered `malformed_body`; a body we cannot authenticate is refused and not stored.
Per-account settings: Douyin `push_signature` ("sha256_b64" default | "hmac_sha256_b64" |
"header_token" | "none") and `push_max_skew_seconds` (300); Xiaohongshu
`push_max_skew_seconds` (600: the platform retries 3× every 30 s); Baidu has no timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings

from channels import errors
from channels.base import as_int, as_str
from channels.models import Channel, ChannelAccount
from funnel.services.intake import IntakeSource, Processing, intake_reject, lead_intake

PUSH_CHANNELS = (Channel.DOUYIN, Channel.XIAOHONGSHU, Channel.BAIDU)


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


def _ts_seconds(value: Any) -> int:
    ts = as_int(value, 0)
    return ts // 1000 if ts > 10**11 else ts  # milliseconds → seconds


def _check_fresh(ts: int, account: ChannelAccount, default_skew: int) -> None:
    skew = int((account.settings or {}).get("push_max_skew_seconds", default_skew))
    if ts <= 0 or abs(time.time() - ts) > skew:
        raise errors.WebhookRejected(errors.STALE_TIMESTAMP)


def douyin_signature(clue_id: str, token: str, timestamp: str, scheme: str = "sha256_b64") -> str:
    message = f"{clue_id}|{token}|{timestamp}".encode()
    if scheme == "hmac_sha256_b64":
        digest = hmac.new(token.encode(), message, hashlib.sha256).digest()
    else:
        digest = hashlib.sha256(message).digest()
    return base64.b64encode(digest).decode()


def xhs_signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _verify_douyin(account: ChannelAccount, headers: dict[str, str], data: Any) -> None:
    scheme = (account.settings or {}).get("push_signature", "sha256_b64")
    if scheme == "none":
        return
    token = account.webhook_secret
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
    _check_fresh(_ts_seconds(timestamp), account, 300)


def _verify_xhs(account: ChannelAccount, headers: dict[str, str], body: bytes, data: Any) -> None:
    if account.webhook_secret:
        expected = xhs_signature(account.webhook_secret, body)
        given = headers.get("x-red-signature", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise errors.WebhookRejected(errors.INVALID_SIGNATURE)
    if isinstance(data, dict) and "timestamp" in data:
        _check_fresh(_ts_seconds(data.get("timestamp")), account, 600)


def _verify_baidu(account: ChannelAccount, data: Any) -> None:
    given = as_str(data.get("token")) if isinstance(data, dict) else ""
    if not account.webhook_secret or not hmac.compare_digest(
        given.encode(), account.webhook_secret.encode()
    ):
        raise errors.WebhookRejected(errors.INVALID_SIGNATURE)


def _map(account: ChannelAccount, data: Any):
    if not isinstance(data, dict):
        raise ValueError("body is not a JSON object")
    if account.channel == Channel.DOUYIN:
        from channels.douyin.mapping import map_push

        return map_push(data, account=account.name)
    if account.channel == Channel.XIAOHONGSHU:
        from channels.xiaohongshu.mapping import map_push

        return map_push(data, account=account.name, settings=account.settings)
    from channels.baidu.mapping import map_push

    return map_push(data, account=account.name)


def _success(channel: str) -> Any:
    if channel == Channel.BAIDU:
        return "success"
    if channel == Channel.XIAOHONGSHU:
        return {"code": 0, "success": True, "msg": "success"}
    return {"code": 0, "message": "success"}


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
    if channel == Channel.DOUYIN:
        _verify_douyin(account, headers, data)
    elif channel == Channel.XIAOHONGSHU:
        _verify_xhs(account, headers, body, data)
    else:
        if data is None:
            # Baidu's token is inside the body: unreadable means unauthenticated, not kept.
            raise errors.WebhookRejected(errors.MALFORMED_BODY)
        _verify_baidu(account, data)
    source = IntakeSource(channel=channel, account=account.name)
    try:
        external_id, payload = _map(account, data)
    except ValueError as exc:
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
        status=200, body=_success(channel), inbound_id=stored.inbound_id, changed=stored.changed
    )
