"""Report tasks (imported by workers through CELERY_IMPORTS)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="funnel.reports_elimination_flags",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def elimination_flags_task() -> int:
    # Idempotent: it only reads and notifies; a retry re-sends the same figures.
    from funnel.reports.services import elimination_flags_notify

    return elimination_flags_notify()
