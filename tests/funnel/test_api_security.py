"""Issue 13 points 6 and 20, issue 14 leftover a: the lead API's keys are per client, a key
reused with another body changes nothing, attribution is from known channels, and every
received value is bounded like the other intake paths (cut, the raw record kept whole)."""

from __future__ import annotations

import json

import pytest

from funnel.models import IdempotencyKey, InboundLead, Lead, Touchpoint
from funnel.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads"
BODY = {"phone": "13800138000", "name": "张三", "channel": "api", "consent": True}


def _bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(name=name)}"}


def _post(client, body, headers):
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def test_two_clients_with_the_same_key_are_two_requests(client) -> None:
    # given two API clients that both number their requests "1"
    crm, erp = _bearer("crm"), _bearer("erp")
    first = _post(client, {**BODY, "campaign": "春季"}, {**crm, "Idempotency-Key": "1"})
    # when the other client sends another person with the same key
    other = {**BODY, "phone": "13900139000", "campaign": "秋季"}
    second = _post(client, other, {**erp, "Idempotency-Key": "1"})
    # then both are created, and the first lead's touchpoint is untouched
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["lead_id"] != second.json()["lead_id"]
    touch = Touchpoint.objects.get(lead_id=first.json()["lead_id"])
    assert touch.campaign_name == "春季"
    assert Lead.objects.count() == 2


def test_the_same_key_with_another_body_is_422_and_changes_nothing(client) -> None:
    crm = {**_bearer("crm"), "Idempotency-Key": "lead-7"}
    first = _post(client, {**BODY, "campaign": "春季"}, crm)
    reused = _post(client, {**BODY, "phone": "13900139000", "campaign": "秋季"}, crm)

    assert first.status_code == 201
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.get().campaign_name == "春季"
    assert InboundLead.objects.count() == 1
    # and an exact retry still answers the first answer, marked as a replay
    retry = _post(client, {**BODY, "campaign": "春季"}, crm)
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry["Idempotent-Replayed"] == "true"


def test_a_quarantined_answer_is_remembered_for_its_key(client) -> None:
    crm = {**_bearer("crm"), "Idempotency-Key": "bad-1"}
    first = _post(client, {**BODY, "phone": "12345"}, crm)
    retry = _post(client, {**BODY, "phone": "12345"}, crm)

    assert (first.status_code, first.json()["error"]) == (422, "invalid_phone")
    assert (retry.status_code, retry.json()) == (422, first.json())
    assert InboundLead.objects.count() == 1
    assert IdempotencyKey.objects.get().endpoint == "lead_create"


@pytest.mark.parametrize("channel", ["weixin", "", "DOUYIN", "douyin ", "<script>"])
def test_unknown_channels_are_refused_with_their_code(client, channel) -> None:
    answer = _post(client, {**BODY, "channel": channel}, _bearer("crm"))

    assert (answer.status_code, answer.json()["error"]) == (422, "unknown_channel")
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("channel", ["api", "landing", "referral"])
def test_known_channels_are_accepted(client, channel) -> None:
    answer = _post(client, {**BODY, "channel": channel}, _bearer("crm"))

    assert answer.status_code == 201
    assert Touchpoint.objects.get().channel == channel


def test_utm_is_bounded_in_entries_keys_and_values(client) -> None:
    # given a caller sending 40 UTM entries with long keys and values (~56 KiB)
    utm = {f"utm_{i:02d}_" + "k" * 60: "v" * 1200 for i in range(40)}
    answer = _post(client, {**BODY, "utm": utm}, _bearer("crm"))
    # then the lead is created with bounded UTM (funnel.payload bounds)
    assert answer.status_code == 201
    stored = Touchpoint.objects.get().utm
    assert len(stored) == 10
    assert max(len(k) for k in stored) == 32
    assert max(len(v) for v in stored.values()) == 200
    # and the raw record keeps what was received
    assert len(InboundLead.objects.get().raw["utm"]) == 40


def test_a_non_text_utm_value_is_a_clear_422(client) -> None:
    answer = _post(client, {**BODY, "utm": {"utm_source": {"nested": 1}}}, _bearer("crm"))

    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_body")


def test_oversized_text_fields_are_cut_not_refused(client) -> None:
    # given values longer than their columns (a CRM that pastes whole notes into campaign)
    body = {
        **BODY,
        "name": "名" * 300,
        "campaign": "活" * 5000,
        "keyword": "k" * 900,
        "bd_vid": "b" * 3000,
        "referral_code": "R" * 100,
        "city": "城" * 400,
    }
    answer = _post(client, body, _bearer("crm"))
    # then the lead is made with every value cut to its column
    assert answer.status_code == 201
    touch = Touchpoint.objects.get()
    assert (len(touch.campaign_name), len(touch.keyword)) == (200, 200)
    assert len(touch.click_ids["bd_vid"]) == 500
    # and the raw record keeps them whole
    raw = InboundLead.objects.get().raw
    assert (len(raw["campaign"]), len(raw["bd_vid"])) == (5000, 3000)


def test_a_body_over_the_limit_is_413(client) -> None:
    body = {**BODY, "concern": "x" * (2 * 1024 * 1024)}
    answer = _post(client, body, _bearer("crm"))

    assert (answer.status_code, answer.json()["error"]) == (413, "payload_too_large")
    assert InboundLead.objects.count() == 0


def test_events_bodies_are_bounded_too(client) -> None:
    auth = _bearer("crm")
    lead_id = _post(client, BODY, auth).json()["lead_id"]
    answer = client.post(
        f"{URL}/{lead_id}/events",
        data=json.dumps({"note": "x" * (2 * 1024 * 1024)}),
        content_type="application/json",
        headers=auth,
    )
    assert (answer.status_code, answer.json()["error"]) == (413, "payload_too_large")


# --- Idempotency-Key length and form (review of point 6) ------------------------------------


@pytest.mark.parametrize("endpoint", ["leads", "events"])
def test_keys_differing_only_after_128_chars_never_collide(client, endpoint) -> None:
    # given a client whose keys share their first 128 characters
    crm = _bearer("crm")
    stem = "k" * 128
    url = URL
    body = {**BODY, "campaign": "春季"}
    if endpoint == "events":
        lead_id = _post(client, BODY, crm).json()["lead_id"]
        url, body = f"/api/v1/leads/{lead_id}/events", {"note": "第一次"}
    leads, keys = Lead.objects.count(), IdempotencyKey.objects.count()

    # when each is sent (another body each time)
    first = client.post(
        url,
        data=body,
        content_type="application/json",
        headers={**crm, "Idempotency-Key": stem + "-a"},
    )
    other = {**body, "phone": "13900139000"} if endpoint == "leads" else {"note": "第二次"}
    second = client.post(
        url,
        data=other,
        content_type="application/json",
        headers={**crm, "Idempotency-Key": stem + "-b"},
    )

    # then both are refused with a code (never cut, so never one key), nothing stored
    for answer in (first, second):
        assert (answer.status_code, answer.json()["error"]) == (422, "idempotency_key_too_long")
    assert Lead.objects.count() == leads
    assert IdempotencyKey.objects.count() == keys
    assert InboundLead.objects.filter(external_id__startswith="t").count() == 0


def test_a_key_of_exactly_128_chars_is_kept_whole(client) -> None:
    crm = {**_bearer("crm"), "Idempotency-Key": "k" * 127 + "z"}
    first = _post(client, BODY, crm)
    again = _post(client, BODY, crm)

    assert first.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().key == "k" * 127 + "z"


@pytest.mark.parametrize("key", ["a\x00b", "a\tb", "a\x1bb", "a\x7fb"])
def test_a_key_with_control_characters_is_refused(client, key) -> None:
    answer = _post(client, BODY, {**_bearer("crm"), "Idempotency-Key": key})

    assert (answer.status_code, answer.json()["error"]) == (422, "idempotency_key_invalid")
    assert Lead.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
