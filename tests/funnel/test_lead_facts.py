"""The report facts stored on the lead equal what its stage events and first touch say, after
ingest, stage changes, orders, merges and the migration's backfill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from funnel.models import Lead, LeadEvent, Touchpoint
from funnel.services.identity import lead_merge
from funnel.services.lead_facts import (
    STAGE_RANKS,
    lead_facts_backfill,
    lead_facts_refresh,
)
from funnel.services.stages import lead_stage_change, order_record
from tests.funnel.factories import payload

pytestmark = pytest.mark.django_db
FACTS = ("furthest_rank", "first_channel", "first_campaign_id", "first_content_page_id")


def stored(lead_id: int) -> tuple:
    return tuple(Lead.objects.filter(pk=lead_id).values_list(*FACTS).get())


def derived(lead_id: int) -> tuple:
    """The facts as the history says them, computed here in Python, independently of the SQL."""
    stages = LeadEvent.objects.filter(lead_id=lead_id, kind="stage").values_list(
        "to_stage", flat=True
    )
    rank = max((STAGE_RANKS.get(s, 0) for s in stages), default=0)
    first = Touchpoint.objects.filter(lead_id=lead_id, is_first=True).first()
    if first is None:
        return (rank, "", "", None)
    return (rank, first.channel, first.campaign_id, first.content_page_id)


def test_refresh_after_ingest_copies_the_first_touch(ingest) -> None:
    # given: a person arrives from Douyin through a content page, then again from Baidu
    lead_id = ingest(payload(channel="douyin", campaign_id="DY-7", content_page_id=42)).lead_id
    ingest(payload(channel="baidu", campaign_id="BD-1", keyword="脱发医院"))
    # when: the call ingest makes after writing the touchpoint
    assert lead_facts_refresh(lead_ids=[lead_id]) == 1
    # then: attribution stays with the first arrival; the new-lead event is rank 0
    assert stored(lead_id) == (0, "douyin", "DY-7", 42) == derived(lead_id)


def test_refresh_follows_an_enriched_resend_of_the_first_touch(ingest) -> None:
    lead_id = ingest(payload(channel="douyin", campaign_id=""), key="dy-1", raw={"v": 1}).lead_id
    lead_facts_refresh(lead_ids=[lead_id])
    assert stored(lead_id) == (0, "douyin", "", None)

    ingest(payload(channel="douyin", campaign_id="DY-9"), key="dy-1", raw={"v": 2})
    lead_facts_refresh(lead_ids=[lead_id])

    assert stored(lead_id) == (0, "douyin", "DY-9", None) == derived(lead_id)


def test_ingest_itself_keeps_the_first_touch(ingest) -> None:
    lead_id = ingest(payload(channel="douyin", campaign_id="DY-7", content_page_id=12)).lead_id
    assert stored(lead_id) == derived(lead_id)
    assert stored(lead_id)[1:] == ("douyin", "DY-7", 12)


def test_a_later_touch_leaves_the_first_and_an_enriched_resend_updates_it(ingest) -> None:
    # given a first touch without its campaign (the platform fills it late)
    lead_id = ingest(payload(channel="douyin"), key="dy-1", raw={"v": 1}).lead_id
    # when another channel touches, then the first record is re-sent with its campaign
    ingest(payload(channel="baidu", campaign_id="BD-1"))
    ingest(payload(channel="douyin", campaign_id="DY-9"), key="dy-1", raw={"v": 2})
    # then the stored first touch is the re-sent first record, as the history says
    assert stored(lead_id) == derived(lead_id)
    assert stored(lead_id)[1:3] == ("douyin", "DY-9")


def test_one_batch_with_the_same_person_twice_keeps_the_earlier_as_first() -> None:
    from funnel.services.intake import IntakeSource, Processing, leads_intake

    received = leads_intake(
        source=IntakeSource(channel="baidu"),
        records=[
            ("b-1", {"n": 1}, payload("13800000011", channel="baidu", campaign_id="BD-1")),
            ("b-2", {"n": 2}, payload("13800000011", channel="douyin", campaign_id="DY-1")),
        ],
        processing=Processing.NOW,
    )
    first = received[0].outcome

    assert stored(first.lead_id) == derived(first.lead_id)
    assert stored(first.lead_id)[1:3] == ("baidu", "BD-1")


def test_stage_changes_raise_the_rank_and_exits_never_lower_it(ingest) -> None:
    lead_id = ingest(payload()).lead_id
    # when: contacted, profiled, lost, won back
    for stage in ("contacted", "profiled", "lost", "contacted"):
        lead_stage_change(lead_id=lead_id, to_stage=stage)
        # then: after every step the stored rank equals the history's
        assert stored(lead_id)[0] == derived(lead_id)[0]
    assert stored(lead_id)[0] == 2


def test_refused_stage_change_leaves_the_rank(ingest) -> None:
    lead_id = ingest(payload()).lead_id
    lead_stage_change(lead_id=lead_id, to_stage="consulted")

    with pytest.raises(ApplicationError):
        lead_stage_change(lead_id=lead_id, to_stage="contacted")

    assert stored(lead_id)[0] == 3 == derived(lead_id)[0]


def test_orders_make_paid_then_repurchased(ingest) -> None:
    lead_id = ingest(payload()).lead_id
    lead_stage_change(lead_id=lead_id, to_stage="prescribed")

    order_record(lead_id=lead_id, amount="699.00")
    assert stored(lead_id)[0] == 5 == derived(lead_id)[0]
    order_record(lead_id=lead_id, amount="1280.00")
    assert stored(lead_id)[0] == 6 == derived(lead_id)[0]
    order_record(lead_id=lead_id, amount="1280.00")  # a third order changes nothing
    assert stored(lead_id)[0] == 6


def test_merge_takes_the_earlier_first_touch_and_the_furthest_stage(ingest) -> None:
    # given: keep arrived from Baidu today and was contacted; drop came from Douyin 3 days
    # ago through content page 7 and paid
    keep = ingest(payload("13812345678", channel="baidu", campaign_id="BD-1")).lead_id
    drop = ingest(payload("13912345678", channel="douyin", content_page_id=7)).lead_id
    Touchpoint.objects.filter(lead_id=drop).update(
        occurred_at=timezone.now() - dt.timedelta(days=3)
    )
    lead_facts_refresh(lead_ids=[keep, drop])
    lead_stage_change(lead_id=keep, to_stage="contacted")
    order_record(lead_id=drop, amount="699.00")
    # when
    lead_merge(keep_id=keep, drop_id=drop)
    # then
    assert stored(keep) == (5, "douyin", "", 7) == derived(keep)


def test_backfill_derives_facts_from_raw_rows_in_batches() -> None:
    # given: leads written raw (as before migration 0006): one with a first and a later touch
    # and a win-back history, one with touches but no stage event, one with nothing
    now = timezone.now()
    rich, bare, empty = (
        Lead.objects.create(phone_hash=f"h-{n}", phone=f"+86138000000{n:02d}") for n in (1, 2, 3)
    )
    Touchpoint.objects.create(
        lead=rich,
        channel="xiaohongshu",
        campaign_id="X1",
        content_page_id=3,
        is_first=True,
        occurred_at=now,
    )
    Touchpoint.objects.create(lead=rich, channel="douyin", campaign_id="D1", occurred_at=now)
    Touchpoint.objects.create(lead=bare, channel="baidu", is_first=True, occurred_at=now)
    for to_stage in ("contacted", "consulted", "lost", "contacted"):
        LeadEvent.objects.create(lead=rich, kind="stage", to_stage=to_stage)
    LeadEvent.objects.create(lead=rich, kind="note", to_stage="paid")  # not a stage event
    Lead.objects.filter(pk=rich.pk).update(furthest_rank=6, first_channel="stale")
    # when: two leads per batch, so the id ranges split the three
    updated = lead_facts_backfill(batch=2)
    # then
    assert updated == 3
    assert stored(rich.pk) == (3, "xiaohongshu", "X1", 3) == derived(rich.pk)
    assert stored(bare.pk) == (0, "baidu", "", None) == derived(bare.pk)
    assert stored(empty.pk) == (0, "", "", None) == derived(empty.pk)
    # and: running it again changes nothing, and only leads from first_id on are touched
    assert lead_facts_backfill(batch=2) == 3
    assert lead_facts_backfill(first_id=empty.pk) == 1
    assert stored(rich.pk) == (3, "xiaohongshu", "X1", 3)


def test_backfill_and_refresh_on_no_leads() -> None:
    assert lead_facts_backfill() == 0
    assert lead_facts_refresh(lead_ids=[]) == 0
    assert lead_facts_refresh(lead_ids=[987654]) == 0
