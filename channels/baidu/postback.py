"""Baidu OCPC conversion upload (`uploadConvertData`) when a lead pays.

Facts: shared/channels/API_FACTS.md, "Baidu — Conversion postback" [S]: `logidUrl` is the
landing URL carrying `bd_vid` (≤1024 characters); `newType` is the per-account setting
`ocpc_new_type` (26).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from channels.models import ChannelAccount, InboundLead

POSTBACK_STAGES = ("paid",)


def postback_enqueue(inbound_id: int, stage: str) -> None:
    """Queue the OCPC upload for one stored record (call after commit); the stage is "paid"."""
    from channels.tasks import baidu_ocpc_upload_task

    baidu_ocpc_upload_task.delay(inbound_id)


def logid_url(url: str, bd_vid: str) -> str:
    """The landing URL Baidu wants: it must carry bd_vid; at most 1024 characters."""
    parts = urlsplit(url or "")
    if not parts.scheme:
        parts = urlsplit("https://example.invalid/")
    query = parse_qs(parts.query)
    if "bd_vid" not in query:
        query["bd_vid"] = [bd_vid]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))[:1024]


def postback_baidu_send(*, inbound_id: int) -> bool:
    from channels.baidu.client import BaiduClient

    row = InboundLead.objects.select_related("account").get(pk=inbound_id)
    payload = row.payload or {}
    bd_vid = (payload.get("click_ids") or {}).get("bd_vid", "")
    if not bd_vid or row.account is None:
        return False  # OCPC needs the click id; nothing to report without it
    account: ChannelAccount = row.account
    conversion = {
        "logidUrl": logid_url((payload.get("extra") or {}).get("url", ""), bd_vid),
        "newType": int((account.settings or {}).get("ocpc_new_type", 26)),
    }
    BaiduClient(account).ocpc_upload(conversions=[conversion])
    return True
