from __future__ import annotations

from celery import shared_task


@shared_task(
    name="channels.inbound_process",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def inbound_process_task(inbound_id: int) -> str:
    from channels.services.inbox import inbound_process

    return inbound_process(inbound_id=inbound_id).result
