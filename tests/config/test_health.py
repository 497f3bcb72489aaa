"""/healthz, /robots.txt, /sitemap.xml and the admin answer as the contract says."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings
from wagtail.users.models import UserProfile

from config import health
from config.settings.base import redis_caches

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part_ok(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["cache"] == "ok"
    assert body["broker"] in {"ok", "eager"}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_reports_a_dead_broker_as_503(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["broker"].startswith("error:")
    assert body["database"] == "ok"


def test_healthz_reports_a_dead_cache_as_503(client, settings) -> None:
    # the production cache settings (failed calls read as misses) on a closed port; Django's
    # own Redis backend would raise in the site middleware before /healthz is reached
    settings.CACHES = redis_caches("redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"].startswith("error:")


def test_robots_txt_names_the_sitemap(client) -> None:
    response = client.get("/robots.txt")

    assert response.status_code == 200
    # on the Site's base URL (like the sitemap's entries), not the request's host
    assert "Sitemap: http://localhost/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_sitemap_lists_the_home_page(client) -> None:
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert "<loc>http://localhost/</loc>" in response.content.decode()


def test_home_page_is_served_in_chinese(client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "引流健康" in response.content.decode()


def test_admin_login_defaults_to_simplified_chinese(client) -> None:
    response = client.get("/admin/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html


def test_admin_user_can_switch_to_english(client, django_user_model) -> None:
    # given an editor whose admin preference is English (offered in account settings)
    user = django_user_model.objects.create_user("editor", password="pw", is_superuser=True)
    UserProfile.get_for_user(user).__class__.objects.filter(user=user).update(
        preferred_language="en"
    )
    client.force_login(user)

    # when they open the admin
    response = client.get("/admin/")

    # then it speaks English
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


@contextlib.contextmanager
def _alarm_after(seconds: int) -> Iterator[None]:
    def ring(signum, frame) -> None:
        raise AssertionError(f"/healthz gave no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def silent_redis():
    """A real TCP listener that accepts every connection and never says a word, as a wedged
    Redis (or a proxy in front of a dead one) does. Yields its redis:// URL."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_stay_silent() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)  # held open, never read from or written to

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join(1)
    for conn in accepted:
        conn.close()
    listener.close()
    assert accepted, "the checks never reached the silent listener"


def test_healthz_answers_in_seconds_when_redis_accepts_and_never_replies(
    client, settings, silent_redis
) -> None:
    # given the broker and the production cache settings on a Redis that accepts and is silent
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = silent_redis
    settings.CACHES = redis_caches(silent_redis)

    # when /healthz is asked (an alarm turns a hang into a failure instead of a stuck run)
    started = time.monotonic()
    with _alarm_after(15):
        response = client.get("/healthz")
    took = time.monotonic() - started

    # then it answers within the deadline, naming the broker and the cache as down
    assert took < 5, f"/healthz took {took:.1f} s"
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error:")
    assert body["cache"].startswith("error:")


def test_a_check_whose_client_ignores_timeouts_is_cut_off_at_the_deadline(silent_redis) -> None:
    # given a check whose client has no read timeout at all, talking to the silent Redis:
    # only the answer's deadline can bound it
    def stuck() -> str:
        redis.Redis.from_url(silent_redis, socket_timeout=None).ping()
        return "ok"

    # when the checks are run twice in a row
    started = time.monotonic()
    first = health.checks_run({"stuck": stuck, "quick": lambda: "ok"}, deadline_seconds=1)
    second = health.checks_run({"stuck": stuck}, deadline_seconds=1)
    took = time.monotonic() - started

    # then each answers by its deadline with that check down and the others' answers kept
    assert took < 2 + 1
    assert first == {"stuck": "error: no answer within 1 s", "quick": "ok"}
    # and the second run did not start a second hung thread beside the first
    assert second == {"stuck": "error: an earlier check is still waiting for an answer"}
    assert [t.name for t in threading.enumerate()].count("healthz-stuck") == 1
