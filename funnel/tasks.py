"""Thin periodic and one-off tasks: ids in, one service call, retry policy here."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="funnel.followups_dispatch", autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def followups_dispatch_task() -> int:
    from funnel.services.followups import followups_dispatch

    return followups_dispatch()


@shared_task(
    name="funnel.birthdays_plan", autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def birthdays_plan_task() -> int:
    from funnel.services.followups import birthdays_plan

    return birthdays_plan()


@shared_task(
    name="funnel.leads_purge_expired", autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def leads_purge_expired_task() -> int:
    from funnel.services.pii import leads_purge_expired

    return leads_purge_expired()
