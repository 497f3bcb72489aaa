"""A NUL or another C0/C1 control character in any text of a lead (keyword, campaign, city,
referral code, a UTM key or value, a click id) is dropped where intake bounds the payload, for
every source; the raw record keeps what was sent. PostgreSQL refused such a value (text and
jsonb), which quarantined the record `invalid_value` with no way back and answered the API
caller with the database's error text. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.db import DataError

from funnel import errors
from funnel.models import InboundLead, InboundStatus, Lead, Touchpoint
from funnel.payload import Consent, LeadPayload, payload_bounded
from funnel.services import intake
from funnel.services.referrals import referral_code_ensure
from funnel.services.tokens import api_token_create
from funnel.textclean import controls_dropped
from tests.funnel.factories import payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads"
# NUL, other C0 controls (SOH, ESC), DEL and C1 controls (NEL, APC) between the letters
DIRTY = "脱\u0000发\u0001怎\u001b么\u007f治\u0085疗\u009f"
CLEAN = "脱发怎么治疗"
BODY = {"phone": "138 0013 8000", "name": "张三", "channel": "api", "consent": True}


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(name='crm')}"}


def _post(client, body: dict, headers: dict):
    return client.post(URL, data=json.dumps(body), content_type="application/json", headers=headers)


def _touch(answer) -> Touchpoint:
    assert answer.status_code == 201, answer.content
    return Touchpoint.objects.get(lead_id=answer.json()["lead_id"])


@pytest.mark.parametrize(
    ("field", "stored"),
    [
        ("keyword", lambda touch: touch.keyword),
        ("campaign", lambda touch: touch.campaign_name),
        ("campaign_id", lambda touch: touch.campaign_id),
        ("city", lambda touch: touch.lead.city),
        ("bd_vid", lambda touch: touch.click_ids["bd_vid"]),
        ("clickid", lambda touch: touch.click_ids["clickid"]),
        ("callback", lambda touch: touch.click_ids["callback"]),
        ("click_id", lambda touch: touch.click_ids["click_id"]),
    ],
)
def test_control_characters_in_an_api_field_are_dropped_and_the_raw_kept(
    client, auth, field, stored
) -> None:
    # when an API client sends the field with NUL and other control characters in it
    answer = _post(client, {**BODY, field: DIRTY}, {**auth, "Idempotency-Key": f"k-{field}"})
    # then the lead is made with the value cleaned, and the raw record keeps what was sent
    assert stored(_touch(answer)) == CLEAN
    row = InboundLead.objects.get()
    assert row.raw[field] == DIRTY
    assert row.payload is not None
    assert "\u0000" not in json.dumps(row.payload)


def test_control_characters_in_utm_keys_and_values_are_dropped(client, auth) -> None:
    utm = {"utm_\u0000source": "baidu\u0000", "utm_term": DIRTY}
    answer = _post(client, {**BODY, "utm": utm}, {**auth, "Idempotency-Key": "k-utm"})
    assert _touch(answer).utm == {"utm_source": "baidu", "utm_term": CLEAN}
    assert InboundLead.objects.get().raw["utm"] == utm


def test_a_referral_code_with_a_nul_still_finds_its_referrer(client, auth) -> None:
    # given a patient with a referral code
    referrer = _touch(_post(client, {**BODY, "phone": "13900000001"}, auth)).lead
    code = referral_code_ensure(lead_id=referrer.pk)
    # when a friend's lead arrives with the code and a NUL inside it
    dirty = code[:2] + "\u0000" + code[2:]
    answer = _post(client, {**BODY, "referral_code": dirty}, auth)
    # then it is a lead bound to the referrer
    assert _touch(answer).referrer_id == referrer.pk


def test_free_text_keeps_its_lines_and_tabs_but_no_other_control(client, auth) -> None:
    concern = "掉发两年\r\n\t晚上\u0000睡不好\u0007"
    answer = _post(client, {**BODY, "concern": concern}, auth)
    lead = _touch(answer).lead
    assert lead.answers["concern"] == "掉发两年\r\n\t晚上睡不好"


def test_a_record_the_database_refuses_answers_a_code_and_a_message_only(
    client, auth, monkeypatch
) -> None:
    # given the database refusing a value (as PostgreSQL refused a NUL in jsonb: its error
    # names the statement's parameters and quotes the value)
    def refused(**kwargs):
        raise DataError(
            "unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted to "
            'text.\nCONTEXT:  JSON data, line 1: {"utm_source": "a\\u0000...\nunnamed '
            "portal parameter $12"
        )

    monkeypatch.setattr("funnel.services.ingest.leads_ingest", refused)
    # when a lead is sent
    answer = _post(client, BODY, {**auth, "Idempotency-Key": "k-refused"})
    # then the caller gets the code and its Chinese/English message, nothing of the database
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == errors.INVALID_VALUE
    assert body["message"] == errors.MESSAGES[errors.INVALID_VALUE]
    for leaked in ("portal", "Unicode", "DETAIL", "CONTEXT", "u0000", "DataError"):
        assert leaked not in answer.content.decode()
    # and staff see the same words on the quarantined record
    row = InboundLead.objects.get(pk=body["inbound_id"])
    assert (row.status, row.reason) == (InboundStatus.QUARANTINED, errors.INVALID_VALUE)
    assert row.detail == errors.MESSAGES[errors.INVALID_VALUE]


def test_a_record_quarantined_for_a_nul_before_the_fix_is_replayed_into_a_lead() -> None:
    # given a record an earlier version stored with its NULs and quarantined `invalid_value`
    stored = payload(
        "13800000021", keyword=DIRTY, utm={"utm_\u0000term": DIRTY}, click_ids={"bd_vid": DIRTY}
    ).to_dict()
    pk = InboundLead.objects.create(
        channel="api",
        external_id="old-1",
        raw={"keyword": DIRTY},
        payload=stored,
        status=InboundStatus.QUARANTINED,
        reason=errors.INVALID_VALUE,
    ).pk
    # when staff replay it from quarantine, changing nothing
    outcome = intake.intake_replay(inbound_id=pk)
    # then it becomes a lead with the values cleaned
    assert outcome.result == "created"
    touch = Touchpoint.objects.get()
    assert (touch.keyword, touch.utm, touch.click_ids) == (
        CLEAN,
        {"utm_term": CLEAN},
        {"bd_vid": CLEAN},
    )
    assert Lead.objects.count() == 1


def test_every_text_of_a_payload_is_cleaned_by_the_one_sanitiser() -> None:
    dirty = LeadPayload(
        phone="138\u00000013\u00018000",
        name="张\u0000三",
        city=DIRTY,
        concern="一\n二\u0000",
        answers={"病\u0000程": "两\u0000年\n"},
        campaign_id=DIRTY,
        keyword=DIRTY,
        referral_code="R\u0000X",
        click_ids={"bd\u0000_vid": DIRTY},
        utm={"utm\u0000_term": DIRTY},
        external_id="e\u0000x",
        occurred_at="2026-11-01T10:00:00+08:00\u0000",
        consent=Consent(given=True, version="v\u00001", source="s\u0000", at="t\u0000"),
        extra={"module\u0000_id": "F\u00001", "nested": [{"k\u0000": "v\u0000"}], "n": 3},
    )
    clean = payload_bounded(dirty)
    assert (clean.phone, clean.name, clean.city, clean.keyword) == (
        "13800138000",
        "张三",
        CLEAN,
        CLEAN,
    )
    assert (clean.concern, clean.answers) == ("一\n二", {"病程": "两年\n"})
    assert (clean.referral_code, clean.external_id) == ("RX", "ex")
    assert (clean.click_ids, clean.utm) == ({"bd_vid": CLEAN}, {"utm_term": CLEAN})
    assert clean.consent == Consent(given=True, version="v1", source="s", at="t")
    assert clean.extra == {"module_id": "F1", "nested": [{"k": "v"}], "n": 3}
    assert clean.occurred_at == "2026-11-01T10:00:00+08:00"


def test_the_sanitiser_drops_c0_and_c1_controls_and_keeps_other_text() -> None:
    every_control = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    assert controls_dropped("a" + every_control + "b") == "ab"
    assert controls_dropped("a" + every_control + "b", multiline=True) == "a\t\n\rb"
    # format characters (a zero-width joiner inside an emoji) are text, not controls
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert controls_dropped(family + "张三 ¥ 100") == family + "张三 ¥ 100"
    # values nobody reads (a click id from a URL) also lose the invisible ones
    assert controls_dropped("ab\u200e\u200bc\u0000", invisible=True) == "abc"
