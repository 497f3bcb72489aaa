from __future__ import annotations

import datetime as dt

from celery import shared_task

from channels.errors import Transient

# Processing is idempotent, so any failure is retried; the inbox sweep backs this up.
# (One task for pages and single pushes alike: a push is a batch of one.)
INBOX_RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="channels.inbound_process_batch", **INBOX_RETRY)
def inbound_process_batch_task(inbound_ids: list[int]) -> int:
    """Stored records (a pulled page, a push) as one ingest batch; idempotent."""
    from channels.services.inbox import inbound_process_many

    return len(inbound_process_many(inbound_ids=inbound_ids))


@shared_task(name="channels.inbound_sweep")
def inbound_sweep_task() -> int:
    """Every few minutes: process records that were stored but never processed."""
    from channels.services.inbox import inbound_sweep

    return inbound_sweep()


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


@shared_task(
    name="channels.douyin_clue_callback",
    autoretry_for=(Transient, ConnectionError),
    retry_backoff=True,
    max_retries=6,
)
def douyin_clue_callback_task(inbound_id: int, stage: str) -> bool:
    from channels.douyin.postback import postback_douyin_send

    return postback_douyin_send(inbound_id=inbound_id, stage=stage)


@shared_task(
    name="channels.baidu_ocpc_upload",
    autoretry_for=(Transient, ConnectionError),
    retry_backoff=True,
    max_retries=6,
)
def baidu_ocpc_upload_task(inbound_id: int) -> bool:
    from channels.baidu.postback import postback_baidu_send

    return postback_baidu_send(inbound_id=inbound_id)
