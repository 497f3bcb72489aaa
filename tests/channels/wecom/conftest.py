from __future__ import annotations

import base64
import hashlib
import itertools
import os
import struct
import time
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wecom.services import wecom_account_create
from funnel.payload import LeadPayload
from funnel.services.intake import IntakeSource, lead_intake
from tests.funnel.factories import payload as lead_payload

CORP_ID = "ww0123456789abcdef"
TOKEN = "cb-token-Q7"
AES_KEY = base64.b64encode(b"0123456789abcdef0123456789ABCDEF").decode()[:43]
_keys = itertools.count()
_nonces = itertools.count(1000)


def seal(plain: str, *, aes_key: str = AES_KEY, receive_id: str = CORP_ID) -> str:
    """WXBizMsgCrypt encryption written out from the published algorithm (not our code)."""
    key = base64.b64decode(aes_key + "=")
    body = os.urandom(16) + struct.pack(">I", len(plain.encode())) + plain.encode()
    body += receive_id.encode()
    n = 32 - len(body) % 32
    body += bytes([n]) * n
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(body) + enc.finalize()).decode()


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def event_xml(**fields: str) -> str:
    values = {
        "ToUserName": CORP_ID,
        "FromUserName": "sys",
        "CreateTime": str(int(time.time())),
        "MsgType": "event",
        "Event": "change_external_contact",
        "ChangeType": "add_external_contact",
        "UserID": "zhangsan",
        "ExternalUserID": "wmEXTERNAL0001",
        "State": "",
        "WelcomeCode": "WELCOME1",
    }
    values.update(fields)
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in values.items())
    return f"<xml>{inner}</xml>"


def callback_request(
    plain_xml: str,
    *,
    token: str = TOKEN,
    timestamp: int | None = None,
    aes_key: str = AES_KEY,
    receive_id: str = CORP_ID,
    signature: str | None = None,
) -> tuple[str, bytes]:
    """(query string, body) of one encrypted event callback as WeCom sends it."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = str(next(_nonces))
    encrypted = seal(plain_xml, aes_key=aes_key, receive_id=receive_id)
    sig = signature or sign(token, ts, nonce, encrypted)
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()
    return urlencode({"msg_signature": sig, "timestamp": ts, "nonce": nonce}), body


@pytest.fixture
def wecom_account(db):
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="contact-secret",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
    )
    return account


@pytest.fixture
def post_event(client, wecom_account):
    def post(plain_xml: str, **kwargs):
        query, body = callback_request(plain_xml, **kwargs)
        return client.post(
            f"/channels/hooks/wecom/{wecom_account.name}/?{query}",
            data=body,
            content_type="text/xml",
        )

    return post


@pytest.fixture
def make_lead(db):
    def make(phone: str = "13800138000", **kwargs):
        p: LeadPayload = lead_payload(phone=phone, **kwargs)
        outcome = lead_intake(
            source=IntakeSource(channel="landing"),
            external_id=f"wecom-test-{next(_keys)}",
            raw=p.to_dict(),
            payload=p,
        ).outcome
        from funnel.models import Lead

        return Lead.objects.get(pk=outcome.lead_id)

    return make
