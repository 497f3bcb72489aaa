"""A landing-form lead from a Baidu ad: its OCPC upload names the landing page the patient
submitted on (`logidUrl`, API_FACTS "Baidu — Conversion postback"), not a placeholder Baidu
cannot match nor the account's fallback address."""

from __future__ import annotations

import json

import pytest
import responses

from channels.services.accounts import channel_account_create
from funnel.models import Lead, Stage
from funnel.services.stages import lead_stage_change
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db

BD = "https://bd.example.invalid"
OCPC = BD + "/ocpcapi/api/uploadConvertData"


def _baidu_account(**settings) -> None:
    channel_account_create(
        channel="baidu",
        name="bd",
        api_base_url=BD,
        advertiser_id="1790000000000001",
        app_id="1700000000001",
        secret="app-secret",
        access_token="tok",
        refresh_token="ref",
        webhook_secret="hook-secret",
        settings={"backoff_seconds": 0, "max_retries": 2, **settings},
    )


def _paid_upload(client, landing, django_capture_on_commit_callbacks, outbox_drain) -> list:
    responses.post(OCPC, json={"header": {"status": 0, "desc": "success"}})
    assert client.post("/lp/hair-loss/", form_data(bd_vid="BDVID-77")).status_code == 302
    lead = Lead.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        lead_stage_change(lead_id=lead.pk, to_stage=Stage.PAID, actor_label="test", amount="699.00")
    outbox_drain()
    sent = [json.loads(c.request.body) for c in responses.calls if c.request.url == OCPC]
    return [t["logidUrl"] for body in sent for t in body["conversionTypes"]]


@pytest.mark.parametrize("fallback", [{}, {"ocpc_landing_url": "https://lp.cn/other"}])
@responses.activate
def test_the_ocpc_upload_names_the_landing_page_the_lead_came_from(
    client, landing, django_capture_on_commit_callbacks, outbox_drain, fallback
) -> None:
    # given a Baidu account (with or without a fallback landing address) and a patient who
    # submits the landing form from a Baidu ad
    _baidu_account(**fallback)

    # when the lead pays
    urls = _paid_upload(client, landing, django_capture_on_commit_callbacks, outbox_drain)

    # then Baidu hears of the page the form was on, carrying the click's bd_vid
    assert urls == [f"{landing.page.full_url}?bd_vid=BDVID-77"]
    assert "example.invalid/?" not in urls[0]
