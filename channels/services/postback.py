"""Tell the ad platform what became of its lead (Douyin clue callback, Baidu OCPC upload).

An outbox listener (registered in `ChannelsConfig.ready()`): the funnel hands every committed
stage event to `postbacks_for_event`, which sends one postback per platform record that
brought this lead, for the stages that platform wants (`channels/<platform>/postback.py`):
- Douyin: `clue/life/callback` when a lead becomes valid (contacted) or pays.
- Baidu: OCPC conversion upload with the landing URL carrying `bd_vid`, when a lead pays.
A failure raises, and the outbox retries the event with back-off (its delivery row keeps the
error); the platforms treat a repeated postback of the same lead and stage as one.
"""

from __future__ import annotations

from channels.registry import POSTBACK_CHANNELS, platform_for
from funnel.models import InboundLead, LeadEvent


def postbacks_for_event(*, event_id: int) -> int:
    """Send the postbacks a stage event calls for. Returns how many were sent."""
    event = LeadEvent.objects.filter(pk=event_id).values("lead_id", "to_stage").first()
    if event is None or not event["to_stage"]:
        return 0
    stage = event["to_stage"]
    rows = (
        InboundLead.objects.filter(lead_id=event["lead_id"], channel__in=POSTBACK_CHANNELS)
        .exclude(account_name="")
        .exclude(
            external_id__startswith="malformed:"  # quarantined bodies have no platform lead id
        )
        .values_list("pk", "channel")
        .order_by("pk")
    )
    sent = 0
    for inbound_id, channel in rows:
        platform = platform_for(channel)
        if stage in platform.postback_stages:
            sent += platform.postback_send(inbound_id, stage)
    return sent
