"""End to end against the sandbox's WeCom look-alike in a thread: it sends real encrypted
callbacks (its own WXBizMsgCrypt, not ours) to our server in another thread, and serves the
token API our client calls."""

from __future__ import annotations

import time

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


def test_stage_tags_and_a_refused_transfer_end_to_end(sandbox, our_server, outbox_drain):  # noqa: F811
    """The IT person's commands, a patient's add, two stage changes and a reassignment, all
    against the sandbox in a thread; the refusal comes back as a real encrypted callback."""
    import io

    from django.core.management import call_command

    from channels.wecom.models import WecomTagMark, WecomTransfer
    from funnel.models import Clinic, FollowUp
    from funnel.services.routing import lead_reassign
    from funnel.services.stages import lead_stage_change
    from tests.funnel.factories import AssistantFactory, UserFactory

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    _state, base = sandbox
    clinic = Clinic.objects.create(name="望京门店", supervisor=UserFactory(username="zhuguan"))
    lin = AssistantFactory(name="林晓雯", wecom_userid="zhangsan", clinic=clinic)
    zhou = AssistantFactory(name="周敏", wecom_userid="lisi", clinic=clinic)
    # given the company connected, its callback saved and its stage tags set up
    run(
        "wecom_account",
        "add",
        "--name",
        "demo",
        "--corp-id",
        CORP_ID,
        "--secret",
        "s",
        "--agent-id",
        "1000002",
        "--token",
        TOKEN,
        "--aes-key",
        AES_KEY,
        "--api-base-url",
        base,
    )
    run("wecom_account", "sandbox-callback", "--name", "demo", "--callback-url", our_server)
    assert "0 already there" in run("wecom_account", "tags", "--name", "demo")
    creds = {
        "target": f"{our_server}/channels/hooks/wecom/demo/",
        "token": TOKEN,
        "aes_key": AES_KEY,
        "corp_id": CORP_ID,
    }
    lead = Lead.objects.create(phone_hash="wecom-e2e-tags", phone="+8613800000010", assignee=lin)

    def tags() -> list[str]:
        customers = _control(base, action="inspect")["customers"]
        return next(c["tags"] for c in customers if c["userid"] == "zhangsan")

    # when the patient adds 林晓雯 through the lead's code
    _control(
        base,
        action="add",
        userid="zhangsan",
        external_userid="wmE2E",
        state=state_for_lead(lead.pk),
        **creds,
    )
    drain()
    outbox_drain()
    # then the lead is 已加微 and WeCom shows the tag
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    assert tags() == ["已加微"]

    # when staff record the profile
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.PROFILED)
    outbox_drain()
    assert tags() == ["已建档"]
    assert list(WecomTagMark.objects.values_list("stage", "status").order_by("pk")) == [
        (Stage.CONTACTED, "done"),
        (Stage.PROFILED, "done"),
    ]

    # when the lead moves to 周敏: WeCom is asked to hand the customer over
    assert lead_reassign(lead_id=lead.pk, assistant_id=zhou.pk, actor=None)
    outbox_drain()
    (sent,) = _control(base, action="inspect")["transfers"]
    assert (sent["handover"], sent["takeover"], sent["status"]) == ("zhangsan", "lisi", 2)
    assert WecomTransfer.objects.get().status == "waiting"

    # when the patient refuses: WeCom's transfer_fail callback reaches us
    assert (
        _control(base, action="transfer_finish", external_userid="wmE2E", status=3)["callback"]
        == 200
    )
    drain()
    # then the transfer is refused and 周敏 is asked to have the patient add her
    assert WecomTransfer.objects.get().status == "refused"
    (followup,) = FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.WECOM_READD)
    assert followup.assignee == zhou
    assert "主管 zhuguan" in followup.note


def _creds(server: str) -> dict:
    target = f"{server}/channels/hooks/wecom/demo/"
    return {"target": target, "token": TOKEN, "aes_key": AES_KEY, "corp_id": CORP_ID}


def _demo_account(base: str):
    cache.clear()
    account, _ = wecom_account_create(
        name="demo",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=base,
    )
    return account


def test_sandbox_welcome_api_takes_a_fresh_code_once(sandbox):
    """The look-alike's `send_welcome_msg` as WECOM_FACTS.md says: a code from an add it sent,
    within 20 s, once (41051 after); anything else refused; text required."""
    from channels.sandbox import wecom as sandbox_wecom

    state, base = sandbox
    token = requests.get(
        f"{base}/cgi-bin/gettoken", params={"corpid": CORP_ID, "corpsecret": "s"}, timeout=10
    ).json()["access_token"]

    def send(code: str, content: str = "您好") -> int:
        answer = requests.post(
            f"{base}/cgi-bin/externalcontact/send_welcome_msg",
            params={"access_token": token},
            json={"welcome_code": code, "text": {"content": content}},
            timeout=10,
        )
        return answer.json()["errcode"]

    fresh = sandbox_wecom.welcome_code_issue(state, userid="zhangsan", external_userid="wm1")
    stale = sandbox_wecom.welcome_code_issue(
        state, userid="zhangsan", external_userid="wm2", fault="welcome_expired"
    )
    assert send(fresh, "") == 44004
    assert send(fresh, "长" * 1400) == 45002  # 4200 bytes
    assert send(fresh) == 0
    assert send(fresh) == 41051  # once
    assert send(stale) == 41052  # more than 20 s after its event
    assert send("never-issued") == 41052
    with state.lock:
        assert [w["external_userid"] for w in state.wecom["welcomes"]] == ["wm1"]


@pytest.mark.parametrize(
    ("fault", "errcode"), [("welcome_used", "41051"), ("welcome_expired", "41052")]
)
def test_a_welcome_code_the_sandbox_refuses_is_recorded_not_raised(
    sandbox,
    our_server,  # noqa: F811
    fault,
    errcode,
):
    from channels.wecom.models import WecomWelcome, WecomWelcomeTemplate

    _state, base = sandbox
    _demo_account(base)
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，已收到您的咨询。")
    lead = Lead.objects.create(phone_hash="wecom-wel", phone="+8613800000019")
    added = _control(
        base,
        action="add",
        userid="zhangsan",
        external_userid="wmWEL",
        state=state_for_lead(lead.pk),
        fault=fault,
        **_creds(our_server),
    )
    assert added == {"status": 200, "answer": "success"}  # the callback never suffers
    drain()
    row = WecomWelcome.objects.get()
    assert (row.status, row.reason) == (WecomWelcome.Status.FAILED, errcode)
    note = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.NOTE)
    assert note.data["reason"] == errcode
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    assert _control(base, action="welcomes") == {"welcomes": []}


def test_sandbox_sends_the_other_contact_events(sandbox, our_server):  # noqa: F811
    _state, base = sandbox
    _demo_account(base)
    creds = _creds(our_server)
    lead = Lead.objects.create(phone_hash="wecom-more", phone="+8613800000018")
    who = {"userid": "zhangsan", "external_userid": "wmMORE"}
    now = int(time.time())
    steps = [
        ("add_half", now - 40, {"state": state_for_lead(lead.pk)}, "pending"),
        ("add", now - 30, {"state": state_for_lead(lead.pk)}, "contacted"),
        ("edit", now - 20, {}, "edited"),
        ("remove", now - 10, {}, "removed"),
        ("add_half", now - 35, {"state": state_for_lead(lead.pk)}, "stale"),  # late, older
    ]
    for action, at, extra, _ in steps:
        answer = _control(base, action=action, create_time=at, **who, **extra, **creds)
        assert answer["status"] == 200
        drain()
    results = list(
        InboundLead.objects.filter(channel="wecom").order_by("pk").values_list("result", flat=True)
    )
    assert results == [result for *_, result in steps]
    contact = WecomContact.objects.get()
    assert contact.status == WecomContact.Status.REMOVED_BY_MEMBER
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN).count() == 1
