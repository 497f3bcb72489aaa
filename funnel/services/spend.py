"""Ad spend facts (消耗): what the connectors report, written in the funnel's vocabulary so the
reports (CPL, CAC, ROI) read funnel tables only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from django.db import transaction

from funnel.models import SpendRecord


class SpendFact(Protocol):
    """One campaign's figures for one day, as a platform's report gives them (cost in yuan)."""

    campaign_id: str
    campaign_name: str
    date: dt.date
    cost: Decimal
    impressions: int
    clicks: int
    conversions: int


def spend_records_upsert(*, channel: str, account: str, facts: list[SpendFact]) -> int:
    """Write an account's daily figures: one row per (channel, account, campaign, day); a
    re-import of the same day replaces the figures (platforms correct recent days), never adds
    to them. Facts without a campaign id are skipped. Returns how many rows were written."""
    rows = [
        SpendRecord(
            channel=channel,
            account_name=account,
            campaign_id=fact.campaign_id,
            campaign_name=fact.campaign_name[:200],
            date=fact.date,
            cost=fact.cost,
            impressions=fact.impressions,
            clicks=fact.clicks,
            conversions=fact.conversions,
        )
        for fact in facts
        if fact.campaign_id
    ]
    with transaction.atomic():
        SpendRecord.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["channel", "account_name", "campaign_id", "date"],
            update_fields=[
                "campaign_name",
                "cost",
                "impressions",
                "clicks",
                "conversions",
                "imported_at",
            ],
            batch_size=500,
        )
    return len(rows)
