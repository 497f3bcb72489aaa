"""Baidu OCPC conversion upload (`uploadConvertData`) when a lead pays.

Facts: shared/channels/API_FACTS.md, "Baidu — Conversion postback" [S]: `logidUrl` is the
landing URL carrying `bd_vid` (≤1024 characters); `newType` is the per-account setting
`ocpc_new_type` (26).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from channels.models import ChannelAccount
from funnel.models import InboundLead

POSTBACK_STAGES = ("paid",)


def logid_url(url: str, bd_vid: str) -> str:
    """The landing URL Baidu wants: it must carry bd_vid; at most 1024 characters."""
    parts = urlsplit(url or "")
    if not parts.scheme:
        parts = urlsplit("https://example.invalid/")
    query = parse_qs(parts.query)
    if "bd_vid" not in query:
        query["bd_vid"] = [bd_vid]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))[:1024]


def postback_send(inbound_id: int, stage: str) -> bool:
    """Upload one paid conversion (`stage` is "paid"). False without a `bd_vid` or an account
    (OCPC has nothing to match); raises the client's PlatformError on failure."""
    from channels.baidu.client import BaiduClient

    row = InboundLead.objects.get(pk=inbound_id)
    payload = row.payload or {}
    bd_vid = (payload.get("click_ids") or {}).get("bd_vid", "")
    account = ChannelAccount.objects.filter(channel=row.channel, name=row.account_name).first()
    if not bd_vid or account is None:
        return False
    conversion = {
        "logidUrl": logid_url((payload.get("extra") or {}).get("url", ""), bd_vid),
        "newType": int((account.settings or {}).get("ocpc_new_type", 26)),
    }
    BaiduClient(account).ocpc_upload(conversions=[conversion])
    return True
