"""Douyin conversion postback: `clue/life/callback` when a lead becomes valid or pays.

Facts: shared/channels/API_FACTS.md, "Douyin — Lead status feedback" [C]; the state codes sent
are the per-account setting `callback_states` (see `channels.douyin.client`).
"""

from __future__ import annotations

from channels.models import InboundLead

POSTBACK_STAGES = ("contacted", "paid")


def postback_enqueue(inbound_id: int, stage: str) -> None:
    """Queue the callback for one stored Feiyu / clue record (call after commit)."""
    from channels.tasks import douyin_clue_callback_task

    douyin_clue_callback_task.delay(inbound_id, stage)


def postback_douyin_send(*, inbound_id: int, stage: str) -> bool:
    from channels.douyin.client import DouyinClient

    row = InboundLead.objects.select_related("account").get(pk=inbound_id)
    if row.account is None:
        return False
    DouyinClient(row.account).clue_callback(clue_id=row.external_id, stage=stage)
    return True
