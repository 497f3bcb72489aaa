"""End to end against the sandbox's WeCom look-alike in a thread: it sends real encrypted
callbacks (its own WXBizMsgCrypt, not ours) to our server in another thread, and serves the
token API our client calls."""

from __future__ import annotations

import pytest
import requests
from django.core.cache import cache

from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomContact
from channels.wecom.services import wecom_account_create
from channels.wecom.state import state_for_lead
from funnel.models import InboundLead, Lead, LeadEvent, Stage
from tests.channels.conftest import drain
from tests.channels.test_e2e_sandbox import our_server  # noqa: F401  (fixture)
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _control(base: str, **body) -> dict:
    response = requests.post(f"{base}/sandbox/wecom", json=body, timeout=30)
    assert response.status_code == 200
    return response.json()


def test_sandbox_callbacks_move_the_lead(sandbox, our_server):  # noqa: F811
    _state, base = sandbox
    account, _ = wecom_account_create(
        name="demo",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=base,
    )
    target = f"{our_server}/channels/hooks/wecom/demo/"
    creds = {"target": target, "token": TOKEN, "aes_key": AES_KEY, "corp_id": CORP_ID}
    # The URL check WeCom makes when the admin saves the URL.
    assert _control(base, action="verify", **creds)["ok"] is True
    assert _control(base, action="verify", **{**creds, "token": "wrong"})["ok"] is False

    lead = Lead.objects.create(phone_hash="wecom-e2e", phone="+8613800000009")
    added = _control(
        base,
        action="add",
        userid="zhangsan",
        external_userid="wmE2E",
        state=state_for_lead(lead.pk),
        **creds,
    )
    assert added == {"status": 200, "answer": "success"}
    drain()  # with Redis the intake task waits in the queue
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    assert WecomContact.objects.get().member_userid == "zhangsan"

    deleted = _control(base, action="delete", userid="zhangsan", external_userid="wmE2E", **creds)
    assert deleted["status"] == 200
    drain()
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN).count() == 1
    assert InboundLead.objects.filter(channel="wecom").count() == 2

    # A forged callback (another company's key) is refused and stores nothing.
    forged = _control(base, action="add", **{**creds, "aes_key": "C" * 43})
    assert forged["status"] == 400
    assert InboundLead.objects.filter(channel="wecom").count() == 2


def test_token_expiring_mid_run_against_the_sandbox(sandbox):
    state, base = sandbox
    cache.clear()
    account, _ = wecom_account_create(
        name="demo",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=base,
    )
    client = WecomClient(WecomAccount.objects.get(pk=account.pk))
    assert client.external_contact("wm1")["external_contact"]["external_userid"] == "wm1"
    _control(base, action="expire_token")
    assert client.external_contact("wm2")["external_contact"]["external_userid"] == "wm2"
    with state.lock:
        assert state.wecom["issued"] == 2  # one fresh token, fetched once
        assert state.calls["/cgi-bin/gettoken"] == 2
