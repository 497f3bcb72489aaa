"""Selectors and the full report on the database, against the hand-computed world (conftest)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from funnel.reports.selectors import (
    Window,
    cohort_counts,
    funnel_report,
    lead_funnel_counts,
    spend_by_week,
    spend_totals,
)

WEEK = Window(dt.date(2026, 11, 2), dt.date(2026, 11, 8))
D = Decimal


def by_channel(rows):
    return {r["channel"]: r for r in rows}


def test_lead_counts_per_channel_reach_stages_from_events(world):
    # when
    rows = by_channel(lead_funnel_counts(by="channel", window=WEEK))
    # then: L8 (before the window) is not counted; L7 is unattributed
    assert set(rows) == {"douyin", "baidu", ""}
    douyin = rows["douyin"]
    assert [douyin[k] for k in ("leads", "reached_contacted", "reached_profiled")] == [4, 3, 2]
    assert [
        douyin["reached_prescribed"],
        douyin["reached_paid"],
        douyin["reached_repurchased"],
    ] == [2, 1, 1]
    assert (douyin["paying_patients"], douyin["repurchasers"]) == (1, 1)
    assert D(douyin["revenue"]) == D("999.00")  # the 11-20 order is after the window
    assert (rows["baidu"]["reached_profiled"], rows["baidu"]["reached_paid"]) == (1, 1)


def test_spend_totals_only_inside_window(world):
    rows = by_channel(spend_totals(by="channel", window=WEEK))
    assert rows["douyin"]["spend"] == D("400.00")
    assert (rows["douyin"]["impressions"], rows["douyin"]["clicks"]) == (10000, 200)
    assert rows["baidu"]["spend"] == D("0.00")
    assert spend_totals(by="assistant", window=WEEK) == []


def test_channel_report_every_metric(world):
    # when
    rows = by_channel(funnel_report(by="channel", window=WEEK))
    # then
    assert rows["douyin"] == {
        "channel": "douyin",
        "spend": D("400.00"),
        "impressions": 10000,
        "clicks": 200,
        "ctr": 0.02,
        "leads": 4,
        "cpl": D("100.00"),
        "rate_contacted": 0.75,
        "rate_profiled": 0.6667,
        "rate_consulted": 1.0,
        "rate_prescribed": 1.0,
        "rate_paid": 0.5,
        "conversion_rate": 0.25,
        "paying_patients": 1,
        "cac": D("400.00"),
        "revenue": D("999.00"),
        "roi": 2.4975,
        "payback_days": 2,
        "repurchase_rate": 1.0,
    }
    # zero spend: ROI and payback empty, per-lead costs are a real 0
    baidu = rows["baidu"]
    assert (baidu["spend"], baidu["ctr"], baidu["cpl"], baidu["cac"]) == (
        D("0.00"),
        None,
        D("0.00"),
        D("0.00"),
    )
    assert (baidu["roi"], baidu["payback_days"], baidu["repurchase_rate"]) == (None, None, 0.0)
    assert [
        baidu[f"rate_{s}"] for s in ("contacted", "profiled", "consulted", "prescribed", "paid")
    ] == [1.0, 0.5, 1.0, 1.0, 1.0]
    # zero leads: everything per lead or per payer is empty, not 0 or infinity
    xhs = rows["xiaohongshu"]
    assert (xhs["leads"], xhs["cpl"], xhs["rate_contacted"], xhs["conversion_rate"]) == (
        0,
        None,
        None,
        None,
    )
    assert (xhs["cac"], xhs["revenue"], xhs["roi"], xhs["repurchase_rate"], xhs["ctr"]) == (
        None,
        D("0.00"),
        0.0,
        None,
        0.01,
    )
    # unattributed: zero payers
    none = rows[""]
    assert (none["leads"], none["rate_contacted"], none["rate_profiled"], none["cac"]) == (
        1,
        0.0,
        None,
        None,
    )


def test_daily_grain_uses_local_dates(world):
    rows = funnel_report(by="channel", window=WEEK, grain="day")
    douyin = {r["period"]: r for r in rows if r["channel"] == "douyin"}
    # L2 was created 23:00 Shanghai on 11-02 (15:00 UTC): still 11-02
    assert {d: (r["leads"], r["spend"]) for d, r in douyin.items()} == {
        dt.date(2026, 11, 2): (2, D("300.00")),
        dt.date(2026, 11, 3): (1, D("100.00")),
        dt.date(2026, 11, 8): (1, D("0.00")),
    }
    weekly = funnel_report(by="channel", window=WEEK, grain="week")
    assert {r["period"] for r in weekly} == {dt.date(2026, 11, 2)}


def test_monthly_grain_sums_the_days_of_the_month(world):
    rows = {r["channel"]: r for r in funnel_report(by="channel", window=WEEK, grain="month")}
    assert {r["period"] for r in rows.values()} == {dt.date(2026, 11, 1)}
    douyin = rows["douyin"]
    assert (douyin["leads"], douyin["paying_patients"], douyin["revenue"]) == (4, 1, D("999.00"))
    # payback counts from the later of month start and window start (11-02): 699 ≥ 400 on 11-04
    assert (douyin["rate_contacted"], douyin["payback_days"]) == (0.75, 2)


def test_other_dimensions(world):
    campaign = funnel_report(by="campaign", window=WEEK)
    c1 = next(r for r in campaign if r["campaign_id"] == "c1")
    assert (c1["channel"], c1["campaign"], c1["leads"], c1["cac"]) == (
        "douyin",
        "脱发-抖音-春季",
        4,
        D("400.00"),
    )
    specialty = {r["specialty"]: r for r in funnel_report(by="specialty", window=WEEK)}
    assert specialty["hair-loss"]["specialty_name"] == "脱发"
    assert (specialty["hair-loss"]["leads"], specialty["hair-loss"]["revenue"]) == (2, D("999.00"))
    assert (specialty["insomnia"]["leads"], specialty["insomnia"]["paying_patients"]) == (4, 1)
    # no spend per specialty: spend-based metrics are empty, never 0
    assert (
        specialty["insomnia"]["spend"],
        specialty["insomnia"]["cac"],
        specialty["insomnia"]["roi"],
    ) == (None, None, None)
    assistant = {r["assistant"]: r for r in funnel_report(by="assistant", window=WEEK)}
    assert (assistant["林医助"]["leads"], assistant["林医助"]["rate_paid"]) == (2, 0.5)
    content = funnel_report(by="content", window=WEEK)
    assert sum(r["leads"] for r in content) == 7


def test_cohorts_retention_and_referrals(world):
    rows = cohort_counts(window=WEEK)
    assert rows == [
        {
            "cohort": dt.date(2026, 11, 2),
            "size": 7,
            "day1": 5,
            "day7": 0,
            "day30": 0,
            "referred": 1,
            "payers": 2,  # L1 and L6 paid in the window; L8 was created before it
        }
    ]


def test_spend_by_week_sums_every_channel_of_the_week(world):
    # douyin 300 + 100, baidu 0, xiaohongshu 200 in the week; douyin's 11-20 row is outside
    assert spend_by_week(window=WEEK) == {dt.date(2026, 11, 2): D("600.00")}


def test_cli_json_is_the_documented_shape(world):
    out = StringIO()
    call_command(
        "funnel_report",
        "--by",
        "channel",
        "--start",
        "2026-11-02",
        "--end",
        "2026-11-08",
        "--format",
        "json",
        stdout=out,
    )
    rows = {r["channel"]: r for r in json.loads(out.getvalue())}
    assert rows["douyin"]["spend"] == "400.00"
    assert rows["douyin"]["cac"] == "400.00"
    assert rows["douyin"]["roi"] == 2.4975
    assert rows["baidu"]["roi"] is None
    assert rows["xiaohongshu"]["cpl"] is None
    assert list(rows["douyin"])[:2] == ["channel", "spend"]


def test_cli_csv_and_table(world):
    out = StringIO()
    call_command(
        "funnel_report",
        "--by",
        "specialty",
        "--start",
        "2026-11-02",
        "--end",
        "2026-11-08",
        "--format",
        "csv",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("\ufeffspecialty,specialty_name,spend,")
    assert len(lines) == 4  # header + 脱发, 失眠, none
    out = StringIO()
    call_command(
        "funnel_report",
        "--by",
        "channel",
        "--start",
        "2026-11-02",
        "--end",
        "2026-11-08",
        stdout=out,
    )
    assert "douyin" in out.getvalue()


def test_cli_rejects_bad_dates(db):
    with pytest.raises(CommandError, match="invalid date"):
        call_command("funnel_report", "--by", "channel", "--start", "2026-13-01")
    with pytest.raises(CommandError, match="after"):
        call_command(
            "funnel_report", "--by", "channel", "--start", "2026-11-09", "--end", "2026-11-01"
        )
