"""Baidu OCPC conversion upload (`uploadConvertData`), for every record carrying `bd_vid`:
Baidu's own leads and landing-form or API leads that came from a Baidu ad.

Facts: shared/channels/API_FACTS.md, "Baidu — Conversion postback" [S]: `logidUrl` is the
landing URL carrying `bd_vid` (≤1024 characters); `newType` per stage from the account setting
`ocpc_types` (default paid → `ocpc_new_type`, 26) [U].
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from channels.account_settings import knob
from channels.models import ChannelAccount


def logid_url(url: str, bd_vid: str) -> str:
    """The landing URL Baidu wants: it must carry bd_vid; at most 1024 characters."""
    parts = urlsplit(url or "")
    if not parts.scheme:
        parts = urlsplit("https://example.invalid/")
    query = parse_qs(parts.query)
    if "bd_vid" not in query:
        query["bd_vid"] = [bd_vid]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))[:1024]


def ocpc_events(account: ChannelAccount) -> dict[str, str]:
    """Stage → OCPC newType; raises SettingsInvalid for `ocpc_types` / `ocpc_new_type` values
    it cannot use."""
    types = knob(account, "ocpc_types", None)
    if types is None:
        types = {"paid": knob(account, "ocpc_new_type", 26)}
    return {stage: str(t) for stage, t in types.items() if t not in (None, "")}


def ocpc_send(account: ChannelAccount, inbound: Any, target: str, platform_event: str) -> str:
    """Upload one conversion for `bd_vid` = `target`; raises the client's PlatformError."""
    from channels.baidu.client import BaiduClient

    payload = inbound.payload or {}
    extra = payload.get("extra") or {}
    # A landing-form or API lead has no stored landing URL: the account's `ocpc_landing_url`.
    url = extra.get("url") or knob(account, "ocpc_landing_url", "")
    conversion = {"logidUrl": logid_url(url, target), "newType": int(platform_event)}
    from channels.services.calls import platform_call

    client = BaiduClient(account)
    # An expired token is refreshed once, as pulls do; other failures go back to the outbox.
    return platform_call(
        account, client, lambda: client.ocpc_upload(conversions=[conversion]), retries=0
    )
