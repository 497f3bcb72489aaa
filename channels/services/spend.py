"""Daily spend import: the platform's report, written through the funnel's spend service (one
row per account, campaign and day; a re-import replaces the figures)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from channels.errors import PlatformError, RateLimited, TokenExpired, Transient
from channels.models import ChannelAccount
from channels.registry import SPEND_CHANNELS, client_for
from channels.services.accounts import (
    account_failure_record,
    account_success_record,
    account_tokens_refresh,
)
from funnel.services.spend import spend_records_upsert


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
    knobs = account.settings or {}
    retries, backoff = int(knobs.get("max_retries", 3)), float(knobs.get("backoff_seconds", 2.0))
    refreshed, attempt = False, 0
    while True:
        try:
            rows = client.spend(start=start, end=end)
            break
        except TokenExpired as exc:
            if refreshed:
                stats.error = str(exc)
                break
            try:
                account_tokens_refresh(account=account, client=client)
            except PlatformError as exc2:
                stats.error = str(exc2)
                break
            refreshed = True
        except (RateLimited, Transient) as exc:
            if attempt >= retries:
                stats.error = f"{type(exc).__name__}: {exc}"
                break
            time.sleep(backoff * (2**attempt))
            attempt += 1
        except PlatformError as exc:
            stats.error = f"{type(exc).__name__}: {exc}"
            break
    if stats.error:
        account_failure_record(account_id=account.pk, error=f"spend: {stats.error}")
        return stats
    stats.rows = spend_records_upsert(channel=account.channel, account=account.name, facts=rows)
    account_success_record(account_id=account.pk)
    return stats
