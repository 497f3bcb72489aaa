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
