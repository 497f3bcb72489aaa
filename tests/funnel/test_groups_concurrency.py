"""6 processes race for the last seats of a camp on the real PostgreSQL: the locked count and
the constraints give exactly `capacity` members, never one more."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connections

from funnel.models import GroupMembership, Lead, LeadEvent, PrivateGroup

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 6
LEADS = 60
CAPACITY = 13


def _enrol_slice(group_id: int, lead_ids: list[int], queue) -> None:
    from config.errors import ApplicationError
    from funnel.services.groups import group_enroll

    connections.close_all()  # never share the parent's socket
    refused: dict[str, int] = {}
    for lead_id in lead_ids:
        try:
            group_enroll(group_id=group_id, lead_id=lead_id)
        except ApplicationError as err:
            refused[err.code] = refused.get(err.code, 0) + 1
    queue.put(refused)
    connections.close_all()


def test_six_workers_fill_a_camp_to_its_capacity_and_no_further() -> None:
    # given: a 13-seat camp and 60 people asking at once (each twice: a double tap)
    camp = PrivateGroup.objects.create(name="13天控糖训练营", kind="camp", capacity=CAPACITY)
    leads = Lead.objects.bulk_create(
        [Lead(phone_hash=f"camp-{i:03d}", phone=f"+86138{i:08d}") for i in range(LEADS)]
    )
    ids = [lead.pk for lead in leads] * 2
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    # when
    procs = [
        ctx.Process(target=_enrol_slice, args=(camp.pk, ids[w::WORKERS], queue))
        for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=300)

    # then: exactly 13 members, each once; everybody else was told the camp is full
    assert [p.exitcode for p in procs] == [0] * WORKERS
    camp.refresh_from_db()
    assert camp.member_count == CAPACITY
    members = list(GroupMembership.objects.filter(group=camp).values_list("lead_id", flat=True))
    assert len(members) == len(set(members)) == CAPACITY
    assert LeadEvent.objects.filter(kind="group").count() == CAPACITY
    refusals = sum(sum(r.values()) for r in results)
    assert refusals == 2 * LEADS - CAPACITY
    assert {code for r in results for code in r} <= {"group_full", "already_member"}
