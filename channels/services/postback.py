"""Tell the ad platform what became of its lead (Douyin clue callback, Baidu OCPC upload).

The funnel's stage service calls `lead_stage_changed` after a stage change has committed; this
module decides which platform wants to hear about it and enqueues one task per inbound record.
- Douyin: `clue/life/callback` when a lead becomes valid (contacted) or pays.
- Baidu: OCPC conversion upload with the landing URL carrying `bd_vid`, when a lead pays.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.db import transaction

from channels.models import Channel, ChannelAccount, InboundLead

DOUYIN_STAGES = ("contacted", "paid")
BAIDU_STAGES = ("paid",)


def lead_stage_changed(*, lead_id: int, stage: str) -> None:
    """Enqueue postbacks (after commit) for the platforms that brought this lead."""
    from channels.tasks import baidu_ocpc_upload_task, douyin_clue_callback_task

    rows = (
        InboundLead.objects.filter(
            lead_id=lead_id,
            channel__in=[Channel.DOUYIN, Channel.BAIDU],
            account__isnull=False,
        )
        .exclude(
            external_id__startswith="malformed:"  # quarantined bodies have no platform lead id
        )
        .values_list("pk", "channel")
    )
    for inbound_id, channel in rows:
        if channel == Channel.DOUYIN and stage in DOUYIN_STAGES:
            transaction.on_commit(lambda i=inbound_id: douyin_clue_callback_task.delay(i, stage))
        elif channel == Channel.BAIDU and stage in BAIDU_STAGES:
            transaction.on_commit(lambda i=inbound_id: baidu_ocpc_upload_task.delay(i))


def logid_url(url: str, bd_vid: str) -> str:
    """The landing URL Baidu wants: it must carry bd_vid; at most 1024 characters."""
    parts = urlsplit(url or "")
    if not parts.scheme:
        parts = urlsplit("https://example.invalid/")
    query = parse_qs(parts.query)
    if "bd_vid" not in query:
        query["bd_vid"] = [bd_vid]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))[:1024]


def postback_douyin_send(*, inbound_id: int, stage: str) -> bool:
    from channels.douyin.client import DouyinClient

    row = InboundLead.objects.select_related("account").get(pk=inbound_id)
    if row.account is None:
        return False
    DouyinClient(row.account).clue_callback(clue_id=row.external_id, stage=stage)
    return True


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
