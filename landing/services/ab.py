"""A/B test writes: deterministic arm assignment and counters kept with atomic upserts."""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from landing.models import ABArmStat, ABTest
from landing.selectors import ab_results
from landing.services.cache import page_cache_purge

VISITOR_COOKIE = "yl_v"
SEEN_TTL = 90 * 24 * 3600


def visitor_new() -> str:
    return secrets.token_hex(8)


def arm_for(*, test_id: int, visitor: str) -> str:
    """The same visitor always sees the same arm of a test; arms are split 50/50."""
    digest = hashlib.sha256(f"{test_id}:{visitor}".encode()).digest()
    return "b" if digest[0] & 1 else "a"


def _upsert(test_id: int, arm: str, column: str, cap: int | None = None) -> bool:
    """Add one to an arm's counter; with ``cap``, only while it is below it. True when counted.

    INSERT … ON CONFLICT … DO UPDATE … WHERE is atomic on PostgreSQL and SQLite: concurrent
    visitors neither lose increments nor push an arm past its horizon."""
    table = ABArmStat._meta.db_table
    guard = f" WHERE {table}.{column} < %s" if cap is not None else ""
    params: list = [test_id, arm, int(column == "visitors"), int(column == "conversions")]
    if cap is not None:
        params.append(cap)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (test_id, arm, visitors, conversions) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s) ON CONFLICT (test_id, arm) "
            f"DO UPDATE SET {column} = {table}.{column} + 1{guard} RETURNING {column}",
            params,
        )
        return cursor.fetchone() is not None


def _seen_key(test_id: int, visitor: str) -> str:
    return f"lp:ab:seen:{test_id}:{visitor}"


def ab_visitor_record(*, test_id: int, visitor: str) -> str | None:
    """Count a visitor once per test (the unit of the test is a person, not a page view).

    Fixed horizon: an arm counts its first ``horizon`` visitors and no more; a visitor who
    came after the arm was full is remembered as outside the sample (their conversion is not
    counted either). When both arms are full the verdict is recorded and the test ends, so
    it cannot move afterwards (deciding again on later data is peeking)."""
    test = ABTest.objects.filter(pk=test_id, status=ABTest.Status.RUNNING).first()
    if test is None:
        return None
    arm = arm_for(test_id=test_id, visitor=visitor)
    if not cache.add(_seen_key(test_id, visitor), "-", timeout=SEEN_TTL):
        return None
    if not _upsert(test_id, arm, "visitors", cap=test.horizon):
        return None
    cache.set(_seen_key(test_id, visitor), arm, timeout=SEEN_TTL)
    ab_verdict_record(test_id=test_id)
    return arm


def ab_conversion_record(*, test_id: int, visitor: str) -> str | None:
    """A new lead from a visitor in a running test's sample counts once for their arm."""
    arm = cache.get(_seen_key(test_id, visitor))
    if arm not in ("a", "b"):
        return None  # never counted as a visitor (no beacon, or came after the horizon)
    if not ABTest.objects.filter(pk=test_id, status=ABTest.Status.RUNNING).exists():
        return None
    if not cache.add(f"lp:ab:conv:{test_id}:{visitor}", 1, timeout=SEEN_TTL):
        return None
    _upsert(test_id, arm, "conversions")
    return arm


def ab_verdict_record(*, test_id: int) -> ABTest | None:
    """Once both arms reached the horizon: decide once (landing.stats) and finish the test
    with its winner ("a", "b" or "none"). Returns the finished test, else None."""
    with transaction.atomic():
        test = ABTest.objects.select_for_update().filter(pk=test_id).first()
        if test is None or test.status != ABTest.Status.RUNNING:
            return None
        result = ab_results(test=test)
        if not result.reached_horizon:
            return None
    return abtest_finish(test_id=test_id, winner=result.winner)


def abtest_finish(*, test_id: int, winner: str) -> ABTest:
    with transaction.atomic():
        test = ABTest.objects.select_for_update().get(pk=test_id)
        test.status = ABTest.Status.FINISHED
        test.winner = winner
        test.finished_at = timezone.now()
        test.save(update_fields=["status", "winner", "finished_at"])
    page_cache_purge()
    return test
