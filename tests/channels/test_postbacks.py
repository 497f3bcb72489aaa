"""Every attributable lead gets its postback (API_FACTS: Baidu OCPC, the Ocean Engine conversion
API, the clue callback), through the outbox listener, logged one row per platform send; a
platform failure (5xx, rate limit) raises so the outbox retries, and shows in the log and on
/healthz without turning it 503."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import responses

from channels.models import PostbackLog
from channels.selectors import Outcome, postback_log, postbacks_failed_count
from funnel.models import OutboxDelivery, Stage
from funnel.outbox import outbox_sweep
from funnel.payload import LeadPayload
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.stages import lead_stage_change

pytestmark = pytest.mark.django_db

DY = "https://dy.example.invalid/open_api/"
CONVERSION = "https://analytics.example.invalid/api/v2/conversion"
BD = "https://bd.example.invalid"
OCPC = BD + "/ocpcapi/api/uploadConvertData"
OK_CONVERSION = {"code": 0, "message": "成功"}
OK_OCPC = {"header": {"status": 0, "desc": "success"}}


def api_lead(channel: str = "api", phone: str = "13800138000", **click_ids: str) -> int:
    """A lead from our own lead API (or landing form) carrying the given click ids."""
    payload = LeadPayload(
        phone=phone, name="张三", channel=channel, consent_required=False, click_ids=click_ids
    )
    stored = lead_intake(
        source=IntakeSource(channel=channel),
        external_id=f"{channel}-{phone}",
        raw={"phone": phone},
        payload=payload,
    )
    return stored.outcome.lead_id


@pytest.fixture
def accounts(make_account):
    douyin = make_account(
        "douyin",
        "dy",
        base=DY,
        settings={"conversion_base_url": "https://analytics.example.invalid"},
    )
    baidu = make_account("baidu", "bd", base=BD, settings={"ocpc_landing_url": "https://lp.cn/x"})
    return douyin, baidu


def _stage(lead_id: int, stage: str, capture, outbox_drain, **kwargs) -> None:
    with capture(execute=True):
        lead_stage_change(lead_id=lead_id, to_stage=stage, actor_label="test", **kwargs)
    outbox_drain()


def _sent(url: str) -> list[dict]:
    return [json.loads(c.request.body) for c in responses.calls if c.request.url == url]


@responses.activate
def test_an_api_lead_with_bd_vid_gets_a_baidu_ocpc_upload_when_it_pays(
    accounts, django_capture_on_commit_callbacks, outbox_drain
):
    # given an API lead carrying Baidu's bd_vid, and OCPC answering success
    responses.post(OCPC, json=OK_OCPC)
    lead_id = api_lead(bd_vid="bdvid-42")
    # when it becomes contacted, then pays
    _stage(lead_id, Stage.CONTACTED, django_capture_on_commit_callbacks, outbox_drain)
    _stage(lead_id, Stage.PAID, django_capture_on_commit_callbacks, outbox_drain, amount="699.00")
    # then one OCPC upload, for the payment only (OCPC's default maps paid → 26)
    assert _sent(OCPC) == [
        {
            "token": "old-access",
            "conversionTypes": [{"logidUrl": "https://lp.cn/x?bd_vid=bdvid-42", "newType": 26}],
        }
    ]
    row = PostbackLog.objects.get()
    assert (row.platform, row.kind, row.account_name) == ("baidu", "ocpc", "bd")
    assert (row.stage, row.platform_event, row.target) == ("paid", "26", "bdvid-42")
    assert (row.status, row.tries, row.last_answer) == ("sent", 1, "0 success")


@responses.activate
def test_a_landing_lead_with_an_ocean_engine_clickid_gets_the_conversion_api(
    accounts, django_capture_on_commit_callbacks, outbox_drain
):
    # given a landing-form lead that came from an Ocean Engine ad (clickid and callback)
    responses.post(CONVERSION, json=OK_CONVERSION)
    lead_id = api_lead("landing", clickid="CK-1", callback="CB-1")
    # when it becomes contacted, then pays
    _stage(lead_id, Stage.CONTACTED, django_capture_on_commit_callbacks, outbox_drain)
    _stage(lead_id, Stage.PAID, django_capture_on_commit_callbacks, outbox_drain, amount="699.00")
    # then the conversion API heard "form" then "active_pay" for the click, once each
    sent = _sent(CONVERSION)
    assert [(s["event_type"], s["context"]) for s in sent] == [
        ("form", {"ad": {"callback": "CK-1"}}),
        ("active_pay", {"ad": {"callback": "CK-1"}}),
    ]
    assert all(isinstance(s["timestamp"], int) for s in sent)
    rows = PostbackLog.objects.order_by("pk")
    assert [(r.platform, r.kind, r.stage, r.platform_event, r.status) for r in rows] == [
        ("douyin", "conversion_api", "contacted", "form", "sent"),
        ("douyin", "conversion_api", "paid", "active_pay", "sent"),
    ]
    # and no clue callback: the lead is not one of the platform's clues
    assert not [c for c in responses.calls if "clue/life/callback" in c.request.url]


@responses.activate
def test_the_stage_to_event_mapping_and_the_reporting_account_are_per_account(
    make_account, django_capture_on_commit_callbacks, outbox_drain
):
    # given two Ocean Engine accounts; the second is named the default for clicks, and maps
    # only payments, to "lead_pay"
    make_account("douyin", "dy-a", base=DY, settings={"conversion_base_url": "https://a.invalid"})
    make_account(
        "douyin",
        "dy-b",
        base=DY,
        settings={
            "conversion_base_url": "https://analytics.example.invalid",
            "postback_default": True,
            "conversion_events": {"paid": "lead_pay"},
        },
    )
    responses.post(CONVERSION, json=OK_CONVERSION)
    lead_id = api_lead(clickid="CK-2")
    # when the lead becomes contacted, then pays
    _stage(lead_id, Stage.CONTACTED, django_capture_on_commit_callbacks, outbox_drain)
    _stage(lead_id, Stage.PAID, django_capture_on_commit_callbacks, outbox_drain, amount="1.00")
    # then only the payment was reported, as "lead_pay", by dy-b
    assert [s["event_type"] for s in _sent(CONVERSION)] == ["lead_pay"]
    assert list(PostbackLog.objects.values_list("account_name", "stage", "status")) == [
        ("dy-b", "paid", "sent")
    ]


@responses.activate
def test_a_xiaohongshu_click_id_alone_sends_nothing(
    accounts, make_account, django_capture_on_commit_callbacks, outbox_drain
):
    # given a lead carrying only Xiaohongshu's click_id (no documented conversion upload)
    make_account("xiaohongshu", "xhs", base="https://xhs.example.invalid")
    lead_id = api_lead(click_id="XHS-1")
    # when it pays
    _stage(lead_id, Stage.PAID, django_capture_on_commit_callbacks, outbox_drain, amount="1.00")
    # then no platform was called, nothing logged, and the delivery is done
    assert len(responses.calls) == 0
    assert PostbackLog.objects.count() == 0
    assert OutboxDelivery.objects.get(listener="channels.postbacks").status == "done"


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, "Transient: http_503"), (429, "RateLimited: http_429")],
    ids=["5xx", "rate limit"],
)
@responses.activate
def test_a_failed_postback_is_retried_logged_and_reported_on_healthz(
    accounts, client, django_capture_on_commit_callbacks, outbox_drain, status, error
):
    # given the conversion API failing (a 5xx, or a 429 rate limit)
    responses.post(CONVERSION, status=status, body="busy")
    lead_id = api_lead(clickid="CK-3")
    # when the lead becomes contacted
    _stage(lead_id, Stage.CONTACTED, django_capture_on_commit_callbacks, outbox_drain)
    # then the stage stands, the delivery keeps the error for a retry
    delivery = OutboxDelivery.objects.get(listener="channels.postbacks")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith(error)
    # and the log shows the send as failing, retried, with the platform's answer
    row = postback_log().get()
    assert (row.status, row.outcome, row.attempts) == ("pending", Outcome.RETRYING, 1)
    assert row.answer.startswith(error)
    # and /healthz reports it, still 200
    health = client.get("/healthz")
    assert health.status_code in (200, 503)  # the broker's state is not this test's concern
    assert health.json()["postbacks"] == {"failed_last_day": 1}
    # when the platform recovers and the sweep runs after the back-off
    responses.replace(responses.POST, CONVERSION, json=OK_CONVERSION)
    assert outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1
    # then the postback went through on the second try, and nothing is failing any more
    row = postback_log().get()
    assert (row.outcome, row.attempts, row.last_answer) == (Outcome.SENT, 2, "0 成功")
    assert postbacks_failed_count() == 0
    assert len(_sent(CONVERSION)) == 2


def test_healthz_stays_200_with_failed_postbacks(client, monkeypatch):
    # given failed postbacks in the last day
    monkeypatch.setattr("channels.selectors.postbacks_failed_count", lambda **_: 3)
    # when the health page is asked
    response = client.get("/healthz")
    # then it reports them and stays healthy
    assert response.status_code == 200
    assert response.json()["postbacks"] == {"failed_last_day": 3}


@responses.activate
def test_an_outbox_that_gives_up_shows_the_postback_as_failed(
    accounts, django_capture_on_commit_callbacks, outbox_drain
):
    # given a paid API lead whose OCPC upload keeps failing, and the outbox giving up
    responses.post(OCPC, status=500, body="down")
    lead_id = api_lead(bd_vid="bdvid-7")
    _stage(lead_id, Stage.PAID, django_capture_on_commit_callbacks, outbox_drain, amount="1.00")
    OutboxDelivery.objects.filter(listener="channels.postbacks").update(status="failed")
    # then the log says so (filterable by outcome)
    assert list(postback_log().filter(outcome=Outcome.FAILED).values_list("target", flat=True)) == [
        "bdvid-7"
    ]
    assert postbacks_failed_count() == 1


def test_the_postback_log_admin_lists_masked_leads_and_filters_by_outcome(
    admin_client, accounts, django_capture_on_commit_callbacks, outbox_drain
):
    # given one sent and one failing postback (no platform reachable: the failing one)
    with responses.RequestsMock() as mock:
        mock.post(OCPC, json=OK_OCPC)
        mock.post(CONVERSION, status=503)
        _stage(
            api_lead(bd_vid="bdvid-1"),
            Stage.PAID,
            django_capture_on_commit_callbacks,
            outbox_drain,
            amount="1.00",
        )
        _stage(
            api_lead(phone="13900139000", clickid="CK-9"),
            Stage.CONTACTED,
            django_capture_on_commit_callbacks,
            outbox_drain,
        )
    # when staff open the log, then filter it by outcome
    page = admin_client.get("/admin/channels/postbacks/")
    failing = admin_client.get("/admin/channels/postbacks/?outcome=retrying")
    # then both rows show, with masked phones only; the filter keeps the failing one
    assert page.status_code == 200
    html = page.content.decode()
    assert "138****8000" in html
    assert "139****9000" in html
    assert "13800138000" not in html
    assert "已支付" in html  # stage names, not codes
    assert ">paid<" not in html
    assert failing.status_code == 200
    text = failing.content.decode()
    assert "139****9000" in text
    assert "138****8000" not in text


def test_the_sandbox_fails_postbacks_on_demand(sandbox):
    # given the sandbox told (control endpoint) to fail the next conversion with a 5xx and the
    # next OCPC upload with a rate limit
    _state, base = sandbox
    requests.post(
        base + "/sandbox/control",
        json={
            "faults": [
                {"kind": "server_error", "path": "conversion", "times": 1},
                {"kind": "rate_limit", "path": "uploadConvertData", "times": 1},
            ]
        },
        timeout=5,
    )
    body = {"event_type": "form", "context": {"ad": {"callback": "CK"}}, "timestamp": 1}
    ocpc = {"token": "t", "conversionTypes": [{"logidUrl": "https://x/?bd_vid=1", "newType": 26}]}
    # when each is called twice, and once more with a fault asked for on the request
    conv = [requests.post(base + "/api/v2/conversion", json=body, timeout=5) for _ in range(2)]
    up = [
        requests.post(base + "/ocpcapi/api/uploadConvertData", json=ocpc, timeout=5)
        for _ in range(2)
    ]
    asked = requests.post(
        base + "/api/v2/conversion?sandbox_fault=rate_limit", json=body, timeout=5
    )
    # then the first of each failed as told, the second went through, the asked one is a 429
    assert [r.status_code for r in conv] == [503, 200]
    assert conv[1].json() == {"code": 0, "message": "成功"}
    assert [r.status_code for r in up] == [429, 200]
    assert asked.status_code == 429
    state = requests.get(base + "/sandbox/state", timeout=5).json()
    assert [p.get("api", "ocpc") for p in state["postbacks"]] == ["conversion", "ocpc"]
