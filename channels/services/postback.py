"""Tell the ad platform what became of its lead (Douyin clue callback, Baidu OCPC upload).

The funnel's stage service calls `lead_stage_changed` after a stage change has committed; this
module decides which platform wants to hear about it and enqueues one task per inbound record.
Each platform's stages and sender live in `channels/<platform>/postback.py`:
- Douyin: `clue/life/callback` when a lead becomes valid (contacted) or pays.
- Baidu: OCPC conversion upload with the landing URL carrying `bd_vid`, when a lead pays.
"""

from __future__ import annotations

from django.db import transaction

from channels.models import InboundLead
from channels.registry import POSTBACK_CHANNELS, platform_for


def lead_stage_changed(*, lead_id: int, stage: str) -> None:
    """Enqueue postbacks (after commit) for the platforms that brought this lead."""
    rows = (
        InboundLead.objects.filter(
            lead_id=lead_id,
            channel__in=POSTBACK_CHANNELS,
            account__isnull=False,
        )
        .exclude(
            external_id__startswith="malformed:"  # quarantined bodies have no platform lead id
        )
        .values_list("pk", "channel")
    )
    for inbound_id, channel in rows:
        platform = platform_for(channel)
        if stage in platform.postback_stages:
            transaction.on_commit(lambda i=inbound_id, p=platform: p.postback_enqueue(i, stage))
