"""Lead pulls: page by page into the funnel's intake, with a checkpoint that moves only with
the page.

A run pulls a fixed window [start, end] (so newest-first pagination is stable while new leads
arrive); the next run starts `trailing_minutes` before the previous end to pick up the fields
platforms fill in late (an enriched record updates the stored one). Each page request goes
through `platform_call` (rate limits and 5xx retried with exponential back-off, an expired
token refreshed once); when it raises, the run stops where it is, the checkpoint unmoved, the
failure is recorded on the account, and the next scheduled run resumes at the same page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from channels.account_settings import knob
from channels.base import PageCount, max_pages, more_pages
from channels.errors import PageCapReached, PlatformError, RateLimited
from channels.models import ChannelAccount, PullCheckpoint
from channels.registry import PULL_CHANNELS, client_for, map_pulled, pulled_id, streams_for
from channels.services.accounts import account_failure_record, account_success_record
from channels.services.calls import platform_call
from funnel.models import InboundLead, InboundStatus
from funnel.services.intake import (
    AfterCommitQueue,
    IntakeSource,
    Processing,
    Record,
    leads_intake,
)

DEFAULT_LOOKBACK_DAYS = 7
DEFAULT_WINDOW_DAYS = {"douyin": 365, "baidu": 30}

logger = logging.getLogger("yinliu.channels")


@dataclass
class PullStats:
    account: str = ""
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    quarantined: int = 0
    pages: int = 0
    refreshed: int = 0
    retries: int = 0
    error: str = ""
    rate_limited: bool = False
    changed_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


Progress = Callable[[str], None]


def _unmapped_id(account: ChannelAccount, record: dict[str, Any]) -> str:
    return (
        pulled_id(account, record)
        or "malformed:"
        + hashlib.sha256(
            json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:40]
    )


def _mapped(account: ChannelAccount, records: list[dict[str, Any]]) -> list[Record]:
    """(external id, raw record, payload) per pulled record; an unmappable one is kept with no
    payload (processing quarantines it as unmapped)."""
    records_in: list[Record] = []
    for record in records:
        try:
            external_id, payload = map_pulled(account, record)
        except ValueError:
            external_id, payload = _unmapped_id(account, record), None
        records_in.append((external_id, record, payload))
    return records_in


def _store_page(
    *,
    account: ChannelAccount,
    records_in: list[Record],
    stats: PullStats,
    queue: AfterCommitQueue,
) -> None:
    # The same lead may sit on two pages (or twice on one: intake stores the copies in turn,
    # a second copy with another phone held `phone_changed`). Intake processes the page here
    # once the checkpoint's transaction commits, from the records in memory, a few pages per
    # batch (`queue`; a failure leaves them to the task and the sweep).
    for stored in leads_intake(
        source=IntakeSource(channel=account.channel, account=account.name),
        records=records_in,
        processing=Processing.AFTER_COMMIT,
        queue=queue,
    ):
        if not stored.changed:
            stats.duplicate += 1
            continue
        if stored.new:
            stats.new += 1
        else:
            stats.updated += 1
        stats.changed_ids.append(stored.inbound_id)


def _commit_without_flush() -> None:
    """A page's transaction does not wait for its WAL flush (PostgreSQL's per-transaction
    `synchronous_commit = off`; a commit per page is a large share of a pull on a small disk).
    Nothing can be lost by it: the checkpoint moves in the same transaction as the page's
    records, so a crash that loses the commit loses both, and the next run pulls the page
    again from the platform, which keeps it. (Pushes are not like this: a platform does not
    push again what we answered, so their commit waits for the disk.) Its processing commits
    after it in the log, so it can never outlive the records it came from."""
    # Only as the outermost transaction: SET LOCAL would bind an enclosing one too.
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


COUNT_FIELDS = ("rows_received", "first_page_rows", "last_page_ids")


def _count_keep(cp: PullCheckpoint, count: PageCount) -> None:
    """Put a window's count on its checkpoint (saved by the caller): what a resumed run needs,
    the previous page's ids rather than every id of the window (a page's worth, whatever the
    window's size)."""
    cp.rows_received = count.rows
    cp.first_page_rows = count.first_page_rows
    cp.last_page_ids = count.last_keys


def _pull_stream(
    *,
    account: ChannelAccount,
    client: Any,
    stream: str,
    stats: PullStats,
    progress: Progress | None,
    now: dt.datetime,
    queue: AfterCommitQueue,
) -> None:
    # Every setting the run uses is read before the first request: a value that cannot be
    # used stops the run at once (SettingsInvalid, recorded on the account), not on the page
    # that happens to need it.
    pages_cap = max_pages(account)
    trailing = dt.timedelta(minutes=knob(account, "trailing_minutes", 30))
    lookback = dt.timedelta(days=knob(account, "initial_lookback_days", DEFAULT_LOOKBACK_DAYS))
    span = dt.timedelta(
        days=knob(account, "window_days", DEFAULT_WINDOW_DAYS.get(account.channel, 30))
    )
    PullCheckpoint.objects.get_or_create(account=account, stream=stream)
    while True:
        with transaction.atomic():
            cp = PullCheckpoint.objects.select_for_update().get(account=account, stream=stream)
            if cp.window_end is None:
                if cp.cursor is not None and cp.cursor >= now - dt.timedelta(seconds=1):
                    return
                start = (cp.cursor - trailing) if cp.cursor else now - lookback
                cp.window_start, cp.window_end = start, min(now, start + span)
                cp.next_page = 1
                _count_keep(cp, PageCount())
                cp.save(
                    update_fields=[
                        "window_start",
                        "window_end",
                        "next_page",
                        *COUNT_FIELDS,
                        "updated_at",
                    ]
                )
            start, end, page = cp.window_start, cp.window_end, cp.next_page
            # How much of the window's list earlier pages (perhaps of an earlier run) returned.
            count = PageCount.resumed(
                rows=cp.rows_received,
                first_page_rows=cp.first_page_rows,
                last_keys=cp.last_page_ids,
            )
        while True:
            result = platform_call(
                account,
                client,
                partial(client.lead_page, stream=stream, start=start, end=end, page=page),
                stats,
            )
            records_in = _mapped(account, result.records)
            if queue.holds([external_id for external_id, _r, _p in records_in]):
                # A record of this page waits, unprocessed, from an earlier page (a re-send,
                # perhaps with other fields): process what waits first, so the re-send meets
                # the lead its first copy made, as page-by-page processing would (a changed
                # phone is then held for staff, `phone_changed`; the count says "updated").
                queue.flush()
            with transaction.atomic():
                _commit_without_flush()
                cp = PullCheckpoint.objects.select_for_update().get(account=account, stream=stream)
                if cp.window_end != end or cp.next_page != page:
                    break  # another worker moved on meanwhile: re-read the checkpoint
                _store_page(account=account, records_in=records_in, stats=stats, queue=queue)
                # What the server returned decides whether more pages follow (API_FACTS, "Page
                # sizes are the server's"): the distinct rows received so far against its
                # totals and page fields, never an estimate from this page's size (a page that
                # repeats a row would end the list a row early); a server that never stops is
                # cut at `max_pages`, its window closed so the next run does not loop on it.
                count.add(page=page, keys=[external_id for external_id, _r, _p in records_in])
                has_more = more_pages(
                    page=page, got=len(result.records), count=count, server=result.server
                )
                capped = has_more and page >= pages_cap
                last = not has_more or capped
                if last:
                    cp.cursor, cp.window_start, cp.window_end = end, None, None
                    cp.next_page = 1
                    _count_keep(cp, PageCount())
                else:
                    cp.next_page = page + 1
                    _count_keep(cp, count)
                cp.pages_done += 1
                cp.save()
            stats.pages += 1
            if progress:
                progress(
                    f"{account.channel}/{account.name} {stream} 第 {page}/"
                    f"{count.pages_estimate(result.server) or '?'} 页"
                    f"：新 {stats.new} 重复 {stats.duplicate} 更新 {stats.updated}"
                )
            if capped:
                raise PageCapReached("page_cap", f"{stream}: still more after {page} pages")
            if last:
                break
            page += 1
        if end >= now:
            return


def leads_pull(
    *, account_id: int, progress: Progress | None = None, now: dt.datetime | None = None
) -> PullStats:
    account = ChannelAccount.objects.get(pk=account_id)
    stats = PullStats(account=f"{account.channel}/{account.name}")
    if account.channel not in PULL_CHANNELS or not account.is_active:
        return stats
    now = now or timezone.now()
    # Committed pages are processed a few at a time (`AfterCommitQueue`), and what waits is
    # processed before this returns, also when the platform stops the run.
    queue = AfterCommitQueue()
    try:
        # In here: the client reads the account's settings, and a value it cannot use
        # (SettingsInvalid) is recorded on the account like a platform's refusal.
        client = client_for(account)
        for stream in streams_for(account):
            _pull_stream(
                account=account,
                client=client,
                stream=stream,
                stats=stats,
                progress=progress,
                now=now,
                queue=queue,
            )
    except PlatformError as exc:
        logger.warning(
            "pull %s/%s failed: %s %s", account.channel, account.name, exc.code, exc.message
        )
        stats.error = f"{type(exc).__name__}: {exc}"
        stats.rate_limited = isinstance(exc, RateLimited)
        account_failure_record(account_id=account.pk, error=stats.error)
    except BaseException:
        # Interrupted (Ctrl-C, a task's time limit) or failing for another reason: stop now;
        # what waits stays RECEIVED, committed, for the intake sweep.
        queue.clear()
        raise
    else:
        account_success_record(account_id=account.pk)
    # The stored pages that still wait are processed (also when the platform stopped the
    # run), after the pages' own callbacks: a pull inside an outer transaction commits them
    # with it; alone, each ran at its page's commit and this runs now.
    transaction.on_commit(queue.flush)
    stats.quarantined = InboundLead.objects.filter(
        pk__any=stats.changed_ids, status=InboundStatus.QUARANTINED
    ).count()
    return stats
