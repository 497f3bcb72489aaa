"""Baidu link push: enqueued after commit, retried on 5xx, not retried on 4xx, skipped
without a token. Baidu is faked at the HTTP boundary (`responses`); DB and broker are real."""

from __future__ import annotations

import logging

import pytest
import responses
from celery.exceptions import Retry
from django.db import transaction

from cms.baidu_client import ENDPOINT
from cms.models import ArticlePage, BaiduPush, HomePage, SpecialtyPage
from cms.tasks import baidu_push_task
from funnel.models import Specialty

pytestmark = pytest.mark.django_db

OK = {"success": 1, "remain": 2999}
URL = "http://localhost/insomnia/sleep-hygiene/"


@pytest.fixture
def token(settings, hub):
    # set after the hub fixture published its page, so only the test's own publish pushes
    settings.BAIDU_PUSH_TOKEN = "tok-123"
    settings.BAIDU_PUSH_SITE = ""
    return settings


@pytest.fixture
def hub(db) -> SpecialtyPage:
    specialty, _ = Specialty.objects.get_or_create(slug="insomnia", defaults={"name": "失眠"})
    page = SpecialtyPage(title="失眠专科", slug="insomnia", specialty=specialty)
    HomePage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


def _draft(hub: SpecialtyPage) -> ArticlePage:
    article = ArticlePage(title="睡眠卫生入门", slug="sleep-hygiene", live=False)
    hub.add_child(instance=article)
    return article


def drain() -> None:
    """Play the worker for pushes still pending: run the task, and on Celery's Retry run it
    again with the next retry number, as a worker does with the re-queued message."""
    for pk in BaiduPush.objects.filter(status=BaiduPush.Status.PENDING).values_list(
        "pk", flat=True
    ):
        retries = 0
        while True:
            try:
                baidu_push_task.apply(args=[pk], retries=retries, throw=True)
                break
            except Retry:
                retries += 1


def publish_queued(page, capture) -> None:
    """Publish and commit, keeping the enqueue callback for the test's worker (drain)."""
    with capture(execute=False) as callbacks:
        page.save_revision().publish()
    assert len(callbacks) == 1


@responses.activate
def test_publish_pushes_the_full_url_after_commit_only(
    token, hub, django_capture_on_commit_callbacks
):
    responses.post(ENDPOINT, json=OK)
    article = _draft(hub)

    # when the article is published, before the transaction commits
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.save_revision().publish()
    # then a pending row exists but nothing was sent yet
    push = BaiduPush.objects.get()
    assert (push.url, push.status, push.tries, push.page_id) == (URL, "pending", 0, article.pk)
    assert len(responses.calls) == 0
    assert len(callbacks) == 1

    # when it commits
    callbacks[0]()
    drain()

    # then Baidu got the URL as text/plain with site and token
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    assert request.body == URL.encode()
    assert request.headers["Content-Type"] == "text/plain"
    assert request.url == f"{ENDPOINT}?site=http%3A%2F%2Flocalhost&token=tok-123"
    push.refresh_from_db()
    assert (push.status, push.tries, push.http_status, push.response) == ("success", 1, 200, OK)
    assert push.pushed_at is not None


@responses.activate
def test_rolled_back_publish_pushes_nothing(token, hub, django_capture_on_commit_callbacks):
    responses.post(ENDPOINT, json=OK)
    article = _draft(hub)

    def publish_then_fail() -> None:
        with transaction.atomic():
            article.save_revision().publish()
            raise RuntimeError("editor's save failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            publish_then_fail()

    assert callbacks == []
    assert BaiduPush.objects.count() == 0
    assert len(responses.calls) == 0


@responses.activate
def test_5xx_is_retried_then_succeeds(token, hub, django_capture_on_commit_callbacks):
    responses.post(ENDPOINT, status=502, body="bad gateway")
    responses.post(ENDPOINT, status=503, json={"error": 503, "message": "busy"})
    responses.post(ENDPOINT, json=OK)

    publish_queued(_draft(hub), django_capture_on_commit_callbacks)
    drain()

    push = BaiduPush.objects.get()
    assert len(responses.calls) == 3
    assert (push.status, push.tries, push.response) == ("success", 3, OK)


@responses.activate
def test_network_failure_on_every_try_ends_failed(token, hub, django_capture_on_commit_callbacks):
    responses.post(ENDPOINT, status=500, body="down")

    publish_queued(_draft(hub), django_capture_on_commit_callbacks)
    drain()

    push = BaiduPush.objects.get()
    # the first try and max_retries retries, then the row is closed as failed
    assert len(responses.calls) == 1 + baidu_push_task.max_retries
    assert (push.status, push.tries) == ("failed", 1 + baidu_push_task.max_retries)
    assert "http_500" in push.response["error"]


@responses.activate
def test_401_is_not_retried_and_is_logged(token, hub, caplog, django_capture_on_commit_callbacks):
    refused = {"error": 401, "message": "token is not valid"}
    responses.post(ENDPOINT, status=401, json=refused)

    with caplog.at_level(logging.WARNING, logger="yinliu.cms.baidu_push"):
        publish_queued(_draft(hub), django_capture_on_commit_callbacks)
        drain()

    push = BaiduPush.objects.get()
    assert len(responses.calls) == 1
    assert (push.status, push.tries, push.http_status, push.response) == (
        "failed",
        1,
        401,
        refused,
    )
    assert "baidu push refused (401), not retried" in caplog.text


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_the_push_fails_with_its_code(
    token, hub, caplog, status, django_capture_on_commit_callbacks
):
    # Given Baidu's endpoint answering with a redirect to another host (which would answer ok);
    # the token travels in the query string and a 307/308 would re-send the body
    elsewhere = "https://collector.example.com/urls"
    responses.post(ENDPOINT, status=status, headers={"Location": elsewhere})
    responses.post(elsewhere, json=OK)
    responses.get(elsewhere, json=OK)

    with caplog.at_level(logging.WARNING, logger="yinliu.cms.baidu_push"):
        publish_queued(_draft(hub), django_capture_on_commit_callbacks)
        drain()

    push = BaiduPush.objects.get()
    assert [call.request.url.split("?")[0] for call in responses.calls] == [ENDPOINT]
    assert (push.status, push.tries, push.http_status) == ("failed", 1, status)
    assert push.response["error"] == "unexpected_redirect"
    assert "tok-123" not in str(push.response)
    assert "unexpected_redirect" in caplog.text


@responses.activate
def test_error_body_with_200_is_a_refusal(token, hub, django_capture_on_commit_callbacks):
    # Baidu answers some refusals (site not verified) as JSON errors
    refused = {"error": 400, "message": "site init fail"}
    responses.post(ENDPOINT, status=200, json=refused)

    publish_queued(_draft(hub), django_capture_on_commit_callbacks)
    drain()

    push = BaiduPush.objects.get()
    assert (push.status, push.tries, push.response) == ("failed", 1, refused)


@responses.activate
def test_without_token_the_push_is_skipped_with_a_log_line(
    settings, hub, caplog, django_capture_on_commit_callbacks
):
    settings.BAIDU_PUSH_TOKEN = ""

    with caplog.at_level(logging.INFO, logger="yinliu.cms.baidu_push"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            _draft(hub).save_revision().publish()

    assert f"baidu push skipped (BAIDU_PUSH_TOKEN not set): {URL}" in caplog.text
    assert callbacks == []
    assert BaiduPush.objects.count() == 0
    assert len(responses.calls) == 0


@responses.activate
def test_the_task_is_idempotent(token, hub, django_capture_on_commit_callbacks):
    responses.post(ENDPOINT, json=OK)
    publish_queued(_draft(hub), django_capture_on_commit_callbacks)
    drain()
    push = BaiduPush.objects.get()

    # a redelivered message for the same push does not submit again
    assert baidu_push_task.apply(args=[push.pk]).get() == "success"
    assert baidu_push_task.apply(args=[push.pk + 1000]).get() == "missing"

    assert len(responses.calls) == 1
    push.refresh_from_db()
    assert push.tries == 1


@responses.activate
def test_restricted_page_is_not_pushed(token, hub, django_capture_on_commit_callbacks):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=hub, restriction_type="login")
    with django_capture_on_commit_callbacks(execute=True):
        _draft(hub).save_revision().publish()

    assert BaiduPush.objects.count() == 0


def test_editor_sees_the_push_log_read_only(admin_client, hub):
    BaiduPush.objects.create(page=hub, url="http://localhost/insomnia/", status="success")

    listing = admin_client.get("/admin/baidu_push/")
    add = admin_client.get("/admin/baidu_push/new/")

    assert listing.status_code == 200
    assert "http://localhost/insomnia/" in listing.content.decode()
    assert add.status_code == 403  # no add view for anyone (written by the push task only)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publish_reaches_baidu_through_redis_and_a_worker(settings):
    """The real path: commit → message on the Redis broker → a worker runs the task."""
    import time

    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from tests.conftest import ensure_site_tree

    assert app.conf.task_always_eager is False
    home = ensure_site_tree()
    specialty, _ = Specialty.objects.get_or_create(slug="insomnia", defaults={"name": "失眠"})
    hub = SpecialtyPage(title="失眠专科", slug="insomnia", specialty=specialty)
    home.add_child(instance=hub)
    hub.save_revision().publish()
    settings.BAIDU_PUSH_TOKEN = "tok-123"
    app.control.purge()  # our own Redis db: messages other tests left queued

    with responses.RequestsMock() as baidu:
        baidu.post(ENDPOINT, json=OK)
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            article = ArticlePage(title="睡眠卫生入门", slug="sleep-hygiene", live=False)
            hub.add_child(instance=article)
            article.save_revision().publish()  # autocommit: on_commit runs now
            deadline = time.monotonic() + 20
            push = BaiduPush.objects.get(page=article)
            while push.status == "pending" and time.monotonic() < deadline:
                time.sleep(0.1)
                push.refresh_from_db()

        assert (push.status, push.tries, push.response) == ("success", 1, OK)
        assert [call.request.body for call in baidu.calls] == [URL.encode()]


@responses.activate
def test_sweep_retries_pushes_left_pending_and_leaves_recent_ones(token, hub) -> None:
    import datetime as dt

    from django.utils import timezone

    from cms.services.baidu_push import SWEEP_MAX_TRIES, baidu_push_sweep

    # given a push whose task was lost hours ago, one just queued, one out of tries
    long_ago = timezone.now() - dt.timedelta(hours=3)
    lost = BaiduPush.objects.create(page=hub, url=URL)
    BaiduPush.objects.filter(pk=lost.pk).update(created_at=long_ago)
    recent = BaiduPush.objects.create(page=hub, url=URL + "?recent")
    worn = BaiduPush.objects.create(page=hub, url=URL + "?worn", tries=SWEEP_MAX_TRIES - 1)
    BaiduPush.objects.filter(pk=worn.pk).update(pushed_at=long_ago)
    responses.post(ENDPOINT, json=OK)
    responses.post(ENDPOINT, status=503)

    # when the sweep runs
    tried = baidu_push_sweep()

    # then the lost push is sent, the worn one gives up, the recent one waits for its task
    assert tried == 2
    assert BaiduPush.objects.get(pk=lost.pk).status == BaiduPush.Status.SUCCESS
    assert BaiduPush.objects.get(pk=worn.pk).status == BaiduPush.Status.FAILED
    assert BaiduPush.objects.get(pk=recent.pk).status == BaiduPush.Status.PENDING
    assert len(responses.calls) == 2


def test_the_push_sweep_is_scheduled() -> None:
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="cms.baidu_push_sweep").count() == 1


def test_the_demo_seed_pushes_its_pages_on_the_base_url(settings) -> None:
    """Twentieth verification C: `seed_demo` recorded its pushes as http://localhost/…: it
    published the home page before setting the Site, and the Site's cached root paths kept
    the old host after the update."""
    import io

    from wagtail.models import Site

    from cms.seed import seed_pages

    settings.BAIDU_PUSH_TOKEN = "tok-123"
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8123"
    Site.get_site_root_paths()  # cached on the migration's localhost

    seed_pages(stdout=io.StringIO())

    urls = list(BaiduPush.objects.values_list("url", flat=True))
    assert len(urls) > 20
    assert [u for u in urls if not u.startswith("http://127.0.0.1:8123/")] == []
