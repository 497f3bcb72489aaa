"""The same push delivered by several workers at once, on the real PostgreSQL: one stored
record, exactly one delivery counts as new (so one processing is enqueued), none fails.
`_store_one` inserts with ON CONFLICT DO NOTHING there (no savepoint): a delivery that meets
another's uncommitted row must wait for it and then read it back, never raise."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connections

from funnel.models import InboundLead

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 6


def _deliver(barrier, results, raw: dict) -> None:
    from funnel.payload import LeadPayload
    from funnel.services.intake import IntakeSource, Processing, lead_intake

    connections.close_all()  # never share the parent's socket
    barrier.wait(timeout=30)
    stored = lead_intake(
        source=IntakeSource(channel="xiaohongshu", account="race"),
        external_id="race-1",
        raw=raw,
        payload=LeadPayload(phone="+8613800138000", name="并发"),
        processing=Processing.LATER,
    )
    results.put((stored.inbound_id, stored.changed))
    connections.close_all()


def _race(raws: list[dict]) -> list[tuple[int, bool]]:
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(raws))
    results = ctx.Queue()
    procs = [ctx.Process(target=_deliver, args=(barrier, results, raw)) for raw in raws]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * len(raws)
    return [results.get(timeout=5) for _ in raws]


def test_the_same_push_from_several_workers_is_stored_once_and_new_once():
    outcomes = _race([{"leads_id": "race-1", "phone": "13800138000"}] * WORKERS)

    assert InboundLead.objects.filter(external_id="race-1").count() == 1
    (row,) = InboundLead.objects.filter(external_id="race-1")
    assert {inbound_id for inbound_id, _ in outcomes} == {row.pk}
    assert sum(changed for _, changed in outcomes) == 1

