"""Shared test plumbing.

Markers:
- ``services``: needs the real PostgreSQL and Redis (``DATABASE_URL`` / ``REDIS_URL``). Skipped
  when they are not configured; when they are configured but do not answer, the test fails.
- ``browser``: drives the system headless Chromium through Playwright. Skipped locally when
  Chromium is missing; with ``CI=true`` a missing Chromium fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# there unless told the loop is not used for Django work (it is not: the live server is).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items) -> None:
    services_ready = uses_postgres() and bool(settings.REDIS_URL)
    browser_ready = chromium_path() is not None
    for item in items:
        if "services" in item.keywords and not services_ready:
            item.add_marker(
                pytest.mark.skip(
                    reason="needs DATABASE_URL=postgres://… and REDIS_URL (CI's 2nd pass)"
                )
            )
        if "browser" in item.keywords and not browser_ready:
            if IN_CI:
                raise pytest.UsageError("CI=true but no Chromium found: install chromium")
            item.add_marker(pytest.mark.skip(reason="Chromium not installed"))


def pytest_sessionstart(session) -> None:
    # Configured services that do not answer are a failure, never a silent skip.
    db = settings.DATABASES["default"]
    db_url = f"//{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    if uses_postgres() and not _answers(db_url, 5432):
        raise pytest.UsageError("DATABASE_URL points at PostgreSQL, but it does not answer")
    if settings.REDIS_URL and not _answers(settings.REDIS_URL, 6379):
        raise pytest.UsageError(f"REDIS_URL={settings.REDIS_URL} does not answer")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Tests share one real cache (Redis in the services pass); start each with it empty."""
    from django.core.cache import cache

    from cms.sites import clear_sites_cache

    cache.clear()
    clear_sites_cache()  # each process's own copy of the site list too


def _db_marker_kwargs(item) -> dict | None:
    marker = item.get_closest_marker("django_db")
    return None if marker is None else dict(marker.kwargs)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A plain transactional test ends with a flush that re-creates content types and
    permissions (post_migrate) with new ids; a `serialized_rollback` test right after it then
    restores the snapshot's rows and clashes on (app_label, model). Between exactly those two,
    the re-created rows go (the restore brings the snapshot's own back) and the content-type
    cache holds the snapshot's, as it does between two serialized tests."""
    yield
    this, after = _db_marker_kwargs(item), nextitem and _db_marker_kwargs(nextitem)
    if not (
        this
        and this.get("transaction")
        and not this.get("serialized_rollback")
        and after
        and after.get("serialized_rollback")
    ):
        return
    import json

    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        Permission.objects.all().delete()
        ContentType.objects.all().delete()
    # The restore saves rows whose signals look content types up: they must find the
    # snapshot's own (as after a serialized test), or they create rows the restore then
    # clashes with.
    ContentType.objects.clear_cache()
    for row in json.loads(getattr(connection, "_test_serialized_contents", "") or "[]"):
        if row["model"] == "contenttypes.contenttype":
            snapshot = ContentType(pk=row["pk"], **row["fields"])
            ContentType.objects._add_to_cache(connection.alias, snapshot)


@pytest.fixture(autouse=True)
def _fresh_content_types(request) -> None:
    """A transactional test flushes the tables and the next one re-creates content types with
    new ids, while Django's in-process ContentType cache still holds the old ones ("content
    type id 1 is not a valid choice" in whatever test comes next). Transactional tests start
    with that cache empty (not those restoring a serialized snapshot: the snapshot's rows are
    the ones the cache holds, and an emptied cache would create rows the restore then clashes
    with)."""
    marker = request.node.get_closest_marker("django_db")
    if (
        marker is not None
        and marker.kwargs.get("transaction")
        and not marker.kwargs.get("serialized_rollback")
    ):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless system Chromium driven by Playwright (no browser download)."""
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium) -> Iterator[object]:
    """A fresh page at a phone viewport that records console errors in ``page.console_errors``."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()


def ensure_site_tree():
    """The Site and its HomePage, rebuilt when an earlier transactional test's flush removed
    the rows the migrations created (serialized rollback does not restore them reliably for
    a test that follows another module's transactional test)."""
    from django.conf import settings as dj_settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        from django.contrib.contenttypes.models import ContentType
        from wagtail.models import Collection

        ContentType.objects.clear_cache()  # ids changed when the flush recreated them
        if not Collection.objects.exists():
            Collection.add_root(name="Root")
        code = get_supported_content_language_variant(dj_settings.LANGUAGE_CODE)
        Locale.objects.get_or_create(language_code=code)
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="引流健康", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"root_page": home, "hostname": "localhost", "port": 80},
        )
    return home


def ensure_review_groups() -> None:
    """Wagtail's Moderators (admin access; add, change, publish and lock pages from the root)
    and 医疗广告审查 (records certificates), rebuilt like `ensure_site_tree` when an earlier
    transactional test's flush removed the rows the migrations created."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission, Page

    from cms.compliance.gate import REVIEWER_GROUP

    if not Group.objects.filter(name="Moderators").exists():
        moderators = Group.objects.create(name="Moderators")
        moderators.permissions.add(Permission.objects.get(codename="access_admin"))
        root = Page.get_first_root_node()
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
            GroupPagePermission.objects.create(
                group=moderators,
                page=root,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    if not Group.objects.filter(name=REVIEWER_GROUP).exists():
        reviewers = Group.objects.create(name=REVIEWER_GROUP)
        from django.contrib.contenttypes.models import ContentType

        from cms.models import HomePage

        # the permission a migration made (cms 0004), on the home page type, as there
        review, _ = Permission.objects.get_or_create(
            codename="review_medical_ad",
            content_type=ContentType.objects.get_for_model(HomePage),
            defaults={"name": "可记录医疗广告审查证明"},
        )
        reviewers.permissions.add(Permission.objects.get(codename="access_admin"), review)


@pytest.fixture(autouse=True)
def _browser_site_tree(request) -> None:
    """Browser tests run after other transactional tests; give each the site it expects."""
    if "browser" in request.keywords:
        request.getfixturevalue("transactional_db")
        ensure_site_tree()


_LAST_REQUEST_AT = [0.0]


def _note_request(**_kwargs) -> None:
    _LAST_REQUEST_AT[0] = time.monotonic()


def _live_server_quiet(server, *, quiet: float = 1.0, limit: float = 20.0) -> None:
    """Wait until the live server has answered every request it took and started none for
    ``quiet`` seconds (at most ``limit`` seconds in all).

    A browser sends requests of its own as a test closes its pages: Wagtail's editor releases
    its editing session with a beacon the browser delivers after `context.close()` returns
    (seen arriving 2 ms after it; Playwright's routes do not see it). On the in-memory SQLite
    database the server shares the test's connection: a request still being answered while
    pytest-django flushes the tables fails the flush ("database table is locked", seen in CI)
    and leaves the rows for the next test ("UNIQUE constraint failed: auth_user.username").
    Reads `socketserver.ThreadingMixIn._threads`, the request threads the server keeps to
    join at close (`block_on_close`)."""
    httpd = getattr(getattr(server, "thread", None), "httpd", None)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = [t for t in list(getattr(httpd, "_threads", None) or []) if t.is_alive()]
        for thread in busy:
            thread.join(max(0.0, deadline - time.monotonic()))
        if not busy and time.monotonic() - _LAST_REQUEST_AT[0] >= quiet:
            return
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def _live_server_settles(request) -> Iterator[None]:
    """A live-server test's tables are flushed only once its server is quiet (see
    `_live_server_quiet`). Set up after pytest-django's own autouse fixtures, so torn down
    before the flush they run."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.core.signals import request_started

    server = request.getfixturevalue("live_server")
    request_started.connect(_note_request, weak=False, dispatch_uid="tests-live-server-quiet")
    try:
        yield
        _live_server_quiet(server)
    finally:
        request_started.disconnect(dispatch_uid="tests-live-server-quiet")


@pytest.fixture
def outbox_drain():
    """Play the worker for the outbox: deliver what is pending and never tried. In the
    embedded default the after-commit task already ran inline (nothing left to do here); with
    Redis the task sits in the queue and no worker runs in the test."""

    def drain() -> int:
        from funnel.models import OutboxDelivery
        from funnel.outbox import outbox_deliver

        pending = OutboxDelivery.objects.filter(status="pending", attempts=0).values_list(
            "pk", flat=True
        )
        ids = list(pending)
        for delivery_id in ids:
            outbox_deliver(delivery_id=delivery_id)
        return len(ids)

    return drain


CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


@pytest.fixture
def redis_outage(settings):
    """The cache and the broker pointed at a closed port, as in a Redis outage; tasks are not
    run inline (as in production). Restores the Celery app afterwards."""
    from config.celery import app
    from config.settings.base import redis_caches

    # Read first: Celery's conf reads through to Django's settings, changed just below.
    saved_broker, saved_eager = app.conf.broker_url, app.conf.task_always_eager
    saved_backend = app.conf.result_backend
    settings.CACHES = redis_caches(CLOSED)  # the production cache settings, Redis gone
    settings.CELERY_BROKER_URL = CLOSED
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = CLOSED
    app.conf.result_backend = CLOSED  # production's result backend is the same Redis
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    yield
    app.conf.broker_url = saved_broker
    app.conf.task_always_eager = saved_eager
    app.conf.result_backend = saved_backend
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def broker_down(monkeypatch, request):
    """The reviewer's setup: REDIS_URL on a closed port (6399), tasks not run inline."""
    monkeypatch.setattr(sys.modules[__name__], "CLOSED", "redis://127.0.0.1:6399/0")
    request.getfixturevalue("redis_outage")


@pytest.fixture
def timed(django_capture_on_commit_callbacks):
    """Time one request with what runs after its commit (the enqueue to the dead broker)."""

    def run(send) -> tuple[float, object]:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            answer = send()
        return time.monotonic() - started, answer

    return run


@pytest.fixture
def migrator(transactional_db):
    """Migrate the test database to given nodes: ``migrate([("app", "0004_x")], state=None)``
    returns the historical apps at `state` (default: the targets). Whatever the test does or
    raises, the database is left at the newest schema for the tests after it: a test that
    stops at an old node would leave later tests without the columns they write."""

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets, state=None):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(state or targets).apps

    yield migrate
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # A fresh loader reads what is applied now (the one above still holds what it read first).
    check = MigrationExecutor(connection)
    assert not check.migration_plan(check.loader.graph.leaf_nodes())
