"""A signed platform push during a Redis outage is stored and acknowledged at once; the intake
sweep processes it when the broker is back. Nothing is lost, nothing answers 500."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from funnel.models import InboundLead, InboundStatus, Lead
from funnel.services.intake import intake_sweep
from tests.channels.conftest import payload
from tests.channels.test_webhooks import douyin_headers, post, url

pytestmark = pytest.mark.django_db


def test_a_push_is_stored_and_answered_at_once_when_the_broker_is_down(
    client, make_account, redis_outage
) -> None:
    make_account("douyin", "dy")
    body = payload("douyin_feiyu_push.json")
    # when the platform pushes during the outage
    started = time.monotonic()
    answer = post(
        client, url("douyin", "dy"), json.dumps(body).encode(), **douyin_headers(body["id"])
    )
    took = time.monotonic() - started
    # then it is acknowledged at once and the record is kept, waiting
    assert answer.status_code == 200
    assert answer.json() == {"code": 0, "message": "success"}
    assert took < 5
    row = InboundLead.objects.get()
    assert row.status == InboundStatus.RECEIVED
    assert Lead.objects.count() == 0
    # when the sweep runs later (the broker is back: it processes in its own worker)
    InboundLead.objects.filter(pk=row.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert intake_sweep() == 1
    # then the push became its lead
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED
    assert Lead.objects.get().phone == "+8613912340000"
