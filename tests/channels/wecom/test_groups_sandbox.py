"""End to end against the sandbox's WeCom look-alike in a thread (issue 16 points 6 and 7): a
patient added through their lead's code joins the camp's WeCom group through the group's join
code and leaves again; the sandbox sends the real encrypted `change_external_chat` events and
serves `add_join_way`, `get_join_way` and `groupchat/get`; and the behaviour import reads the
sandbox's generated figures."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from channels.sandbox.wecom import behavior_day
from channels.wecom.behavior import behavior_import, day_bounds
from channels.wecom.groups import group_code_for
from channels.wecom.models import WecomChatMember, WecomGroupWay
from channels.wecom.services import wecom_account_create
from channels.wecom.state import group_from_state, state_for_lead
from funnel.models import Assistant, AssistantBehaviorDay, GroupMembership, Lead, PrivateGroup
from tests.channels.conftest import drain
from tests.channels.test_e2e_sandbox import our_server  # noqa: F401  (fixture)
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _control(base: str, **body) -> dict:
    response = requests.post(f"{base}/sandbox/wecom", json=body, timeout=30)
    assert response.status_code == 200
    return response.json()


def _account(base: str):
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


def test_a_patient_joins_and_leaves_the_camp_group_on_the_sandbox(
    sandbox,
    our_server,  # noqa: F811
    settings,
):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    _state, base = sandbox
    account = _account(base)
    creds = {
        "target": f"{our_server}/channels/hooks/wecom/{account.name}/",
        "token": TOKEN,
        "aes_key": AES_KEY,
        "corp_id": CORP_ID,
    }
    assert _control(base, action="configure", **creds)["ok"] is True
    # given: the patient added their assistant through the lead's code (a bound contact)
    lead = Lead.objects.create(phone_hash="wecom-group-e2e", phone="+8613800000019")
    added = _control(
        base,
        action="add",
        userid="zhangsan",
        external_userid="wmGROUPE2E",
        state=state_for_lead(lead.pk),
        **creds,
    )
    assert added["status"] == 200
    drain()
    camp = PrivateGroup.objects.create(
        name="13天控糖训练营", kind="camp", capacity=3, wecom_chat_id="wrSandboxCamp1"
    )

    # when: the camp's code is made and shown, and the patient joins through it
    code = group_code_for(group_id=camp.pk)
    way = WecomGroupWay.objects.get(group=camp)
    assert code.image_url == way.qr_code
    assert requests.get(code.image_url, timeout=10).status_code == 200
    assert group_from_state(way.state) == camp.pk
    joined = _control(
        base, action="join_group", config_id=way.config_id, external_userid="wmGROUPE2E"
    )
    assert joined["ok"] is True, joined
    drain()

    # then: the lead is in the camp through WeCom, once
    (membership,) = GroupMembership.objects.filter(group=camp)
    assert (membership.lead_id, membership.source, membership.left_at) == (lead.pk, "wecom", None)
    camp.refresh_from_db()
    assert camp.member_count == 1
    stay = WecomChatMember.objects.get()
    assert (stay.chat_id, stay.outcome) == ("wrSandboxCamp1", "joined")

    # when: the same event arrives again, then the patient leaves the chat
    _control(base, action="chat_event", chat_id="wrSandboxCamp1", update_detail="add_member")
    drain()
    assert GroupMembership.objects.filter(group=camp).count() == 1
    quit_ = _control(
        base, action="quit_group", chat_id="wrSandboxCamp1", external_userid="wmGROUPE2E"
    )
    assert quit_["ok"] is True, quit_
    drain()

    # then: the stay is closed, the seat is free
    membership.refresh_from_db()
    assert membership.left_at is not None
    camp.refresh_from_db()
    assert camp.member_count == 0


def test_behaviour_import_reads_the_sandbox_figures(sandbox, settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    _state, base = sandbox
    account = _account(base)
    Assistant.objects.create(name="林医助", wecom_userid="linxiaowen")
    day = timezone.localdate() - dt.timedelta(days=1)

    behavior_import(account=account, day=day)
    behavior_import(account=account, day=day)

    row = AssistantBehaviorDay.objects.get()
    expected = behavior_day("linxiaowen", day_bounds(day)[0])
    assert (row.userid, row.day) == ("linxiaowen", day)
    assert (row.chat_cnt, row.message_cnt, row.new_contact_cnt) == (
        expected["chat_cnt"],
        expected["message_cnt"],
        expected["new_contact_cnt"],
    )
    assert row.avg_reply_time == expected.get("avg_reply_time")
