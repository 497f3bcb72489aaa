"""A/B test writes: deterministic arm assignment and counters kept with atomic upserts.

Only visitors the server assigned count: the visitor cookie carries an id we issued, signed
(`visitor_cookie_value`); a cookie a client made up is not a visitor (`visitor_from_cookie`).
Each visitor counts once per test by a unique row (ABVisitor), not by a cache check."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from landing.models import ABArmStat, ABTest, ABVisitor
from landing.selectors import ab_results
from landing.services.cache import page_cache_purge
from landing.services.guards import rate_limit_hit

VISITOR_COOKIE = "yl_v"
_SIGNER = signing.Signer(salt="landing.ab.visitor")


def visitor_new() -> str:
    return secrets.token_hex(8)


def visitor_cookie_value(visitor: str) -> str:
    """What the visitor cookie holds: the id we issued, signed."""
    return _SIGNER.sign(visitor)


def visitor_from_cookie(value: str | None) -> str | None:
    """The visitor id in a cookie we signed; None for a missing or client-made cookie."""
    if not value:
        return None
    try:
        visitor = _SIGNER.unsign(value)
    except signing.BadSignature:
        return None
    return visitor if 0 < len(visitor) <= 64 else None


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


def _visitor_claim(test_id: int, visitor: str) -> bool:
    """Insert the (test, visitor) row; True only for the request that inserted it."""
    table = ABVisitor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (test_id, visitor, arm, converted, seen_at) "  # noqa: S608
            f"VALUES (%s, %s, '', %s, %s) ON CONFLICT (test_id, visitor) DO NOTHING "
            f"RETURNING id",
            [test_id, visitor, False, timezone.now()],
        )
        return cursor.fetchone() is not None


def ab_visitor_record(*, test_id: int, visitor: str, ip: str = "") -> str | None:
    """Count a visitor once per test (the unit of the test is a person, not a page view).
    `visitor` is an id the server issued (`visitor_from_cookie`), sent back by the page's
    beacon; `ip` is the client address (`config.client_address.client_ip`).

    A script can fetch pages and collect fresh signed cookies as fast as it likes, so each
    client address adds at most LANDING_AB_VISITORS_PER_ADDRESS_DAY new visitors to one test
    a day (Shanghai day; raises ApplicationError 429 `rate_limited` past it). Replays of a
    counted visitor neither count nor use the allowance.

    Fixed horizon: an arm counts its first ``horizon`` visitors and no more; a visitor who
    came after the arm was full is remembered as outside the sample (their conversion is not
    counted either). When both arms are full the verdict is recorded and the test ends, so
    it cannot move afterwards (deciding again on later data is peeking)."""
    test = ABTest.objects.filter(pk=test_id, status=ABTest.Status.RUNNING).first()
    if test is None:
        return None
    if ABVisitor.objects.filter(test_id=test_id, visitor=visitor).exists():
        return None  # a replayed beacon: counted already
    if ip:
        rate_limit_hit(
            scope=f"ab{test_id}:{timezone.localdate().isoformat()}",
            ident=ip,
            limit=settings.LANDING_AB_VISITORS_PER_ADDRESS_DAY,
            window=24 * 3600,
        )
    arm = arm_for(test_id=test_id, visitor=visitor)
    with transaction.atomic():
        if not _visitor_claim(test_id, visitor):
            return None
        if not _upsert(test_id, arm, "visitors", cap=test.horizon):
            return None  # outside the sample: the row stays with no arm
        ABVisitor.objects.filter(test_id=test_id, visitor=visitor).update(arm=arm)
    ab_verdict_record(test_id=test_id)
    return arm


def ab_conversion_record(*, test_id: int, visitor: str) -> str | None:
    """A new lead from a visitor in a running test's sample counts once for their arm."""
    if not ABTest.objects.filter(pk=test_id, status=ABTest.Status.RUNNING).exists():
        return None
    with transaction.atomic():
        row = (
            ABVisitor.objects.filter(test_id=test_id, visitor=visitor)
            .exclude(arm="")
            .values("pk", "arm")
            .first()
        )
        if row is None:
            return None  # never counted (no beacon) or after the horizon
        # Compare-and-set on the visitor's one row (unique per test and visitor): of any
        # number of replays or concurrent leads, only the update that flips it counts.
        if not ABVisitor.objects.filter(pk=row["pk"], converted=False).update(converted=True):
            return None  # converted already
        _upsert(test_id, row["arm"], "conversions")
    return row["arm"]


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
