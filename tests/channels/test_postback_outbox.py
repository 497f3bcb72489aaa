"""Conversion postbacks go through the funnel's outbox: a platform outage during a stage change
never turns the change into an error, and the postback is sent later, not dropped."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import responses

from funnel.models import OutboxDelivery, Stage
from funnel.outbox import outbox_sweep
from funnel.payload import LeadPayload
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

BASE = "https://ad.example.invalid/open_api/"
CALLBACK = BASE + "2/tools/clue/life/callback/"


@pytest.fixture
def douyin_lead(make_account):
    account = make_account("douyin", "dy", base=BASE)
    payload = LeadPayload(
        phone="13800138000", name="张三", channel="douyin", account="dy", consent_required=False
    )
    stored = lead_intake(
        source=IntakeSource(channel="douyin", account=account.name),
        external_id="clue-1",
        raw={"clue_id": "clue-1"},
        payload=payload,
    )
    return stored.outcome.lead_id


@responses.activate
def test_a_platform_5xx_during_a_stage_change_answers_200_and_is_sent_later(
    client, douyin_lead, django_capture_on_commit_callbacks, outbox_drain
) -> None:
    # given Ocean Engine answers 500 to the clue callback
    responses.add(responses.POST, CALLBACK, status=500, body="upstream error")
    token = api_token_create(name="crm")
    # when another system reports the lead as contacted through the lead API
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/api/v1/leads/{douyin_lead}/events",
            data=json.dumps({"stage": "contacted"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    outbox_drain()
    # then the stage change stands and the postback waits in the outbox with its error
    assert answer.status_code == 200
    assert answer.json()["stage"] == Stage.CONTACTED
    delivery = OutboxDelivery.objects.get(listener="channels.postbacks")
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("Transient")
    # when the platform recovers and the sweep runs after the back-off
    responses.replace(
        responses.POST, CALLBACK, json={"code": 0, "message": "OK", "data": {}}, status=200
    )
    assert outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1
    # then the callback was sent once more, and succeeded
    delivery.refresh_from_db()
    assert delivery.status == "done"
    calls = [c for c in responses.calls if c.request.url.startswith(CALLBACK)]
    assert len(calls) == 2
    assert json.loads(calls[-1].request.body)["clue_convert_state"] == 2


@responses.activate
def test_an_expired_token_during_a_postback_is_refreshed_once(
    douyin_lead, django_capture_on_commit_callbacks, outbox_drain
) -> None:
    from channels.models import ChannelAccount
    from funnel.services.stages import lead_stage_change
    from tests.channels.conftest import payload as recorded

    # given the access token expired: the callback answers 40102 once, then succeeds
    responses.add(responses.POST, CALLBACK, json=recorded("douyin_token_expired.json"))
    responses.add(responses.POST, CALLBACK, json={"code": 0, "message": "OK", "data": {}})
    responses.add(
        responses.POST, BASE + "oauth2/refresh_token/", json=recorded("douyin_refresh_token.json")
    )
    # when the lead is contacted and the postback delivered
    with django_capture_on_commit_callbacks(execute=True):
        lead_stage_change(lead_id=douyin_lead, to_stage=Stage.CONTACTED)
    outbox_drain()
    # then the pair was refreshed once and the callback sent again, delivered
    assert [c.request.url for c in responses.calls].count(BASE + "oauth2/refresh_token/") == 1
    delivery = OutboxDelivery.objects.get(listener="channels.postbacks")
    assert delivery.status == "done"
    account = ChannelAccount.objects.get(name="dy")
    assert account.access_token != "old-access"
