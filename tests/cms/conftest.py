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
    and 81 tests take the content: seeded once a test, it was most of CI's time."""

    def __init__(self, seed=_seed) -> None:
        self.seed = seed
        self.atomic: transaction.Atomic | None = None

    def open(self, blocker) -> None:
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
    # transaction (pytest-django's autouse `db` helper), so the seeding can enclose it
    _SHARED.open(django_db_blocker)
    yield _SHARED
    _SHARED.close(django_db_blocker)


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
    take the demo content (a transactional one of the same module, say) must not see it."""
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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items) -> None:
    """Within each run of a module's tests, the tests that take the demo content go last and
    together, so one seeding serves them (`_SharedSeeding`). Runs are split by module and by
    whether a test is transactional, so pytest-django's order (plain database tests before
    transactional ones, which flush the database) is kept."""
    runs: list[list] = []
    for item in items:
        key = (item.nodeid.split("::")[0], _transactional(item))
        if runs and runs[-1][0] == key:
            runs[-1][1].append(item)
        else:
            runs.append([key, [item]])
    items[:] = [
        item
        for _, run in runs
        for item in sorted(run, key=lambda item: SEEDED in getattr(item, "fixturenames", ()))
    ]
