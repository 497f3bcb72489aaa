"""The benchmark generator on PostgreSQL (small N), and the daily flag task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max, Min, OuterRef, Subquery
from django.utils import timezone

from funnel.models import EliminationRule, Lead, LeadEvent, Order, Touchpoint
from funnel.reports.selectors import Window, funnel_report


@pytest.mark.services
@pytest.mark.django_db
def test_generator_fills_a_consistent_funnel():
    # when
    out = StringIO()
    call_command("generate_funnel_data", "--leads", "3000", "--end", "2026-11-22", stdout=out)
    # then: every lead has one first touch; events ≈ 5 per lead; payers have orders
    assert "leads=3000" in out.getvalue()
    assert Lead.objects.count() == 3000
    assert Touchpoint.objects.filter(is_first=True).count() == 3000
    events = LeadEvent.objects.count()
    assert 13_500 < events < 16_500
    paid = LeadEvent.objects.filter(kind="stage", to_stage="paid").values("lead").distinct().count()
    assert Order.objects.values("lead").distinct().count() == paid
    assert Lead.objects.filter(referred_by__isnull=False).count() > 30
    # the stored report facts say what the events and first touches say, for every lead
    assert Lead.objects.filter(furthest_rank__gte=5).count() == paid
    contacted = (
        LeadEvent.objects.filter(kind="stage", to_stage="contacted").values("lead").distinct()
    )
    assert Lead.objects.filter(furthest_rank__gte=1).count() == contacted.count()
    first = Touchpoint.objects.filter(is_first=True, lead=OuterRef("pk"))
    mismatched = Lead.objects.exclude(
        first_channel=Subquery(first.values("channel")),
        first_campaign_id=Subquery(first.values("campaign_id")),
    )
    assert mismatched.count() == 0
    assert Lead.objects.filter(first_channel="").count() == 0
    # the report over the whole span of the generated data counts every lead once
    span = Lead.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    window = Window(timezone.localdate(span["first"]), timezone.localdate(span["last"]))
    rows = funnel_report(by="channel", window=window)
    assert sum(r["leads"] for r in rows) == 3000
    assert {r["channel"] for r in rows} == {"douyin", "baidu", "xiaohongshu", "landing"}
    # a second run with --if-missing does nothing
    out = StringIO()
    call_command("generate_funnel_data", "--leads", "3000", "--if-missing", stdout=out)
    assert "already there" in out.getvalue()
    assert Lead.objects.count() == 3000


@pytest.mark.django_db
def test_generator_refuses_sqlite_and_bad_counts():
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("generate_funnel_data", "--leads", "10")
    else:
        with pytest.raises(CommandError, match="at least 1"):
            call_command("generate_funnel_data", "--leads", "0")
    assert Lead.objects.count() == 0


def test_flag_task_sends_through_the_notifier(world, caplog, monkeypatch):
    from funnel.reports import services, tasks

    EliminationRule.objects.create(
        name="计划转化", dimension="campaign", min_conversion_rate=Decimal("0.5"), after_days=3
    )
    monkeypatch.setattr(services.timezone, "localdate", lambda: dt.date(2026, 11, 9))
    # when: a week of leads, each at least 3 days old by now, conversion within 3 days
    from funnel.services.notify import notifications_deliver

    with caplog.at_level("WARNING", logger="yinliu.notify"):
        sent = tasks.elimination_flags_task.apply().get()
        notifications_deliver()  # the queued notices go out (after commit, in production)
    # then: c1 (1 of its matured leads paid within 3 days … below 50 %) is flagged
    assert sent >= 1
    assert "N 天转化率低于下限" in caplog.text
    assert "douyin / c1" in caplog.text
