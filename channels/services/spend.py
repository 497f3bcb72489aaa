"""Daily spend import: one upsert per (account, campaign, day); a re-import replaces figures.

The report call goes through `platform_call` (the same retry and refresh policy as lead
pulls); when it raises, the failure is recorded on the account as `spend: <type>: <message>`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db import transaction

from channels.errors import PlatformError
from channels.models import ChannelAccount, SpendRecord
from channels.registry import SPEND_CHANNELS, client_for
from channels.services.accounts import account_failure_record, account_success_record
from channels.services.calls import platform_call


@dataclass
class SpendStats:
    account: str
    rows: int = 0
    error: str = ""


def spend_pull(*, account_id: int, start: dt.date, end: dt.date) -> SpendStats:
    account = ChannelAccount.objects.get(pk=account_id)
    stats = SpendStats(account=f"{account.channel}/{account.name}")
    if account.channel not in SPEND_CHANNELS or not account.is_active:
        return stats
    client = client_for(account)
    try:
        rows = platform_call(account, client, partial(client.spend, start=start, end=end))
    except PlatformError as exc:
        # Recorded like a lead pull's failure (type and message), marked as the spend import's.
        stats.error = f"{type(exc).__name__}: {exc}"
        account_failure_record(account_id=account.pk, error=f"spend: {stats.error}")
        return stats
    objs = [
        SpendRecord(
            channel=account.channel,
            account=account,
            campaign_id=r.campaign_id,
            campaign_name=r.campaign_name[:200],
            date=r.date,
            cost=r.cost,
            impressions=r.impressions,
            clicks=r.clicks,
            conversions=r.conversions,
        )
        for r in rows
        if r.campaign_id
    ]
    with transaction.atomic():
        SpendRecord.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["account", "campaign_id", "date"],
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
    stats.rows = len(objs)
    account_success_record(account_id=account.pk)
    return stats
