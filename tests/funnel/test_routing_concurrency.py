"""8 processes route 2,000 leads into one pool at once, on the real PostgreSQL."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from django.db import connections, transaction

from funnel.models import Lead, LeadEvent
from tests.funnel.factories import catch_all_rule, pool_with

pytestmark = [
    pytest.mark.services,
    # serialized_rollback: the flush after a transactional test must restore migration data
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 8
LEADS = 2000


def _route_slice(pool_id: int, lead_ids: list[int], batch: int) -> None:
    from funnel.models import AssistantPool
    from funnel.services.routing import RouteFacts, lead_assign, leads_route

    connections.close_all()  # never share the parent's socket
    pool = AssistantPool.objects.get(pk=pool_id)
    if batch == 1:  # one lead per transaction (SLA re-assignment, manual)
        for lead_id in lead_ids:
            with transaction.atomic():
                lead = Lead.objects.get(pk=lead_id)
                lead_assign(lead=lead, pool=pool)
    else:  # batches, as ingest routes a pulled page (through the catch-all rule)
        facts = RouteFacts(specialty_id=None, channel="", city="", keyword="", age=None, score=0)
        for at in range(0, len(lead_ids), batch):
            with transaction.atomic():
                leads = Lead.objects.filter(pk__in=lead_ids[at : at + batch]).order_by("pk")
                leads_route(items=[(lead, facts) for lead in leads])
    connections.close_all()


def _route_concurrently(pool, batch: int = 1) -> None:
    leads = Lead.objects.bulk_create(
        [Lead(phone_hash=f"bench-{i:05d}", phone=f"+86138{i:08d}") for i in range(LEADS)]
    )
    ids = [lead.pk for lead in leads]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=_route_slice, args=(pool.pk, ids[w::WORKERS], batch))
        for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * WORKERS


@pytest.mark.parametrize("batch", [1, 50])
def test_eight_workers_share_2000_leads_by_weight_exactly(batch: int) -> None:
    pool, assistants = pool_with([3, 2, 1])
    catch_all_rule(pool)

    _route_concurrently(pool, batch)

    assert Lead.objects.filter(assignee__isnull=True).count() == 0
    per_lead = Counter(LeadEvent.objects.filter(kind="assign").values_list("lead_id", flat=True))
    assert len(per_lead) == LEADS
    assert set(per_lead.values()) == {1}
    counts = Counter(Lead.objects.values_list("assignee_id", flat=True))
    for assistant, weight in zip(assistants, [3, 2, 1], strict=True):
        share = LEADS * weight / 6
        assert abs(counts[assistant.pk] - share) <= 1, (counts, share)


@pytest.mark.parametrize("batch", [1, 50])
def test_eight_workers_never_exceed_a_daily_cap(batch: int) -> None:
    pool, assistants = pool_with([3, 2, 1], caps=[300, 200, 100])
    catch_all_rule(pool)

    _route_concurrently(pool, batch)

    counts = Counter(Lead.objects.exclude(assignee=None).values_list("assignee_id", flat=True))
    assert counts == {assistants[0].pk: 300, assistants[1].pk: 200, assistants[2].pk: 100}
    assert Lead.objects.filter(assignee__isnull=True).count() == LEADS - 600
