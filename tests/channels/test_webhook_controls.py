"""A platform push carrying a NUL or another C0/C1 control character in a keyword, a campaign,
a city, a click id, a form answer or its own lead id becomes a lead with the characters
dropped (the raw body kept as sent), never a record quarantined `invalid_value` (PostgreSQL
refuses a NUL in text and jsonb) nor a push refused with 503 for ever. Run on SQLite and on
PostgreSQL."""

from __future__ import annotations

import json

import pytest

from funnel.models import InboundLead, InboundStatus, Lead, Touchpoint
from tests.channels.conftest import drain, payload
from tests.channels.test_webhooks import douyin_headers, post, url, xhs_body, xhs_headers

pytestmark = pytest.mark.django_db

DIRTY = "脱\u0000发\u0001怎\u001b么\u007f治\u0085疗"
CLEAN = "脱发怎么治疗"


def _processed() -> tuple[InboundLead, Touchpoint]:
    drain()
    row = InboundLead.objects.get()
    assert (row.status, row.reason) == (InboundStatus.PROCESSED, "")
    return row, Touchpoint.objects.get()


@pytest.mark.parametrize(
    ("field", "stored"),
    [
        ("keyword", lambda touch: touch.keyword),
        ("campaign_name", lambda touch: touch.campaign_name),
        ("campaign_id", lambda touch: touch.campaign_id),
    ],
)
def test_a_signed_xiaohongshu_push_with_control_characters_becomes_a_lead(
    client, make_account, field, stored
):
    make_account("xiaohongshu", "xhs")
    body = xhs_body()
    body["data"][field] = DIRTY
    raw = json.dumps(body).encode()  # the escapes \u0000 …, as a platform sends them
    answer = post(client, url("xiaohongshu", "xhs"), raw, **xhs_headers(raw))
    assert answer.status_code == 200
    row, touch = _processed()
    assert stored(touch) == CLEAN
    assert row.raw["data"][field] == DIRTY


def test_a_signed_xiaohongshu_push_with_a_nul_in_a_form_answer_keeps_the_answer(
    client, make_account
):
    make_account("xiaohongshu", "xhs")
    body = xhs_body()
    body["data"]["data"].append({"label": "病\u0000程", "value": "两\u0000年"})
    raw = json.dumps(body).encode()
    assert post(client, url("xiaohongshu", "xhs"), raw, **xhs_headers(raw)).status_code == 200
    _processed()
    assert Lead.objects.get().answers["病程"] == "两年"


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("area", "广东-" + DIRTY, lambda touch: touch.lead.city),
        ("bd_vid", DIRTY, lambda touch: touch.click_ids["bd_vid"]),
        ("plan_id", DIRTY, lambda touch: touch.campaign_id),
        ("plan_name", DIRTY, lambda touch: touch.campaign_name),
        ("search_word", DIRTY, lambda touch: touch.keyword),
    ],
    ids=["area", "bd_vid", "plan_id", "plan_name", "search_word"],
)
def test_a_baidu_push_with_control_characters_becomes_a_lead(
    client, make_account, field, value, stored
):
    make_account("baidu", "bd", webhook_secret="bd-push-token")
    body = {**payload("baidu_push_first.json"), field: value}
    answer = post(client, url("baidu", "bd"), json.dumps(body).encode())
    assert answer.content == b"success"
    row, touch = _processed()
    assert stored(touch) == CLEAN
    assert row.raw[field] == value


def test_a_signed_douyin_push_whose_lead_id_holds_a_nul_is_stored_and_made_a_lead(
    client, make_account
):
    make_account("douyin", "dy")
    body = {**payload("douyin_feiyu_push.json"), "id": "73640\u00001234"}
    raw = json.dumps(body).encode()
    first = post(client, url("douyin", "dy"), raw, **douyin_headers(body["id"]))
    again = post(client, url("douyin", "dy"), raw, **douyin_headers(body["id"]))
    assert (first.status_code, again.status_code) == (200, 200)
    row, _ = _processed()
    # the id is kept under a digest (as an over-long id is), the same record on a re-send
    assert row.external_id.startswith("sha256:")
    assert row.raw["id"] == "73640\u00001234"
    assert Lead.objects.count() == 1
