"""Reports show what they compute, on SQLite and PostgreSQL alike (issue 15, points 9 and 10).

Leads arrive through the real inbox → ingest path at chosen Shanghai times; nothing here
writes report rows by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from funnel.models import EliminationRule, FollowUp, SpendRecord
from funnel.reports.selectors import Window, cohort_counts, funnel_report
from funnel.services.followups import followups_dispatch
from funnel.services.stages import lead_stage_change
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

TZ = ZoneInfo("Asia/Shanghai")


def sh(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")


@pytest.fixture
def edges(db, ingest_at):
    """Leads at 00:30 and 23:30 Shanghai around day, week (Mon 2026-11-09) and month edges."""
    SpecialtyFactory()
    times = {
        "oct31_2330": sh(dt.date(2026, 10, 31), 23, 30),  # October, week of 10-26
        "nov01_0030": sh(dt.date(2026, 11, 1), 0, 30),  # November, week of 10-26 (Sunday)
        "nov08_2330": sh(dt.date(2026, 11, 8), 23, 30),  # Sunday: week of 11-02
        "nov09_0030": sh(dt.date(2026, 11, 9), 0, 30),  # Monday: week of 11-09
        "nov09_2330": sh(dt.date(2026, 11, 9), 23, 30),
        "nov10_0030": sh(dt.date(2026, 11, 10), 0, 30),
    }
    for n, (name, when) in enumerate(times.items()):
        result = ingest_at(when, payload(f"1390000{n:04d}", channel="douyin", campaign_id=name))
        assert result.result == "created"
    return times


def _leads_by_period(*, start: dt.date, end: dt.date, grain: str | None) -> dict:
    """{(period, the lead's arrival label): leads}: each lead has a campaign of its own, so a
    lead counted on the wrong side of midnight shows by name, not only in a total."""
    rows = funnel_report(by="campaign", window=Window(start, end), grain=grain)
    return {(r.get("period"), r["campaign_id"]): r["leads"] for r in rows if r["leads"]}


def test_a_day_report_counts_shanghai_days(edges):
    # when: the report of 2026-11-09 alone
    rows = _leads_by_period(start=dt.date(2026, 11, 9), end=dt.date(2026, 11, 9), grain=None)
    # then: its 00:30 and 23:30 leads, not the 23:30 before nor the 00:30 after
    assert rows == {(None, "nov09_0030"): 1, (None, "nov09_2330"): 1}


def test_day_grain_puts_00_30_and_23_30_on_their_own_day(edges):
    rows = _leads_by_period(start=dt.date(2026, 11, 9), end=dt.date(2026, 11, 10), grain="day")
    assert rows == {
        (dt.date(2026, 11, 9), "nov09_0030"): 1,
        (dt.date(2026, 11, 9), "nov09_2330"): 1,
        (dt.date(2026, 11, 10), "nov10_0030"): 1,
    }


def test_week_grain_starts_on_shanghai_monday(edges):
    rows = _leads_by_period(start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 9), grain="week")
    assert rows == {
        (dt.date(2026, 11, 2), "nov08_2330"): 1,
        (dt.date(2026, 11, 9), "nov09_0030"): 1,
        (dt.date(2026, 11, 9), "nov09_2330"): 1,
    }


def test_month_grain_splits_at_shanghai_midnight(edges):
    rows = _leads_by_period(start=dt.date(2026, 10, 31), end=dt.date(2026, 11, 1), grain="month")
    assert rows == {
        (dt.date(2026, 10, 1), "oct31_2330"): 1,
        (dt.date(2026, 11, 1), "nov01_0030"): 1,
    }


def test_cohort_weeks_are_shanghai_weeks(edges):
    # when: the cohorts of 11-01 … 11-09 (a Sunday to a Monday)
    rows = cohort_counts(window=Window(dt.date(2026, 11, 1), dt.date(2026, 11, 9)))
    # then: 10-31 23:30 and 11-10 00:30 are outside; 11-08 23:30 is in the week of 11-02
    assert [(r["cohort"], r["size"]) for r in rows] == [
        (dt.date(2026, 10, 26), 1),
        (dt.date(2026, 11, 2), 1),
        (dt.date(2026, 11, 9), 2),
    ]


def test_cli_end_date_is_inclusive_and_nothing_after_it(edges):
    out = io.StringIO()
    call_command(
        "funnel_report",
        "--by=campaign",
        "--start=2026-11-01",
        "--end=2026-11-08",
        "--format=json",
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    assert sorted((r["campaign_id"], r["leads"]) for r in rows if r["leads"]) == [
        ("nov01_0030", 1),
        ("nov08_2330", 1),
    ]


def test_json_assistant_id_is_an_integer(db, ingest_at):
    # given: one lead before any routing rule (unassigned), one routed to an assistant
    SpecialtyFactory()
    day = dt.date(2026, 11, 3)
    ingest_at(sh(day, 10), payload("13900000001"))
    pool, (lin,) = pool_with([1])
    catch_all_rule(pool)
    ingest_at(sh(day, 11), payload("13900000002"))
    # when
    out = io.StringIO()
    call_command(
        "funnel_report",
        "--by=assistant",
        "--start=2026-11-03",
        "--end=2026-11-03",
        "--format=json",
        stdout=out,
    )
    # then: the id is the integer primary key ("1", never "1.0"), the unassigned row null
    text = out.getvalue()
    rows = json.loads(text)
    assert sorted((r["assistant_id"], r["leads"]) for r in rows if r["assistant_id"]) == [
        (lin.pk, 1)
    ]
    assert [r["leads"] for r in rows if r["assistant_id"] is None] == [1]
    assert f'"assistant_id": {lin.pk}.0' not in text


def test_assistant_board_counts_sla_checks_the_dispatcher_fired(client, boss, db, ingest_at):
    # given: two routed leads with a 30-minute 加微 SLA; the first is contacted in time
    SpecialtyFactory()
    pool, (lin,) = pool_with([1], sla_minutes=30)
    catch_all_rule(pool)
    day = dt.date(2026, 11, 3)
    on_time = ingest_at(sh(day, 10), payload("13900000001"))
    late = ingest_at(sh(day, 10, 5), payload("13900000002"))
    lead_stage_change(lead_id=on_time.lead_id, to_stage="contacted", actor=None)
    # when: the dispatcher runs after both checks fell due
    followups_dispatch(now=sh(day, 11))
    # then: the late lead's check fired (one breach for 林), the contacted lead's did not
    checks = FollowUp.objects.filter(kind=FollowUp.Kind.SLA_CHECK, assignee=lin)
    assert sorted(checks.values_list("lead_id", "status")) == sorted(
        [(on_time.lead_id, "cancelled"), (late.lead_id, "done")]
    )
    client.force_login(boss)
    response = client.get("/admin/reports/assistants/?start=2026-11-03&end=2026-11-03&export=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert [r["超时未加微"] for r in rows if r["医助"] == lin.name] == ["1"]


def test_flags_page_lists_the_flags_its_csv_exports(client, boss, db, ingest_at):
    # given: yesterday douyin brought one lead for 500 yuan of spend; the CAC target is 300
    from django.utils import timezone

    SpecialtyFactory()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ingest_at(sh(yesterday, 10), payload("13900000001", channel="douyin", campaign_id="c9"))
    SpendRecord.objects.create(
        channel="douyin",
        account_name="douyin-main",
        campaign_id="c9",
        date=yesterday,
        cost=Decimal("500.00"),
    )
    EliminationRule.objects.create(
        name="抖音获客成本", dimension="channel", max_cac=Decimal("300"), lookback_days=7
    )
    client.force_login(boss)
    # when
    page = client.get("/admin/reports/flags/").content.decode()
    export = client.get("/admin/reports/flags/?export=csv")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    # then: one flag, the same on the page and in the CSV
    assert lines[0] == "规则,对象,原因,说明"
    assert len(lines) == 2
    text = lines[1].split(",", 3)[3].strip('"')
    assert text.startswith("【抖音获客成本】douyin：获客成本高于目标")
    assert text in page
    assert "当前没有需要淘汰的渠道或计划" not in page
