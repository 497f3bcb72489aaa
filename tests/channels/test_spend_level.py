"""Spend and leads join at one level (API_FACTS, "Spend and leads must join at one level"):
Douyin clues carry `promotion_id` (广告); the spend import reads the same level, so a Douyin
campaign row of the report has both. The sandbox's projects (项目) have other ids, so spend read
per project would give rows with spend and no leads, and leads with no spend."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from channels.sandbox.data import CAMPAIGNS, DOUYIN_PROJECTS
from channels.services.pull import leads_pull
from channels.services.spend import spend_pull
from funnel.models import SpendRecord
from tests.channels.conftest import drain

pytestmark = pytest.mark.django_db

KNOBS = {"backoff_seconds": 0, "max_retries": 1, "page_size": 100}


def test_the_sandbox_projects_and_promotions_have_distinct_ids():
    # given the sandbox's Douyin promotions and the projects above them
    promotions = {campaign_id for campaign_id, _name, _topic in CAMPAIGNS["douyin"]}
    projects = {project_id for project_id, _name in DOUYIN_PROJECTS.values()}
    # then no id is both (a join at the wrong level cannot pass by accident)
    assert promotions == set(DOUYIN_PROJECTS)
    assert promotions.isdisjoint(projects)


def test_douyin_campaign_rows_of_the_report_have_both_spend_and_leads(make_account, sandbox):
    # given the sandbox's 30 Douyin leads over 3 promotions, pulled and processed
    _state, base = sandbox
    account = make_account("douyin", "dy", base=base + "/open_api/", settings=KNOBS)
    assert leads_pull(account_id=account.pk).new == 30
    drain()
    # and the week's spend imported
    today = timezone.localdate()
    start = today - dt.timedelta(days=7)
    assert spend_pull(account_id=account.pk, start=start, end=today).error == ""
    # when the campaign report is asked for
    out = io.StringIO()
    call_command(
        "funnel_report",
        "--by",
        "campaign",
        "--start",
        start.isoformat(),
        "--end",
        today.isoformat(),
        "--format",
        "json",
        stdout=out,
    )
    rows = [r for r in json.loads(out.getvalue()) if r["channel"] == "douyin"]
    # then there is one row per promotion, each with spend and leads (and so a CPL)
    promotions = sorted(campaign_id for campaign_id, _n, _t in CAMPAIGNS["douyin"])
    assert sorted(r["campaign_id"] for r in rows) == promotions
    assert sum(r["leads"] for r in rows) == 30
    for row in rows:
        assert row["leads"] == 10
        assert row["spend"] not in (None, "0.00")
        assert row["cpl"] is not None
    # and the spend facts are stored per promotion, never per project
    stored = set(SpendRecord.objects.filter(channel="douyin").values_list("campaign_id", flat=True))
    assert stored == set(promotions)
