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


def test_signed_pushes_answer_well_under_a_second_while_the_broker_is_down(
    client, make_account, broker_down, timed, caplog
) -> None:
    # given: the broker's port is closed; the process has served one push (imports done)
    make_account("douyin", "dy")
    body = payload("douyin_feiyu_push.json")

    def push(n: int):
        sent = {**body, "id": f"{body['id']}-{n}"}
        raw = json.dumps(sent).encode()
        return post(client, url("douyin", "dy"), raw, **douyin_headers(sent["id"]))

    timed(lambda: push(0))
    # when three more arrive
    timings = [timed(lambda n=n: push(n)) for n in (1, 2, 3)]
    # then each is acknowledged well under a second, stored, and the failed enqueue logged
    assert [answer.status_code for _, answer in timings] == [200, 200, 200]
    assert max(took for took, _ in timings) < 1.0, timings
    assert InboundLead.objects.filter(status=InboundStatus.RECEIVED).count() == 4
    assert "intake_process" in caplog.text  # the failed enqueue, logged and swallowed


def test_the_landing_form_and_the_lead_api_answer_well_under_a_second_while_the_broker_is_down(
    client, broker_down, timed
) -> None:
    from funnel.services.tokens import api_token_create

    auth = {"Authorization": f"Bearer {api_token_create(name='crm')}"}

    def lead(n: int):
        body = {"phone": f"1380013800{n}", "name": "张三", "channel": "api", "consent": True}
        return client.post(
            "/api/v1/leads", data=json.dumps(body), content_type="application/json", headers=auth
        )

    timed(lambda: lead(0))  # warm-up
    took, answer = timed(lambda: lead(1))
    assert answer.status_code in (200, 201), answer.content
    assert took < 1.0
    assert Lead.objects.count() == 2
