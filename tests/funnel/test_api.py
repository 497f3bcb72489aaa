from __future__ import annotations

import json
from decimal import Decimal

import pytest

from funnel.models import InboundLead, Lead, Order, Touchpoint
from funnel.services.tokens import api_token_create
from tests.funnel.factories import PackageFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads"


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(name='crm')}"}


def _post(client, body, headers=None, url=URL):
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(url, data=data, content_type="application/json", headers=headers or {})


BODY = {
    "phone": "138 0013 8000",
    "name": "张三",
    "channel": "api",
    "consent": True,
    "specialty": "脱发",
    "campaign": "春季植发",
    "keyword": "脱发怎么治疗",
    "bd_vid": "abc",
}


def test_create_lead(client, auth) -> None:
    response = _post(client, BODY, {**auth, "Idempotency-Key": "k1"})

    assert response.status_code == 201
    body = response.json()
    assert body["result"] == "created"
    touch = Touchpoint.objects.get(lead_id=body["lead_id"])
    assert (touch.campaign_name, touch.keyword, touch.click_ids) == (
        "春季植发",
        "脱发怎么治疗",
        {"bd_vid": "abc"},
    )


def test_replayed_idempotency_key_returns_the_first_response(client, auth) -> None:
    first = _post(client, BODY, {**auth, "Idempotency-Key": "same"})
    second = _post(client, BODY, {**auth, "Idempotency-Key": "same"})

    assert second.status_code == first.status_code == 201
    assert second.json() == first.json()
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.count() == 1


def test_same_person_without_key_is_merged(client, auth) -> None:
    _post(client, BODY, auth)
    again = _post(client, {**BODY, "phone": "+86 138-0013-8000"}, auth)

    assert again.status_code == 200
    assert again.json()["result"] == "merged"
    assert Touchpoint.objects.count() == 2


def test_unusable_phone_answers_422_with_code_and_keeps_the_record(client, auth) -> None:
    response = _post(client, {**BODY, "phone": "12345"}, auth)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_phone"
    assert InboundLead.objects.get(pk=body["inbound_id"]).status == "quarantined"
    assert Lead.objects.count() == 0


def test_no_consent_answers_422(client, auth) -> None:
    response = _post(client, {**BODY, "consent": False}, auth)

    assert (response.status_code, response.json()["error"]) == (422, "consent_required")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "malformed_body"),
        ({"name": "缺手机"}, 422, "invalid_body"),
        ({**BODY, "age": "old"}, 422, "invalid_body"),
        ([1, 2, 3], 422, "invalid_body"),
    ],
)
def test_bad_bodies_get_4xx_codes_never_500(client, auth, body, status, code) -> None:
    response = _post(client, body, auth)

    assert response.status_code == status
    assert response.json()["error"] == code
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "header", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}]
)
def test_missing_or_wrong_token_is_401(client, header) -> None:
    response = _post(client, BODY, header)

    assert (response.status_code, response.json()["error"]) == (401, "invalid_token")
    assert InboundLead.objects.count() == 0


def test_events_change_stage_and_record_payment(client, auth) -> None:
    package = PackageFactory(slug="hair-loss-3m")
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    url = f"{URL}/{lead_id}/events"

    contacted = _post(client, {"stage": "contacted", "note": "已加微"}, auth, url)
    paid = _post(
        client, {"stage": "paid", "amount": "1980.00", "package": "hair-loss-3m"}, auth, url
    )

    assert (contacted.status_code, contacted.json()) == (
        200,
        {"lead_id": lead_id, "stage": "contacted"},
    )
    assert paid.json()["stage"] == "paid"
    order = Order.objects.get()
    assert (str(order.amount), order.package_id) == ("1980.00", package.pk)


def test_events_refuse_forbidden_moves_and_unknown_leads(client, auth) -> None:
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    _post(client, {"stage": "consulted"}, auth, f"{URL}/{lead_id}/events")

    back = _post(client, {"stage": "contacted"}, auth, f"{URL}/{lead_id}/events")
    unknown = _post(client, {"stage": "contacted"}, auth, f"{URL}/999999/events")
    bogus = _post(client, {"stage": "cured"}, auth, f"{URL}/{lead_id}/events")

    assert (back.status_code, back.json()["error"]) == (409, "forbidden_transition")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "lead_not_found")
    assert (bogus.status_code, bogus.json()["error"]) == (422, "unknown_stage")
    assert Lead.objects.get(pk=lead_id).stage == "consulted"


def test_openapi_schema_is_served(client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert "/api/v1/leads" in response.json()["paths"]


def test_a_retried_payment_is_one_order_and_never_a_false_repurchase(client, auth) -> None:
    # given a lead, and a payment sent twice with one Idempotency-Key (a network retry)
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    url = f"{URL}/{lead_id}/events"
    pay = {"stage": "paid", "amount": "699.00"}
    first = _post(client, pay, {**auth, "Idempotency-Key": "pay-1"}, url)
    retry = _post(client, pay, {**auth, "Idempotency-Key": "pay-1"}, url)
    # then one order, the lead paid (not repurchased), and the retry answered the same
    assert Order.objects.count() == 1
    assert Lead.objects.get(pk=lead_id).stage == "paid"
    assert (first.status_code, first.json()) == (200, {"lead_id": lead_id, "stage": "paid"})
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    # while a second payment with a new key is a real repurchase
    again = _post(client, pay, {**auth, "Idempotency-Key": "pay-2"}, url)
    assert again.json()["stage"] == "repurchased"
    assert Order.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(client, auth) -> None:
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    url = f"{URL}/{lead_id}/events"
    keyed = {**auth, "Idempotency-Key": "k"}
    _post(client, {"stage": "paid", "amount": "699.00"}, keyed, url)
    other = _post(client, {"stage": "paid", "amount": "9.00"}, keyed, url)
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    assert list(Order.objects.values_list("amount", flat=True)) == [Decimal("699.00")]


def test_a_refusal_is_remembered_too_and_keys_are_per_client(client, auth) -> None:
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    url = f"{URL}/{lead_id}/events"
    refused = _post(client, {"stage": "cured"}, {**auth, "Idempotency-Key": "x"}, url)
    again = _post(client, {"stage": "cured"}, {**auth, "Idempotency-Key": "x"}, url)
    assert (refused.status_code, again.status_code) == (422, 422)
    assert again.json() == refused.json()
    # another client using the same key is not that request
    other = {"Authorization": f"Bearer {api_token_create(name='erp')}"}
    theirs = _post(client, {"stage": "contacted"}, {**other, "Idempotency-Key": "x"}, url)
    assert (theirs.status_code, theirs.json()["stage"]) == (200, "contacted")


def test_the_schema_declares_the_key_and_every_answer(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/leads", "/api/v1/leads/{lead_id}/events"):
        operation = schema["paths"][path]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in headers
        assert {"400", "401", "403", "422"} <= set(operation["responses"])
    events = schema["paths"]["/api/v1/leads/{lead_id}/events"]["post"]["responses"]
    assert {"200", "400", "401", "404", "409", "422"} <= set(events)


@pytest.mark.parametrize(
    "amount", ["NaN", "nan", "Infinity", "-inf", "1e15", "10000000000", "-1", "12abc", "1e-999999"]
)
def test_impossible_amounts_are_refused_with_their_code(client, auth, amount) -> None:
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    answer = _post(client, {"stage": "paid", "amount": amount}, auth, f"{URL}/{lead_id}/events")
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_amount")
    assert Order.objects.count() == 0
    assert Lead.objects.get(pk=lead_id).stage == "new"
