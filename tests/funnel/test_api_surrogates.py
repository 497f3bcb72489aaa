"""Issue 13 review: a lone surrogate (U+D800–U+DFFF) anywhere in an API body is a 422
`string_unicode` with nothing stored, never a 500 (it cannot be encoded as UTF-8, so neither
the idempotency digest nor the PII encryption nor PostgreSQL jsonb could take it)."""

from __future__ import annotations

import json

import pytest

from funnel.models import IdempotencyKey, InboundLead, Lead
from funnel.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads"
BODY = {"phone": "13700009041", "name": "王五", "channel": "api", "consent": True}


def _bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(name='crm')}"}


def _post(client, url: str, body: dict, headers: dict):
    # json.dumps writes a lone surrogate as the escape \ud800, as a client would send it
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


BAD = ["\ud800", "张\udfff三", "\udbff\udc00x"[::-1]]
FIELDS = ["name", "keyword", "city", "concern", "campaign", "phone", "specialty", "bd_vid"]


@pytest.mark.parametrize("key", ["", "retry-1"])
@pytest.mark.parametrize("field", FIELDS)
def test_a_lone_surrogate_in_any_lead_field_is_422_and_stores_nothing(client, field, key):
    headers = {**_bearer(), **({"Idempotency-Key": key} if key else {})}
    answer = _post(client, URL, {**BODY, field: "\ud800"}, headers)
    assert answer.status_code == 422
    assert answer.json()["error"] == "string_unicode"
    assert (InboundLead.objects.count(), Lead.objects.count()) == (0, 0)
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    "where",
    ["utm_key", "utm_value", "consent_version", "consent_at", "unknown_key", "nested_unknown"],
)
def test_a_lone_surrogate_in_a_key_or_nested_value_is_422(client, where, bad):
    body = dict(BODY)
    if where == "utm_key":
        body["utm"] = {f"utm_{bad}": "a"}
    elif where == "utm_value":
        body["utm"] = {"utm_source": bad}
    elif where == "consent_version":
        body["consent"] = {"given": True, "version": bad, "at": "2026-11-01T10:00:00+08:00"}
    elif where == "consent_at":
        body["consent"] = {"given": True, "at": bad}
    elif where == "unknown_key":
        body[bad] = "x"
    else:
        body["extra"] = [{"deep": [bad]}]
    answer = _post(client, URL, body, {**_bearer(), "Idempotency-Key": "k"})
    assert (answer.status_code, answer.json()["error"]) == (422, "string_unicode")
    assert InboundLead.objects.count() == 0


def test_a_lone_surrogate_in_an_event_is_422_with_the_same_code(client):
    bearer = _bearer()
    created = _post(client, URL, BODY, bearer)
    lead_id = created.json()["lead_id"]
    answer = _post(client, f"/api/v1/leads/{lead_id}/events", {"note": "备注\ud800"}, bearer)
    assert (answer.status_code, answer.json()["error"]) == (422, "string_unicode")


def test_escaped_backslash_u_text_is_an_ordinary_string(client):
    # a literal backslash followed by "ud800" is six ordinary characters, not a surrogate
    answer = _post(client, URL, {**BODY, "concern": "\\ud800 看起来像转义"}, _bearer())
    assert answer.status_code == 201
    assert InboundLead.objects.get().raw["concern"] == "\\ud800 看起来像转义"


# Issue 13 review point 3: a retry after withdrawal says the person was withdrawn, not that
# the client sent another body (the body digest is wiped with the person).


@pytest.mark.parametrize("same_body", [True, False])
def test_a_retry_after_withdrawal_answers_person_anonymized(client, same_body):
    from funnel.services.pii import consent_withdraw

    headers = {**_bearer(), "Idempotency-Key": "lead-after-withdrawal"}
    created = _post(client, URL, BODY, headers)
    assert created.status_code == 201
    consent_withdraw(lead_id=created.json()["lead_id"], actor_label="患者来电")

    body = BODY if same_body else {**BODY, "campaign": "秋季"}
    retry = _post(client, URL, body, headers)
    assert (retry.status_code, retry.json()["error"]) == (422, "person_anonymized")
    assert InboundLead.objects.count() == 1
    assert Lead.objects.filter(anonymized_at__isnull=True).count() == 0


def test_an_event_retry_after_withdrawal_answers_person_anonymized(client):
    from funnel.services.pii import consent_withdraw

    bearer = _bearer()
    lead_id = _post(client, URL, BODY, bearer).json()["lead_id"]
    event_url = f"/api/v1/leads/{lead_id}/events"
    headers = {**bearer, "Idempotency-Key": "note-1"}
    assert _post(client, event_url, {"note": "已电话沟通"}, headers).status_code == 200
    consent_withdraw(lead_id=lead_id, actor_label="患者来电")

    retry = _post(client, event_url, {"note": "已电话沟通"}, headers)
    assert (retry.status_code, retry.json()["error"]) == (422, "person_anonymized")
