"""A lead dates from when the person submitted on the source (the platform's time, Asia/
Shanghai), not from when we stored it: a 7-day first pull spreads over 7 report days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from funnel.models import Lead, LeadEvent
from funnel.services import intake
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _routing():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    pool, _ = pool_with([1])
    catch_all_rule(pool)


def _page(days_ago_and_times):
    today = timezone.localdate()
    records = []
    for i, (days_ago, clock) in enumerate(days_ago_and_times):
        local = f"{today - dt.timedelta(days=days_ago)} {clock}"  # as platforms write it
        records.append(
            (f"clue-{i}", {"i": i}, payload(f"1380000{i:04d}", channel="douyin", occurred_at=local))
        )
    return records


def test_a_seven_day_first_pull_spreads_over_seven_days() -> None:
    # given a first pull holding one lead per day of the past week, at 00:30 and 23:30 Shanghai
    times = [(d, "00:30:00" if d % 2 else "23:30:00") for d in range(1, 8)]
    # when it is ingested today
    intake.leads_intake(
        source=intake.IntakeSource(channel="douyin", account="dy"),
        records=_page(times),
        processing=intake.Processing.NOW,
    )
    # then the leads fall on seven different Shanghai days, each its submission day
    today = timezone.localdate()
    days = sorted(Lead.objects.values_list("created_day", flat=True))
    assert days == sorted(today - dt.timedelta(days=d) for d in range(1, 8))
    for lead in Lead.objects.all():
        local = timezone.localtime(lead.created_at, SHANGHAI)
        assert lead.created_day == local.date()
        assert local.strftime("%H:%M") in ("00:30", "23:30")
        # and the history's first event is at that time too
        first = LeadEvent.objects.filter(lead=lead, kind="stage", to_stage="new").get()
        assert first.created_at == lead.created_at


def test_the_same_new_person_twice_in_a_page_dates_from_the_earlier_submission() -> None:
    today = timezone.localdate()
    newest_first = [
        (
            "c-2",
            {"n": 2},
            payload("13800000077", channel="douyin", occurred_at=f"{today} 00:00:01"),
        ),
        (
            "c-1",
            {"n": 1},
            payload(
                "13800000077",
                channel="douyin",
                occurred_at=f"{today - dt.timedelta(days=3)} 09:00:00",
            ),
        ),
    ]
    intake.leads_intake(
        source=intake.IntakeSource(channel="douyin", account="dy"),
        records=newest_first,
        processing=intake.Processing.NOW,
    )
    assert Lead.objects.get().created_day == today - dt.timedelta(days=3)


@pytest.mark.parametrize(
    "occurred", ["", "not a time", "2026-02-30 10:00:00", "2999-01-01 00:00:00"]
)
def test_a_missing_impossible_or_future_time_is_the_time_we_received_it(occurred: str) -> None:
    before = timezone.now()
    intake.lead_intake(
        source=intake.IntakeSource(channel="api"),
        external_id="k1",
        raw={"t": occurred},
        payload=payload("13800000088", channel="api", occurred_at=occurred),
    )
    lead = Lead.objects.get()
    assert before <= lead.created_at <= timezone.now()
