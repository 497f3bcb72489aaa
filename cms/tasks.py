"""Thin content tasks: ids in, one service call, the retry policy here."""

from __future__ import annotations

from celery import shared_task

from cms.baidu_client import PushTransient


@shared_task(
    name="cms.baidu_push",
    bind=True,
    autoretry_for=(PushTransient,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=5,
)
def baidu_push_task(self, push_id: int) -> str:
    from cms.services.baidu_push import baidu_push_send

    push = baidu_push_send(push_id=push_id, last_try=self.request.retries >= self.max_retries)
    return push.status if push else "missing"


@shared_task(name="cms.baidu_push_sweep")
def baidu_push_sweep_task() -> int:
    """Hourly: pushes left pending (a lost task, or no broker to re-run retries)."""
    from cms.services.baidu_push import baidu_push_sweep

    return baidu_push_sweep()


@shared_task(name="cms.ad_review_expiry_sweep")
def ad_review_expiry_sweep_task() -> int:
    """Daily: flag live pages whose medical-ad review certificate has expired."""
    from cms.services.ad_review import ad_review_expired_flag

    return ad_review_expired_flag()


@shared_task(name="cms.publish_scheduled")
def publish_scheduled_task() -> None:
    """Beat (every minute): Wagtail's scheduled publishing, through the compliance gate
    (`cms/management/commands/publish_scheduled.py`)."""
    from django.core.management import call_command

    call_command("publish_scheduled")


@shared_task(name="cms.science_links_recheck")
def science_links_recheck_task(
    paths: list[str] | None = None, page_ids: list[int] | None = None
) -> int:
    """On commit of a redirect or page change (cms.signals): re-judge the live 科普 pages
    linking the changed paths or pages. Idempotent (a page taken down is no longer live)."""
    from cms.services.science_recheck import science_links_recheck

    return science_links_recheck(paths=paths or [], page_ids=page_ids or [])


@shared_task(name="cms.science_pages_sweep")
def science_pages_sweep_task() -> int:
    """Daily: re-judge every live 科普 page; unpublish what the gate refuses now."""
    from cms.services.science_recheck import science_pages_sweep

    return science_pages_sweep()
