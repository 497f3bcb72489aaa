"""Issue 13 point 16: every lead records where, when and under which text version consent was
given: platform forms (platform, form id, submit time) and API callers included."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from funnel.models import Lead
from funnel.payload import Consent, LeadPayload
from funnel.services.tokens import api_token_create

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def published():
    from landing.models import ConsentText

    for version in ("health-2026-01", "health-2026-02"):
        ConsentText.objects.create(version=version, text=f"健康信息授权 {version}")


def _platform(phone: str = "13800138000", **extra) -> LeadPayload:
    return LeadPayload(
        phone=phone,
        name="王",
        channel="douyin",
        account="华东1",
        consent=Consent(given=True, source="douyin:platform_form"),
        consent_required=False,
        occurred_at="2026-11-20T09:30:00+08:00",
        extra=extra,
    )


def test_a_platform_lead_records_platform_form_and_submit_time(ingest) -> None:
    outcome = ingest(_platform(site_id="7301"))

    lead = Lead.objects.get(pk=outcome.lead_id)
    assert lead.consent_version == "douyin-form:7301"
    assert lead.consent_source == "douyin:platform_form@华东1"
    assert lead.consent_given_at == dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)


def test_a_platform_lead_without_a_form_id_still_has_a_consent_record(ingest) -> None:
    outcome = ingest(_platform())

    lead = Lead.objects.get(pk=outcome.lead_id)
    assert lead.consent_version == "douyin-form:unknown"
    assert lead.consent_given_at is not None


def test_a_later_touch_without_a_version_keeps_the_recorded_consent(ingest) -> None:
    first = ingest(_platform(site_id="7301"))
    later = _platform(site_id="9999")
    later.occurred_at = "2026-11-25T10:00:00+08:00"
    ingest(later)

    lead = Lead.objects.get(pk=first.lead_id)
    assert lead.consent_version == "douyin-form:7301"
    assert lead.consent_given_at == dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("consent", "version"),
    [
        ({"consent": True}, "api:unversioned"),
        ({"consent": True, "consent_version": "health-2026-01"}, "health-2026-01"),
        ({"consent": {"given": True, "version": "health-2026-02"}}, "health-2026-02"),
    ],
)
def test_an_api_lead_records_its_client_version_and_time(client, consent, version) -> None:
    headers = {"Authorization": f"Bearer {api_token_create(name='crm')}"}
    body = {"phone": "13800138000", "name": "张三", "channel": "api", **consent}
    answer = client.post(
        "/api/v1/leads", data=json.dumps(body), content_type="application/json", headers=headers
    )

    lead = Lead.objects.get(pk=answer.json()["lead_id"])
    assert (lead.consent_version, lead.consent_source) == (version, "api:crm")
    assert lead.consent_given_at is not None


# --- review of point 16 -----------------------------------------------------------------------


def _api(client, body: dict):
    headers = {"Authorization": f"Bearer {api_token_create(name='crm')}"}
    base = {"phone": "13800138000", "name": "张三", "channel": "api"}
    return client.post(
        "/api/v1/leads",
        data=json.dumps({**base, **body}, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize(
    ("channel", "extra", "version"),
    [
        ("douyin", {"site_id": "7301", "module_id": "7302"}, "douyin-form:7302"),
        ("douyin", {"site_id": "7301"}, "douyin-form:7301"),
        ("xiaohongshu", {"landing_page_id": "6612345678"}, "xiaohongshu-form:6612345678"),
        ("baidu", {"site_id": "55", "page_id": "66"}, "baidu-form:66"),
        ("baidu", {"site_id": "55"}, "baidu-form:55"),
    ],
)
def test_every_platforms_form_id_names_the_consent_version(ingest, channel, extra, version):
    payload = _platform(**extra)
    payload.channel = channel
    payload.consent = Consent(given=True, source=f"{channel}:platform_form")

    lead = Lead.objects.get(pk=ingest(payload).lead_id)

    assert lead.consent_version == version


def test_the_xiaohongshu_connector_keeps_its_form_id_for_the_consent_record(ingest) -> None:
    from channels.xiaohongshu.mapping import map_push

    body = {
        "timestamp": 1793500893000,
        "data": {
            "landing_page_id": 6612345678,
            "submitted_time": "2026-11-01 10:21:33",
            "leads_id": "L1",
            "data": [
                {"label": "姓名", "value": "李四"},
                {"label": "手机号", "value": "13900000000"},
            ],
        },
    }
    _ext, payload = map_push(body, account="xhs")

    lead = Lead.objects.get(pk=ingest(payload).lead_id)

    assert lead.consent_version == "xiaohongshu-form:6612345678"


def test_the_douyin_connector_keeps_the_form_module_id() -> None:
    from channels.douyin.mapping import map_pull

    record = {
        "clue_id": "c1",
        "telephone": "13800000000",
        "site_id": "729001",
        "module_id": "729002",
    }
    _ext, payload = map_pull(record, account="dy")

    assert payload.extra["module_id"] == "729002"


BAD_TIMES = [
    ("0001-01-01T00:00:00Z", "invalid_consent_time"),
    ("0001-01-01T00:00:00+14:00", "invalid_consent_time"),
    ("9999-12-31T23:59:59-12:00", "invalid_consent_time"),
    ("9999-12-31T23:59:59+00:00", "consent_time_in_future"),
    ("1999-12-31T23:59:59+08:00", "invalid_consent_time"),
    ("2026-11-20T09:30:00", "invalid_consent_time"),  # naive: whose 09:30?
    ("2026-02-30T09:30:00+08:00", "invalid_consent_time"),
    ("yesterday", "invalid_consent_time"),
    ("2026年11月20日", "invalid_consent_time"),
    ("2999-01-01T00:00:00+08:00", "consent_time_in_future"),
]


@pytest.mark.parametrize(("at", "code"), BAD_TIMES)
def test_an_api_consent_time_that_cannot_be_true_is_422_with_its_code(client, at, code) -> None:
    answer = _api(client, {"consent": {"given": True, "version": "health-2026-01", "at": at}})

    assert (answer.status_code, answer.json()["error"]) == (422, code)
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("at", [0, 1793500893, 1.5e12, True, None, [], {}])
def test_an_api_consent_time_that_is_not_a_string_is_422(client, at) -> None:
    answer = _api(client, {"consent": {"given": True, "version": "health-2026-01", "at": at}})

    assert answer.status_code == 422
    assert answer.json()["error"]
    assert Lead.objects.count() == 0


def test_an_api_consent_time_a_little_ahead_is_taken_as_now(client) -> None:
    from django.utils import timezone

    ahead = (timezone.now() + dt.timedelta(minutes=2)).isoformat()
    answer = _api(client, {"consent": {"given": True, "version": "health-2026-01", "at": ahead}})

    assert answer.status_code == 201
    assert Lead.objects.get().consent_given_at <= timezone.now()


@pytest.mark.parametrize(
    "body",
    [
        {"consent": True, "consent_version": "health-2099"},
        {"consent": {"given": True, "version": "made-up"}},
        {"consent": {"given": True}, "consent_version": "made-up"},
    ],
)
def test_an_api_consent_version_never_published_is_422(client, body) -> None:
    answer = _api(client, body)

    assert (answer.status_code, answer.json()["error"]) == (422, "unknown_consent_version")
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("channel", ["douyin", "xiaohongshu", "baidu"])
def test_an_api_lead_naming_a_platform_records_the_api_clients_consent(client, channel) -> None:
    answer = _api(client, {"channel": channel, "consent": True})

    lead = Lead.objects.get(pk=answer.json()["lead_id"])
    assert (lead.consent_version, lead.consent_source) == ("api:unversioned", "api:crm")


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"occurred_at": "2999-01-01T00:00:00+08:00"}, "consent_time_in_future"),
        ({"consent_at": "0001-01-01T00:00:00+14:00"}, "invalid_consent_time"),
        ({"consent_at": "9999-12-31T23:59:59-12:00"}, "invalid_consent_time"),
        ({"consent_at": "2999-01-01T00:00:00+08:00"}, "consent_time_in_future"),
        ({"consent_at": "not a time"}, "invalid_consent_time"),
    ],
)
def test_a_platform_record_with_an_impossible_consent_time_is_quarantined(patch, code) -> None:
    from funnel.models import InboundLead
    from funnel.services.intake import IntakeSource, Processing, leads_intake

    payload = _platform()
    payload.occurred_at = patch.get("occurred_at", payload.occurred_at)
    if "consent_at" in patch:
        payload.consent = Consent(given=True, source="douyin:platform_form", at=patch["consent_at"])

    leads_intake(
        source=IntakeSource(channel="douyin", account="华东1"),
        records=[("c-1", {"clue_id": "c-1"}, payload)],
        processing=Processing.NOW,
    )

    inbound = InboundLead.objects.get()
    assert (inbound.status, inbound.reason) == ("quarantined", code)
    assert Lead.objects.count() == 0
