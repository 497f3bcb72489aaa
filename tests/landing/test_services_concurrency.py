"""On the real Redis and PostgreSQL: counters stay exact under concurrent requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from config.errors import ApplicationError
from landing.models import ABArmStat
from landing.services.ab import _upsert
from landing.services.guards import rate_limit_hit
from tests.landing.conftest import certified_ab_test

pytestmark = pytest.mark.services


def test_rate_limit_is_exact_under_concurrency() -> None:
    # given a limit of 10 per window, when 40 attempts arrive at once
    def attempt(_: int) -> str:
        try:
            rate_limit_hit(scope="ip", ident="10.1.1.1", limit=10, window=3600)
        except ApplicationError as err:
            return err.code
        return "ok"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(40)))
    # then exactly 10 pass and the other 30 are refused as rate limited
    assert outcomes.count("ok") == 10
    assert outcomes.count("rate_limited") == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ab_upserts_lose_no_increment(landing) -> None:
    test = certified_ab_test(landing.page, name="并发计数")

    def bump(_: int) -> None:
        try:
            _upsert(test.pk, "a", "visitors")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(bump, range(200)))
    assert ABArmStat.objects.get(test=test, arm="a").visitors == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_arm_never_passes_its_horizon_under_concurrency(landing) -> None:
    # given a horizon of 25 visitors, when 200 visitors of arm A arrive at once
    test = certified_ab_test(landing.page, name="并发上限", horizon=25)

    def visit(_: int) -> bool:
        try:
            return _upsert(test.pk, "a", "visitors", cap=test.horizon)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        counted = list(pool.map(visit, range(200)))
    # then exactly 25 are counted, and the counter says so
    assert counted.count(True) == 25
    assert ABArmStat.objects.get(test=test, arm="a").visitors == 25
