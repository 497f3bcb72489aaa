"""Pure report arithmetic: no database (no ``db`` fixture anywhere in this module)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from funnel.reports import analytics, metrics

D = Decimal
MON = dt.date(2026, 11, 2)


def lead_row(**kw):
    base = {"leads": 0, "paying_patients": 0, "repurchasers": 0, "revenue": None}
    base.update({f"reached_{s}": 0 for s in analytics.STAGES})
    base.update(kw)
    return base


def test_share_and_money_per_never_divide_by_zero():
    assert metrics.share(1, 3) == 0.3333
    assert metrics.share(5, 0) is None
    assert metrics.share(0, 0) is None
    assert metrics.share(1, None) is None
    assert metrics.money_per(D("100.00"), 3) == D("33.33")
    assert metrics.money_per(D("100.00"), 0) is None
    assert metrics.money_per(None, 4) is None


def test_payback_days():
    days = [(dt.date(2026, 11, 5), D("100")), (dt.date(2026, 11, 3), D("250"))]
    # cumulative 250 on 11-03, 350 on 11-05
    assert metrics.payback_days(days, D("300"), MON) == 3
    assert metrics.payback_days(days, D("250"), MON) == 1
    assert metrics.payback_days(days, D("351"), MON) is None
    assert metrics.payback_days(days, D("0"), MON) is None
    assert metrics.payback_days([], None, MON) is None


def test_funnel_table_merges_spend_and_leads():
    # given: douyin 3 leads (2 contacted, 1 profiled … 1 paid), spend 90 over 3,000 impressions;
    # baidu has spend and no lead
    leads = [
        lead_row(
            channel="douyin",
            leads=3,
            reached_contacted=2,
            reached_profiled=1,
            reached_consulted=1,
            reached_prescribed=1,
            reached_paid=1,
            paying_patients=1,
            revenue=D("180.00"),
        ),
    ]
    spend = [
        {"channel": "douyin", "spend": D("90.00"), "impressions": 3000, "clicks": 30},
        {"channel": "baidu", "spend": D("50.00"), "impressions": 0, "clicks": 0},
    ]
    revenue = [{"channel": "douyin", "day": dt.date(2026, 11, 4), "revenue": D("180.00")}]
    # when
    rows = analytics.funnel_table(
        by="channel", leads=leads, spend=spend, revenue=revenue, start=MON
    )
    # then
    baidu, douyin = rows
    assert douyin["cpl"] == D("30.00")
    assert (douyin["ctr"], douyin["rate_contacted"], douyin["rate_profiled"]) == (0.01, 0.6667, 0.5)
    assert (douyin["cac"], douyin["roi"], douyin["payback_days"]) == (D("90.00"), 2.0, 2)
    assert (douyin["conversion_rate"], douyin["repurchase_rate"]) == (0.3333, 0.0)
    assert (baidu["leads"], baidu["cpl"], baidu["cac"], baidu["ctr"]) == (0, None, None, None)
    assert (baidu["revenue"], baidu["roi"], baidu["rate_contacted"]) == (D("0.00"), 0.0, None)
    assert list(douyin)[1:] == analytics.METRICS


def test_funnel_table_without_spend_dimension_leaves_spend_metrics_empty():
    leads = [lead_row(specialty_id=1, leads=2, reached_contacted=2, paying_patients=0)]
    rows = analytics.funnel_table(
        by="specialty",
        leads=leads,
        spend=[],
        revenue=[],
        start=MON,
        labels={1: "脱发"},
        slugs={1: "hair-loss"},
    )
    assert rows[0]["specialty"] == "hair-loss"
    assert (rows[0]["spend"], rows[0]["cpl"], rows[0]["cac"], rows[0]["roi"]) == (
        None,
        None,
        None,
        None,
    )
    assert (rows[0]["conversion_rate"], rows[0]["repurchase_rate"]) == (0.0, None)


def test_empty_inputs_give_no_rows():
    assert analytics.funnel_table(by="channel", leads=[], spend=[], revenue=[], start=MON) == []


def test_totals_and_json_row():
    rows = [
        {"spend": D("100.00"), "leads": 4, "paying_patients": 1, "revenue": D("300.00")},
        {"spend": D("0.00"), "leads": 0, "paying_patients": 0, "revenue": D("0.00")},
    ]
    total = analytics.totals(rows)
    assert total == {
        "spend": D("100.00"),
        "leads": 4,
        "paying_patients": 1,
        "revenue": D("300.00"),
        "cpl": D("25.00"),
        "cac": D("100.00"),
        "conversion_rate": 0.25,
        "roi": 3.0,
    }
    assert analytics.totals([])["roi"] is None
    assert analytics.json_row({"period": MON, "spend": D("1.5"), "cac": None, "roi": 0.5}) == {
        "period": "2026-11-02",
        "spend": "1.50",
        "cac": None,
        "roi": 0.5,
    }


def test_cohort_table_retention_k_factor_and_spend():
    # given a cohort of 8 with 2 payers and 500 yuan of spend; an empty week with 120 yuan;
    # a week with leads and no spend row
    week2, week3 = MON + dt.timedelta(days=7), MON + dt.timedelta(days=14)
    rows = analytics.cohort_table(
        [
            {
                "cohort": MON,
                "size": 8,
                "day1": 4,
                "day7": 2,
                "day30": 1,
                "referred": 2,
                "payers": 2,
            },
            {
                "cohort": week3,
                "size": 3,
                "day1": 0,
                "day7": 0,
                "day30": 0,
                "referred": 0,
                "payers": 0,
            },
        ],
        {MON: D("500.00"), week2: D("120.00")},
    )
    assert rows[0] == {
        "cohort": MON,
        "size": 8,
        "spend": D("500.00"),
        "cpl": D("62.50"),
        "paying_patients": 2,
        "cac": D("250.00"),
        "retention_day1": 0.5,
        "retention_day7": 0.25,
        "retention_day30": 0.125,
        "referred": 2,
        "k_factor": 0.25,
    }
    # spend without leads: CPL and CAC empty, never infinite
    assert [rows[1][k] for k in ("cohort", "size", "spend", "cpl", "cac", "k_factor")] == [
        week2,
        0,
        D("120.00"),
        None,
        None,
        None,
    ]
    # leads without spend: 0.00 spend, CPL 0.00, CAC empty (no payer)
    assert [rows[2][k] for k in ("cohort", "spend", "cpl", "cac")] == [
        week3,
        D("0.00"),
        D("0.00"),
        None,
    ]


def test_elimination_flags_carry_their_figures():
    report = [
        {"channel": "douyin", "spend": D("900.00"), "cac": D("450.00"), "paying_patients": 2},
        {"channel": "baidu", "spend": D("300.00"), "cac": D("100.00"), "paying_patients": 3},
        {"channel": "xiaohongshu", "spend": D("600.00"), "cac": None, "paying_patients": 0},
        {"channel": "api", "spend": D("0.00"), "cac": D("0.00"), "paying_patients": 1},
    ]
    cohorts = [
        {"channel": "douyin", "cohort_leads": 100, "cohort_payers": 1},
        {"channel": "baidu", "cohort_leads": 10, "cohort_payers": 3},
        {"channel": "api", "cohort_leads": 0, "cohort_payers": 0},
    ]
    flags = analytics.elimination_flags(
        by="channel",
        report=report,
        cohorts=cohorts,
        max_cac=D("400"),
        min_conversion=0.05,
        after_days=30,
    )
    assert [(f["name"], f["reason"]) for f in flags] == [
        ("douyin", "cac_above_target"),
        ("xiaohongshu", "cac_above_target"),
        ("douyin", "cohort_conversion_below_threshold"),
    ]
    assert flags[0]["figures"] == {
        "cac": D("450.00"),
        "target_cac": D("400"),
        "spend": D("900.00"),
        "paying_patients": 2,
    }
    assert flags[2]["figures"]["conversion_rate"] == 0.01
    assert (
        analytics.elimination_flags(
            by="channel",
            report=report,
            cohorts=cohorts,
            max_cac=None,
            min_conversion=None,
            after_days=30,
        )
        == []
    )


def test_assistant_board():
    rows = analytics.assistant_board(
        [
            lead_row(
                assistant_id=3,
                leads=4,
                reached_contacted=4,
                reached_profiled=2,
                reached_consulted=2,
                reached_prescribed=1,
                reached_paid=1,
                paying_patients=1,
                repurchasers=0,
                revenue=D("699"),
                sla_breaches=2,
            )
        ],
        {3: "林医助"},
    )
    assert rows == [
        {
            "assistant_id": 3,
            "assistant": "林医助",
            "leads": 4,
            "rate_contacted": 1.0,
            "rate_profiled": 0.5,
            "rate_consulted": 1.0,
            "rate_prescribed": 0.5,
            "rate_paid": 1.0,
            "repurchase_rate": 0.0,
            "paying_patients": 1,
            "revenue": D("699.00"),
            "sla_breaches": 2,
        }
    ]
