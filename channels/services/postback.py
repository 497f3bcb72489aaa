"""Tell the ad platform what became of its lead (Douyin clue callback, Baidu OCPC upload).

An outbox listener (registered in `ChannelsConfig.ready()`): the funnel hands every committed
stage event to `postbacks_for_event`, which sends one postback per platform record that
brought this lead, as the platform wants it:
- Douyin: `clue/life/callback` when a lead becomes valid (contacted) or pays.
- Baidu: OCPC conversion upload with the landing URL carrying `bd_vid`, when a lead pays.
A failure raises, and the outbox retries the event with back-off (its delivery row keeps the
error); the platforms treat a repeated postback of the same lead and stage as one.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from channels.models import Channel, ChannelAccount
from funnel.models import InboundLead, LeadEvent

DOUYIN_STAGES = ("contacted", "paid")
BAIDU_STAGES = ("paid",)


def postbacks_for_event(*, event_id: int) -> int:
    """Send the postbacks a stage event calls for. Returns how many were sent."""
    event = LeadEvent.objects.filter(pk=event_id).values("lead_id", "to_stage").first()
    if event is None or not event["to_stage"]:
        return 0
    stage = event["to_stage"]
    rows = (
        InboundLead.objects.filter(
            lead_id=event["lead_id"], channel__in=[Channel.DOUYIN, Channel.BAIDU]
        )
        .exclude(account_name="")
        .exclude(
            external_id__startswith="malformed:"  # quarantined bodies have no platform lead id
        )
        .values_list("pk", "channel")
        .order_by("pk")
    )
    sent = 0
    for inbound_id, channel in rows:
        if channel == Channel.DOUYIN and stage in DOUYIN_STAGES:
            sent += postback_douyin_send(inbound_id=inbound_id, stage=stage)
        elif channel == Channel.BAIDU and stage in BAIDU_STAGES:
            sent += postback_baidu_send(inbound_id=inbound_id)
    return sent


def logid_url(url: str, bd_vid: str) -> str:
    """The landing URL Baidu wants: it must carry bd_vid; at most 1024 characters."""
    parts = urlsplit(url or "")
    if not parts.scheme:
        parts = urlsplit("https://example.invalid/")
    query = parse_qs(parts.query)
    if "bd_vid" not in query:
        query["bd_vid"] = [bd_vid]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))[:1024]


def _account(row: InboundLead) -> ChannelAccount | None:
    """The ad account a record came from, by its channel and name (intake names it)."""
    return ChannelAccount.objects.filter(channel=row.channel, name=row.account_name).first()


def postback_douyin_send(*, inbound_id: int, stage: str) -> bool:
    from channels.douyin.client import DouyinClient

    row = InboundLead.objects.get(pk=inbound_id)
    account = _account(row)
    if account is None:
        return False
    DouyinClient(account).clue_callback(clue_id=row.external_id, stage=stage)
    return True


def postback_baidu_send(*, inbound_id: int) -> bool:
    from channels.baidu.client import BaiduClient

    row = InboundLead.objects.get(pk=inbound_id)
    payload = row.payload or {}
    bd_vid = (payload.get("click_ids") or {}).get("bd_vid", "")
    account = _account(row)
    if not bd_vid or account is None:
        return False  # OCPC needs the click id; nothing to report without it
    conversion = {
        "logidUrl": logid_url((payload.get("extra") or {}).get("url", ""), bd_vid),
        "newType": int((account.settings or {}).get("ocpc_new_type", 26)),
    }
    BaiduClient(account).ocpc_upload(conversions=[conversion])
    return True
