"""`/channels/hooks/wecom/<account>/`: URL check and encrypted events (WECOM_FACTS.md)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from funnel.models import InboundLead, InboundStatus
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import (
    AES_KEY,
    CORP_ID,
    TOKEN,
    callback_request,
    event_xml,
    seal,
    sign,
)

pytestmark = pytest.mark.django_db


def _url(name: str = "clinic") -> str:
    return f"/channels/hooks/wecom/{name}/"


def test_url_verification_answers_the_plaintext_exactly(client, wecom_account):
    ts, nonce = str(int(time.time())), "263014780"
    echostr = seal("6471942163420184932")
    query = urlencode(
        {
            "msg_signature": sign(TOKEN, ts, nonce, echostr),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        }
    )
    response = client.get(f"{_url()}?{query}")
    assert response.status_code == 200
    assert response.content == b"6471942163420184932"  # no quotes, BOM or newline


def test_url_verification_forged_is_refused(client, wecom_account):
    ts, nonce = str(int(time.time())), "1"
    echostr = seal("123")
    query = urlencode(
        {
            "msg_signature": sign("other", ts, nonce, echostr),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        }
    )
    response = client.get(f"{_url()}?{query}")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"


def test_authentic_event_is_stored_and_answered_success(post_event):
    response = post_event(event_xml(State="yl1.nothing"))
    assert response.status_code == 200
    assert response.content == b"success"
    (row,) = InboundLead.objects.filter(channel="wecom")
    assert row.account_name == "clinic"
    assert row.raw["ExternalUserID"] == "wmEXTERNAL0001"
    assert row.raw["ChangeType"] == "add_external_contact"
    assert "wmEXTERNAL0001" not in row.external_id  # the key is a keyed digest
    assert row.status == InboundStatus.RECEIVED  # processed after the commit, by a task
    drain()
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED
    assert row.result == "unmatched"


def test_retries_are_one_record(post_event):
    xml = event_xml(CreateTime="1800000000")
    # WeCom retries the same event with a fresh nonce, timestamp and random prefix.
    assert post_event(xml).status_code == 200
    assert post_event(xml).status_code == 200
    assert post_event(xml, timestamp=int(time.time()) - 10).status_code == 200
    assert InboundLead.objects.filter(channel="wecom").count() == 1
    # A different event (another customer) is another record.
    assert (
        post_event(event_xml(CreateTime="1800000000", ExternalUserID="wmOTHER")).status_code == 200
    )
    assert InboundLead.objects.filter(channel="wecom").count() == 2


def test_two_identical_group_events_are_both_kept(post_event):
    """Review of issue 16: two patients joining one chat in the same second send identical
    `change_external_chat` events (no person in them); both are stored (their processing
    reads the whole chat, so a retry stored twice converges)."""
    xml = event_xml(
        Event="change_external_chat",
        ChangeType="update",
        ChatId="wrCHAT01",
        UpdateDetail="add_member",
        JoinScene="3",
        MemChangeCnt="1",
        CreateTime="1800000000",
        UserID="",
        ExternalUserID="",
    )
    assert post_event(xml).status_code == 200
    assert post_event(xml).status_code == 200
    assert InboundLead.objects.filter(channel="wecom").count() == 2


def test_a_long_authentic_event_is_not_cut_before_its_signature_check(post_event):
    # a ciphertext well over 2000 characters (about 1.5 KB of plain event and more)
    xml = event_xml(Remark="备注" * 1200, CreateTime="1800000001")
    answer = post_event(xml)
    assert answer.status_code == 200, answer.content
    assert InboundLead.objects.filter(channel="wecom").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"signature": "0" * 40}, 401, "invalid_signature"),
        ({"token": "not-the-token"}, 401, "invalid_signature"),
        ({"timestamp": int(time.time()) - 3600}, 401, "stale_timestamp"),
        ({"timestamp": int(time.time()) + 3600}, 401, "stale_timestamp"),
        ({"receive_id": "ww-another-corp"}, 401, "wrong_receiver"),
        ({"aes_key": "B" * 43}, 400, "decrypt_failed"),
    ],
    ids=["forged_signature", "wrong_token", "stale", "future", "wrong_receiver", "wrong_key"],
)
def test_forged_or_stale_is_refused_and_nothing_stored(post_event, kwargs, status, code):
    response = post_event(event_xml(), **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert not InboundLead.objects.exists()


def test_unknown_account_and_missing_parameters(client, wecom_account):
    query, body = callback_request(event_xml())
    response = client.post(f"{_url('nobody')}?{query}", data=body, content_type="text/xml")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_account"
    response = client.post(_url(), data=body, content_type="text/xml")
    assert response.status_code == 400
    assert response.json()["error"] == "missing_parameter"
    assert client.put(f"{_url()}?{query}", data=body).status_code == 405
    assert not InboundLead.objects.exists()


def test_csrf_exempt(wecom_account):
    strict = Client(enforce_csrf_checks=True)
    query, body = callback_request(event_xml())
    response = strict.post(f"{_url()}?{query}", data=body, content_type="text/xml")
    assert response.status_code == 200


def test_oversize_body_is_refused_before_reading(post_event, client, wecom_account, settings):
    settings.CHANNELS_WEBHOOK_MAX_BYTES = 2048
    query, body = callback_request(event_xml(State="x" * 4000))
    response = client.post(f"{_url()}?{query}", data=body, content_type="text/xml")
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert not InboundLead.objects.exists()


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<xml><Encrypt>&lol2;</Encrypt></xml>"
)


def test_entity_expansion_in_the_envelope_is_refused(client, wecom_account):
    ts, nonce = str(int(time.time())), "5"
    query = urlencode({"msg_signature": "0" * 40, "timestamp": ts, "nonce": nonce})
    response = client.post(f"{_url()}?{query}", data=BOMB.encode(), content_type="text/xml")
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_body"
    assert not InboundLead.objects.exists()


def test_authentic_but_unreadable_event_is_kept_in_quarantine(post_event):
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<xml><State>&e;</State></xml>"
    )
    response = post_event(xxe)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_body"
    (row,) = InboundLead.objects.filter(channel="wecom")
    assert row.status == InboundStatus.QUARANTINED
    assert "root:" not in str(row.raw)
    assert response.json()["inbound_id"] == row.pk


def test_not_xml_envelope(client, wecom_account):
    query, _body = callback_request(event_xml())
    response = client.post(f"{_url()}?{query}", data=b"{}", content_type="text/xml")
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_body"


def test_corp_id_is_the_receive_id(post_event):
    assert post_event(event_xml(), receive_id=CORP_ID, aes_key=AES_KEY).status_code == 200


@pytest.mark.parametrize(
    "bad", [{"callback_max_skew_seconds": "abc"}, [1, 2], {"callback_max_skew_seconds": 10**9}]
)
def test_bad_account_settings_never_make_a_callback_fail(client, wecom_account, post_event, bad):
    """Review of issue 16: a bad 其他配置 value made every callback of the account answer 500
    (and a huge skew switched the stale check off). The default applies instead."""
    from channels.wecom.models import WecomAccount

    WecomAccount.objects.filter(pk=wecom_account.pk).update(settings=bad)
    assert post_event(event_xml()).status_code == 200
    stale = post_event(event_xml(), timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401  # stale_timestamp: the default window applies
