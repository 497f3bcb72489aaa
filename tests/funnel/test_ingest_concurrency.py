"""Batched ingest from several processes at once, on the real PostgreSQL: the same people
arrive in different batches of different workers at the same time."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter

import pytest
from django.db import connections

from funnel.models import Lead, LeadEvent, Touchpoint
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 4
PEOPLE = 300
BATCH = 50


def _ingest_all(worker: int, phones: list[str]) -> None:
    from funnel.services.intake import IntakeSource, Processing, leads_intake

    connections.close_all()  # never share the parent's socket
    order = phones[:]
    random.Random(worker).shuffle(order)  # noqa: S311  test data
    for at in range(0, len(order), BATCH):
        page = [
            (f"w{worker}-{at + i}", {"w": worker, "phone": phone}, payload(phone))
            for i, phone in enumerate(order[at : at + BATCH])
        ]
        leads_intake(
            source=IntakeSource(channel="baidu"), records=page, processing=Processing.NOW
        )
    connections.close_all()


def test_four_workers_ingesting_the_same_people_make_one_lead_each() -> None:
    # given 300 people, each arriving once through every one of 4 workers, in batches of 50
    SpecialtyFactory(slug="hair-loss", name="脱发")
    pool, _ = pool_with([1, 1, 1])
    catch_all_rule(pool)
    phones = [f"1370000{i:04d}" for i in range(PEOPLE)]
    connections.close_all()

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_ingest_all, args=(w, phones)) for w in range(WORKERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)

    # then no worker failed, every person is one lead, created once, routed once
    assert [p.exitcode for p in procs] == [0] * WORKERS
    assert Lead.objects.count() == PEOPLE
    assert Touchpoint.objects.count() == PEOPLE * WORKERS
    firsts = Counter(Touchpoint.objects.filter(is_first=True).values_list("lead_id", flat=True))
    assert len(firsts) == PEOPLE
    assert set(firsts.values()) == {1}
    news = Counter(
        LeadEvent.objects.filter(kind="stage", to_stage="new").values_list("lead_id", flat=True)
    )
    assert len(news) == PEOPLE
    assert set(news.values()) == {1}
    assert LeadEvent.objects.filter(kind="touch").count() == PEOPLE * (WORKERS - 1)
    assigns = Counter(LeadEvent.objects.filter(kind="assign").values_list("lead_id", flat=True))
    assert len(assigns) == PEOPLE
    assert set(assigns.values()) == {1}
    assert Lead.objects.filter(assignee__isnull=True).count() == 0
