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


@shared_task(
    name="funnel.idempotency_keys_purge",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def idempotency_keys_purge_task() -> int:
    from funnel.services.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()


# Processing is idempotent, so any failure is retried; the intake sweep backs this up.
# (One task for pages and single pushes alike: a push is a batch of one.)
INTAKE_RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="funnel.intake_process", **INTAKE_RETRY)
def intake_process_task(inbound_ids: list[int]) -> int:
    """Stored records (a pulled page, a push) as one ingest batch; idempotent."""
    from funnel.services.intake import intake_process

    return len(intake_process(inbound_ids=inbound_ids))


@shared_task(name="funnel.intake_sweep")
def intake_sweep_task() -> int:
    """Every few minutes: process records that were stored but never processed."""
    from funnel.services.intake import intake_sweep

    return intake_sweep()


@shared_task(name="funnel.outbox_deliver")
def outbox_deliver_task(delivery_id: int) -> str:
    """One event to one listener; the outcome (and any retry time) is kept on the delivery,
    so a failure here is recorded, not raised: the outbox sweep owns the retries."""
    from funnel.outbox import outbox_deliver

    return outbox_deliver(delivery_id=delivery_id)


@shared_task(name="funnel.outbox_sweep")
def outbox_sweep_task() -> int:
    """Every minute: deliveries whose attempt is due (never tried, or failed and backed off)."""
    from funnel.outbox import outbox_sweep

    return outbox_sweep()


@shared_task(name="funnel.notifications_deliver")
def notifications_deliver_task() -> int:
    """Every minute and after a commit that queued some: send what the notifier's pace allows."""
    from funnel.services.notify import notifications_deliver

    return notifications_deliver()
