from __future__ import annotations

import io

import pytest
from django.db import transaction
from django.test import TestCase
from pytest_django.plugin import blocking_manager_key

from cms import seed as cms_seed
from funnel import seed as funnel_seed

SEEDED = "seeded"


def _seed() -> None:
    # On-commit work (Wagtail's search indexing) runs as it would after a real commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        funnel_seed._packages(funnel_seed._specialties())
        cms_seed.seed(stdout=io.StringIO())


class _SharedSeeding:
    """The demo content seeded once for a run of consecutive tests that take it, inside a
    transaction rolled back after the run's last test. Each test runs in a savepoint within it
    (pytest-django's `db`), so what a test changes is undone before the next one, as if each had
    seeded its own. Seeding publishes every page through the compliance gate (15–50 s of CPU),
    and some 200 tests in 19 modules take the content: seeded once a module, it was still a
    quarter of CI's time, so one run spans modules (`pytest_collection_modifyitems` puts all
    of them together) and each test process seeds about once."""

    def __init__(self, seed=_seed) -> None:
        self.seed = seed
        self.atomic: transaction.Atomic | None = None

    def open(self, blocker) -> None:
        if self.atomic is not None:  # the run goes on from the previous module
            return
        atomic = transaction.atomic()
        with blocker.unblock():
            atomic.__enter__()
            try:
                self.seed()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        self.atomic = atomic

    def close(self, blocker) -> None:
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        with blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_SHARED = _SharedSeeding()


@pytest.fixture(scope="module")
def _seeded_module(django_db_setup, django_db_blocker):
    # module scope: a fixture above function scope is set up before the test's own
    # transaction (pytest-django's autouse `db` helper), so the seeding can enclose it. It is
    # not closed with the module: the next module's tests may go on with it; the run ends
    # at the first test that does not take it (`pytest_runtest_teardown` below).
    _SHARED.open(django_db_blocker)
    return _SHARED


@pytest.fixture
def seeded(_seeded_module, db):
    """The demo content (three specialties' pages and their packages), without demo leads:
    seeded once for this run of tests (`_SharedSeeding`), or for this test alone when the run's
    seeding has ended (a test that takes it after one that does not)."""
    if _seeded_module.atomic is None:
        _seed()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """The shared seeding ends with the last test of its run: a following test that does not
    take the demo content (a transactional one, another module's) must not see it."""
    yield
    if _SHARED.atomic is not None and (
        nextitem is None or SEEDED not in getattr(nextitem, "fixturenames", ())
    ):
        _SHARED.close(item.config.stash[blocking_manager_key])


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(
        (marker is not None and marker.kwargs.get("transaction"))
        or fixtures & {"transactional_db", "live_server", "django_db_reset_sequences"}
    )


def _django_order(item) -> int:
    """pytest-django's own order of a test (`get_order_number`): 0 plain database tests,
    1 transactional ones (they flush the database), 2 tests without a database."""
    if _transactional(item):
        return 1
    if item.get_closest_marker("django_db") is not None or "db" in item.fixturenames:
        return 0
    return 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items) -> None:
    """The tests that take the demo content go last within their group of pytest-django's
    order (plain database tests, transactional ones), all modules together, so one seeding
    serves them (`_SharedSeeding`): a test process (pytest-xdist runs each process's share in
    this order) seeds about once per group. The sort is stable: every other test keeps its
    place."""
    items.sort(key=lambda item: (_django_order(item), SEEDED in getattr(item, "fixturenames", ())))
