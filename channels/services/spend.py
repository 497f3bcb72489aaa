"""Daily spend import: the platform's report, written through the funnel's spend service (one
row per account, campaign and day; a re-import replaces the figures).

The report call goes through `platform_call` (the same retry and refresh policy as lead
pulls); when it raises, the failure is recorded on the account as `spend: <type>: <message>`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from channels.errors import PlatformError
from channels.models import ChannelAccount
from channels.registry import SPEND_CHANNELS, client_for
from channels.services.accounts import account_failure_record, account_success_record
from channels.services.calls import platform_call
from funnel.services.spend import spend_records_upsert

logger = logging.getLogger("yinliu.channels")


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
    try:
        # In here: a setting the client cannot use (SettingsInvalid) is recorded, not raised.
        client = client_for(account)
        rows = platform_call(account, client, partial(client.spend, start=start, end=end))
    except PlatformError as exc:
        logger.warning(
            "spend %s/%s failed: %s %s", account.channel, account.name, exc.code, exc.message
        )
        # Recorded like a lead pull's failure (type and message), marked as the spend import's.
        stats.error = f"{type(exc).__name__}: {exc}"
        account_failure_record(account_id=account.pk, error=f"spend: {stats.error}")
        return stats
    stats.rows = spend_records_upsert(channel=account.channel, account=account.name, facts=rows)
    account_success_record(account_id=account.pk)
    return stats
