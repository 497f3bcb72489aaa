"""Baidu link push: on publish a pending BaiduPush row is written in the publishing
transaction and a task is enqueued after commit; the task submits the URL once."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page

from cms import baidu_client
from cms.models import BaiduPush

logger = logging.getLogger("yinliu.cms.baidu_push")


def _site_for(page: Page) -> str:
    # Baidu identifies the verified site as it was registered in 搜索资源平台; the setting
    # wins, otherwise the Wagtail Site's root URL (scheme included, as Baidu accepts it).
    if settings.BAIDU_PUSH_SITE:
        return settings.BAIDU_PUSH_SITE
    site = page.get_site()
    return site.root_url if site else ""


def baidu_push_schedule(*, page: Page) -> BaiduPush | None:
    """Record a pending push for a live public page and enqueue its task after commit.
    Nothing is recorded without a token, nor for pages behind a view restriction."""
    from cms.tasks import baidu_push_task

    url = page.get_full_url()
    if not settings.BAIDU_PUSH_TOKEN:
        logger.info("baidu push skipped (BAIDU_PUSH_TOKEN not set): %s", url)
        return None
    if not page.live or not url or page.get_view_restrictions().exists():
        return None
    push = BaiduPush.objects.create(page=page, url=url)
    # robust: a broker outage (or an eager run failing) must never undo or fail the publish;
    # the pending row stays visible in the push log.
    transaction.on_commit(lambda: baidu_push_task.delay(push.pk), robust=True)
    return push


def baidu_push_send(*, push_id: int, last_try: bool = False) -> BaiduPush | None:
    """Submit one pending push. Idempotent: a push that is no longer pending is left alone.
    Raises PushTransient for the task to retry, unless this is the last try (then failed)."""
    push = BaiduPush.objects.select_related("page").filter(pk=push_id).first()
    if push is None or push.status != BaiduPush.Status.PENDING:
        return push
    token = settings.BAIDU_PUSH_TOKEN
    if not token:
        logger.info("baidu push skipped (BAIDU_PUSH_TOKEN not set): %s", push.url)
        return _finish(push, BaiduPush.Status.SKIPPED, response={"skipped": "no token"})
    push.tries += 1
    push.pushed_at = timezone.now()
    site = _site_for(push.page) if push.page else ""
    try:
        answer = baidu_client.urls_submit(site=site, token=token, urls=[push.url])
    except baidu_client.PushRejected as exc:
        logger.warning(
            "baidu push refused (%s), not retried: %s %s", exc.status, push.url, exc.body
        )
        body = exc.body if isinstance(exc.body, dict) else {"text": exc.body}
        return _finish(push, BaiduPush.Status.FAILED, response=body, http_status=exc.status)
    except baidu_client.PushTransient as exc:
        if last_try:
            logger.warning("baidu push gave up after %s tries: %s (%s)", push.tries, push.url, exc)
            return _finish(push, BaiduPush.Status.FAILED, response={"error": str(exc)})
        push.response = {"error": str(exc)}
        push.save(update_fields=["tries", "pushed_at", "response"])
        raise
    logger.info("baidu push ok: %s (remain %s)", push.url, answer.remain)
    return _finish(push, BaiduPush.Status.SUCCESS, response=answer.body, http_status=answer.status)


SWEEP_AFTER = dt.timedelta(hours=2)
SWEEP_MAX_TRIES = 10


def baidu_push_sweep(*, older_than: dt.timedelta = SWEEP_AFTER) -> int:
    """Pushes still pending long after their last try (the task was lost, or ran where
    retries are not re-run): try each once more now; past SWEEP_MAX_TRIES a transient error
    closes it as failed. Returns how many were tried."""
    cutoff = timezone.now() - older_than
    stale = BaiduPush.objects.filter(status=BaiduPush.Status.PENDING).filter(
        Q(pushed_at__lt=cutoff) | Q(pushed_at__isnull=True, created_at__lt=cutoff)
    )
    ids = list(stale.order_by("pk").values_list("pk", "tries")[:500])
    for push_id, tries in ids:
        try:
            baidu_push_send(push_id=push_id, last_try=tries + 1 >= SWEEP_MAX_TRIES)
        except baidu_client.PushTransient:
            continue  # still pending; the next sweep tries again
    return len(ids)


def _finish(
    push: BaiduPush, status: str, *, response: dict, http_status: int | None = None
) -> BaiduPush:
    push.status = status
    push.response = response
    push.http_status = http_status
    push.save(update_fields=["status", "response", "http_status", "tries", "pushed_at"])
    return push
