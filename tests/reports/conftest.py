"""A small hand-computed world for the report tests (figures worked out in test docstrings).

Window 2026-11-02 (Mon) … 2026-11-08 (Sun), Asia/Shanghai.
- douyin / c1 「脱发-抖音-春季」: spend 300 + 100 = 400.00, 10,000 impressions, 200 clicks.
  L1 paid 699 on 11-04 and 300 on 11-06 (repurchased) and 1000 on 11-20 (after the window),
  L2 prescribed, L3 contacted, L4 new (no event).
- baidu / b1: spend 0.00 (zero spend). L5 contacted then lost, L6 straight to paid (500, 11-03).
- xiaohongshu / x1: spend 200.00, 5,000 impressions, 50 clicks, no lead (zero leads).
- L7 has no touchpoint (unattributed); L8 (douyin) was created before the window.
Specialty: L1, L2 脱发; L3–L6 失眠; L7, L8 none. Assistant 林医助: L1, L2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from funnel.models import Assistant, Lead, LeadEvent, Order, Specialty, SpendRecord, Touchpoint
from funnel.services.lead_facts import lead_facts_refresh

TZ = ZoneInfo("Asia/Shanghai")
STAGES = ["contacted", "profiled", "consulted", "prescribed", "paid", "repurchased"]


def at(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def make_lead(n: int, created: dt.datetime, **kwargs) -> Lead:
    lead = Lead.objects.create(phone_hash=f"hash-{n}", phone=f"+861380000{n:04d}", **kwargs)
    Lead.objects.filter(pk=lead.pk).update(created_at=created)
    return lead


def stage_event(lead: Lead, to_stage: str, when: dt.datetime, from_stage: str = "") -> None:
    event = LeadEvent.objects.create(
        lead=lead, kind="stage", from_stage=from_stage, to_stage=to_stage
    )
    LeadEvent.objects.filter(pk=event.pk).update(created_at=when)


def walk(lead: Lead, upto: str, day: int) -> None:
    previous = "new"
    for stage in STAGES[: STAGES.index(upto) + 1]:
        stage_event(lead, stage, at(day, 12), previous)
        previous = stage


def touch(lead: Lead, channel: str, campaign: str, name: str, **kwargs) -> None:
    Touchpoint.objects.create(
        lead=lead,
        channel=channel,
        campaign_id=campaign,
        campaign_name=name,
        is_first=True,
        occurred_at=at(1),
        **kwargs,
    )


@pytest.fixture
def world(db):
    hair = Specialty.objects.create(slug="hair-loss", name="脱发")
    sleep = Specialty.objects.create(slug="insomnia", name="失眠")
    lin = Assistant.objects.create(name="林医助")

    def spend(channel, campaign, name, day, cost, imp, clicks):
        SpendRecord.objects.create(
            channel=channel,
            account_name=f"{channel}-main",
            campaign_id=campaign,
            campaign_name=name,
            date=dt.date(2026, 11, day),
            cost=Decimal(cost),
            impressions=imp,
            clicks=clicks,
        )

    spend("douyin", "c1", "脱发-抖音-春季", 2, "300.00", 8000, 160)
    spend("douyin", "c1", "脱发-抖音-春季", 3, "100.00", 2000, 40)
    spend("douyin", "c1", "脱发-抖音-春季", 20, "999.00", 1, 1)  # after the window
    spend("baidu", "b1", "失眠-百度", 2, "0.00", 0, 0)
    spend("xiaohongshu", "x1", "小红书-种草", 4, "200.00", 5000, 50)

    l1 = make_lead(1, at(2), specialty=hair, assignee=lin)
    l2 = make_lead(2, at(2, 23), specialty=hair, assignee=lin)
    l3 = make_lead(3, at(3), specialty=sleep)
    l4 = make_lead(4, at(8, 23), specialty=sleep)
    l5 = make_lead(5, at(5), specialty=sleep)
    l6 = make_lead(6, at(2), specialty=sleep, referred_by=l1)
    l7 = make_lead(7, at(6))
    l8 = make_lead(8, at(1, 23))  # 2026-11-01 local: before the window
    for lead in (l1, l2, l3, l4):
        touch(lead, "douyin", "c1", "脱发-抖音-春季", content_page_id=None)
    touch(l5, "baidu", "b1", "失眠-百度")
    touch(l6, "baidu", "b1", "失眠-百度")
    touch(l8, "douyin", "c1", "脱发-抖音-春季")

    walk(l1, "repurchased", 3)
    walk(l2, "prescribed", 3)
    walk(l3, "contacted", 4)
    stage_event(l5, "contacted", at(6), "new")
    stage_event(l5, "lost", at(7), "contacted")
    stage_event(l6, "paid", at(3), "new")
    walk(l8, "paid", 2)
    for lead, amount, when in (
        (l1, "699.00", at(4)),
        (l1, "300.00", at(6)),
        (l1, "1000.00", at(20)),
        (l6, "500.00", at(3)),
        (l8, "800.00", at(2)),
    ):
        Order.objects.create(lead=lead, amount=Decimal(amount), paid_at=when)
    # The rows above were written raw, not through the services: derive the stored report
    # facts from them the way the migration's backfill does.
    lead_facts_refresh(lead_ids=[lead.pk for lead in (l1, l2, l3, l4, l5, l6, l7, l8)])
    return {"leads": [l1, l2, l3, l4, l5, l6, l7, l8], "lin": lin, "hair": hair, "sleep": sleep}


@pytest.fixture
def ingest_at(monkeypatch):
    """Send a payload through the real intake → ingest path as if it arrived at ``when``
    (Django's clock is moved for the call only: auto_now_add and every service read it)."""
    from django.utils import timezone

    from funnel.services.intake import IntakeSource, lead_intake

    keys = iter(range(1, 10_000))

    def send(when: dt.datetime, payload):
        with monkeypatch.context() as m:
            m.setattr(timezone, "now", lambda: when.astimezone(dt.UTC))
            return lead_intake(
                source=IntakeSource(channel=payload.channel or "api"),
                external_id=f"at-{next(keys)}",
                raw=payload.to_dict(),
                payload=payload,
            ).outcome

    return send
