from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from funnel.models import FollowUp, Lead
from funnel.services.followups import birthdays_plan, followups_dispatch
from tests.funnel.factories import payload

pytestmark = pytest.mark.django_db


def test_due_followups_are_sent_once(ingest, caplog) -> None:
    lead_id = ingest(payload()).lead_id
    now = timezone.now()
    FollowUp.objects.create(lead_id=lead_id, kind="revisit", due_at=now - dt.timedelta(minutes=1))
    FollowUp.objects.create(lead_id=lead_id, kind="refill", due_at=now + dt.timedelta(days=1))

    with caplog.at_level(logging.INFO, logger="yinliu.notify"):
        assert followups_dispatch(now=now) == 1
        assert followups_dispatch(now=now) == 0  # nothing is sent twice

    assert FollowUp.objects.get(kind="revisit").status == "sent"
    assert FollowUp.objects.get(kind="refill").status == "pending"
    assert len([r for r in caplog.records if "复诊提醒" in r.getMessage()]) == 1


def test_birthday_greetings_are_planned_once(ingest) -> None:
    lead_id = ingest(payload()).lead_id
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Lead.objects.filter(pk=lead_id).update(birthday=tomorrow.replace(year=1990))

    birthdays_plan()
    birthdays_plan()

    row = FollowUp.objects.get(kind="birthday")
    assert timezone.localtime(row.due_at).date() == tomorrow
    assert timezone.localtime(row.due_at).hour == 9


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_claim_disjoint_rows_with_skip_locked(ingest) -> None:
    """Two claims running at once never take the same row (SELECT … FOR UPDATE SKIP LOCKED)."""
    import threading

    from django.db import connections

    from funnel.services import followups

    lead_id = ingest(payload()).lead_id
    now = timezone.now()
    FollowUp.objects.bulk_create(
        [
            FollowUp(lead_id=lead_id, kind="revisit", due_at=now - dt.timedelta(minutes=i))
            for i in range(200)
        ]
    )
    claimed: list[list[int]] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        claimed.append([row.pk for row in followups._claim(now, 150)])
        connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    first, second = claimed
    assert not set(first) & set(second)
    assert len(first) + len(second) == 200
