"""Douyin conversion postback: `clue/life/callback` when a lead becomes valid or pays.

Facts: shared/channels/API_FACTS.md, "Douyin — Lead status feedback" [C]; the state codes sent
are the per-account setting `callback_states` (see `channels.douyin.client`).
"""

from __future__ import annotations

from channels.models import ChannelAccount
from funnel.models import InboundLead

POSTBACK_STAGES = ("contacted", "paid")


def postback_send(inbound_id: int, stage: str) -> bool:
    """Report one stored clue's new state. False when its account is gone (nothing to send);
    raises the client's PlatformError on failure (the outbox retries)."""
    from channels.douyin.client import DouyinClient

    row = InboundLead.objects.get(pk=inbound_id)
    account = ChannelAccount.objects.filter(channel=row.channel, name=row.account_name).first()
    if account is None:
        return False
    DouyinClient(account).clue_callback(clue_id=row.external_id, stage=stage)
    return True
