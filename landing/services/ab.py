"""A/B test writes: deterministic arm assignment and counters kept with atomic upserts."""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from landing.models import ABArmStat, ABTest
from landing.services.cache import page_cache_purge

VISITOR_COOKIE = "yl_v"
SEEN_TTL = 90 * 24 * 3600


def visitor_new() -> str:
    return secrets.token_hex(8)


def arm_for(*, test_id: int, visitor: str) -> str:
    """The same visitor always sees the same arm of a test; arms are split 50/50."""
    digest = hashlib.sha256(f"{test_id}:{visitor}".encode()).digest()
    return "b" if digest[0] & 1 else "a"


def _upsert(test_id: int, arm: str, column: str) -> None:
    table = ABArmStat._meta.db_table
    # INSERT … ON CONFLICT is atomic on both PostgreSQL and SQLite: no lost increments.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (test_id, arm, visitors, conversions) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s) ON CONFLICT (test_id, arm) "
            f"DO UPDATE SET {column} = {table}.{column} + 1",
            [test_id, arm, int(column == "visitors"), int(column == "conversions")],
        )


def ab_visitor_record(*, test_id: int, visitor: str) -> str | None:
    """Count a visitor once per test (the unit of the test is a person, not a page view)."""
    if not ABTest.objects.filter(pk=test_id, status=ABTest.Status.RUNNING).exists():
        return None
    if not cache.add(f"lp:ab:seen:{test_id}:{visitor}", 1, timeout=SEEN_TTL):
        return None
    arm = arm_for(test_id=test_id, visitor=visitor)
    _upsert(test_id, arm, "visitors")
    return arm


def ab_conversion_record(*, test_id: int, visitor: str) -> str | None:
    if not cache.add(f"lp:ab:conv:{test_id}:{visitor}", 1, timeout=SEEN_TTL):
        return None
    arm = arm_for(test_id=test_id, visitor=visitor)
    _upsert(test_id, arm, "conversions")
    return arm


def abtest_finish(*, test_id: int, winner: str) -> ABTest:
    with transaction.atomic():
        test = ABTest.objects.select_for_update().get(pk=test_id)
        test.status = ABTest.Status.FINISHED
        test.winner = winner
        test.finished_at = timezone.now()
        test.save(update_fields=["status", "winner", "finished_at"])
    page_cache_purge()
    return test
