from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task(name="channels.pull_leads", bind=True, max_retries=5)
def pull_leads_task(self, account_id: int) -> dict:
    """Safe to run twice: the checkpoint is row-locked and the inbox is idempotent."""
    from channels.services.pull import leads_pull

    stats = leads_pull(account_id=account_id)
    if stats.rate_limited:
        raise self.retry(countdown=60 * (2**self.request.retries))
    return {"new": stats.new, "duplicate": stats.duplicate, "error": stats.error}


@shared_task(name="channels.pull_spend")
def pull_spend_task(account_id: int, days: int = 3) -> int:
    """Yesterday and the days before it (platforms correct recent figures): an upsert."""
    from django.utils import timezone

    from channels.services.spend import spend_pull

    today = timezone.localdate()
    return spend_pull(account_id=account_id, start=today - dt.timedelta(days=days), end=today).rows


@shared_task(name="channels.postbacks_on_stage")
def postbacks_on_stage_task(event_id: int) -> int:
    """Outbox listener for stage events: the conversion postbacks. Retries are the outbox's
    (the delivery row keeps the error and the next attempt), so this raises on failure."""
    from channels.services.postback import postbacks_for_event

    return postbacks_for_event(event_id=event_id)


@shared_task(name="channels.postbacks_plan")
def postbacks_plan_task(event_id: int) -> int:
    """Outbox listener for stage events: writes the postback log rows (database only)."""
    from channels.services.postback import postbacks_plan

    return postbacks_plan(event_id=event_id)


class BehaviorImportFailed(Exception):
    """Some WeCom accounts could not be imported (the message names them and their codes)."""


@shared_task(name="channels.wecom_behavior_import", bind=True, max_retries=5)
def wecom_behavior_import_task(self, day: str = "", accounts: list[str] | None = None) -> int:
    """Daily: yesterday's WeCom member behaviour data (a Shanghai day; an upsert, so a retry
    or a second run rewrites the same rows). `day`: YYYY-MM-DD to re-import one day;
    `accounts`: only these account names (the retry's). Every account is imported on its own;
    the retry (5, 10, 20 … minutes later) carries the day fixed and only the accounts that
    failed, so the good ones are not asked again. Returns the rows written by this run; raises
    BehaviorImportFailed naming the accounts once the retries are spent."""
    from channels.wecom.behavior import SHANGHAI, behavior_import_all, failures_text

    parsed = (
        dt.date.fromisoformat(day)
        if day
        else dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    )
    results = behavior_import_all(day=parsed, accounts=accounts)
    failed = [r.account for r in results if r.error]
    if failed:
        error = BehaviorImportFailed(failures_text(results))
        if self.request.retries >= self.max_retries:
            raise error
        raise self.retry(
            kwargs={"day": parsed.isoformat(), "accounts": failed},
            countdown=300 * 2**self.request.retries,
            exc=error,
        )
    return sum(r.rows for r in results)


@shared_task(name="channels.wecom_stage_tags")
def wecom_stage_tags_task(event_id: int) -> int:
    """Outbox listener for stage events: the WeCom stage tag on the lead's contacts. Retries
    are the outbox's, so this raises on failure; a replay marks nothing twice."""
    from channels.wecom.tags import stage_tags_mark

    return stage_tags_mark(event_id=event_id)


@shared_task(name="channels.wecom_transfers")
def wecom_transfers_task(event_id: int) -> int:
    """Outbox listener for assignment events: a reassigned lead's WeCom customers go to the
    new assistant. Retries are the outbox's; a replay transfers nothing twice."""
    from channels.wecom.transfers import transfers_on_reassign

    return transfers_on_reassign(event_id=event_id)


@shared_task(name="channels.wecom_transfers_check")
def wecom_transfers_check_task() -> int:
    """Beat: how the waiting WeCom transfers ended (`transfer_result`)."""
    from channels.wecom.transfers import transfers_check

    return transfers_check()


@shared_task(name="channels.wecom_sweep")
def wecom_sweep_task() -> dict:
    """Beat (every 5 minutes): WeCom rows a dead worker left in flight — welcomes (marked, never
    sent late), stage tag marks and customer transfers (called, or ended with a reason) — and
    withdrawn people's contact codes WeCom has not confirmed deleted."""
    from channels.wecom.contactways import contact_ways_delete_sweep
    from channels.wecom.tags import tag_marks_sweep
    from channels.wecom.transfers import transfers_sweep
    from channels.wecom.welcome import welcomes_sweep

    return {
        "withdrawn_codes": contact_ways_delete_sweep(),
        "welcomes": welcomes_sweep(),
        "tag_marks": tag_marks_sweep(),
        "transfers": transfers_sweep(),
    }
