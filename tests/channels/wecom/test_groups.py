"""Groups and camps get WeCom group codes (issue 16 point 6): one join code per group, its state
naming the group; `change_external_chat` add_member / del_member events (through the real
callback endpoint and the funnel's intake processing) record and close the camp membership of
the leads who joined through it, once per change; the camp's capacity holds."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import responses
from django.core.cache import cache

from channels.wecom.groups import group_code_for
from channels.wecom.models import WecomChatMember, WecomContact, WecomGroupWay
from channels.wecom.services import external_key, wecom_account_create
from channels.wecom.state import (
    MAX_CHARS,
    group_from_state,
    lead_from_state,
    state_for_group,
    state_for_lead,
)
from funnel.models import GroupMembership, InboundLead, InboundStatus, LeadEvent, PrivateGroup
from funnel.services.groups import group_enroll
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN, callback_request, event_xml

pytestmark = pytest.mark.django_db

BASE = "https://wecom.test"
ADD_WAY = f"{BASE}/cgi-bin/externalcontact/groupchat/add_join_way"
GET_WAY = f"{BASE}/cgi-bin/externalcontact/groupchat/get_join_way"
GET_CHAT = f"{BASE}/cgi-bin/externalcontact/groupchat/get"
QR = "https://wework.qpic.cn/wwpic/group-join-qr/0"
CHAT = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"


@pytest.fixture
def account(settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    cache.clear()
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=BASE,
    )
    return account


@pytest.fixture
def api(account):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            f"{BASE}/cgi-bin/gettoken",
            json={"errcode": 0, "access_token": "T", "expires_in": 7200},
        )
        yield rsps


def _camp(**kwargs) -> PrivateGroup:
    values = {"name": "13天控糖训练营", "kind": "camp", "capacity": 5, "wecom_chat_id": CHAT}
    values.update(kwargs)
    return PrivateGroup.objects.create(**values)


def _way_answers(api, config_id: str = "9ad7fa5cdaa6511298498f979c472aaa") -> None:
    api.post(ADD_WAY, json={"errcode": 0, "errmsg": "ok", "config_id": config_id})
    api.post(
        GET_WAY,
        json={
            "errcode": 0,
            "join_way": {"config_id": config_id, "qr_code": QR, "chat_id_list": [CHAT]},
        },
    )


def _chat(api, *members: tuple[str, str, int]) -> None:
    """groupchat/get answers the chat with these customers (external userid, state, join)."""
    member_list = [{"userid": "zhangsan", "type": 1, "join_time": 1, "join_scene": 1}]
    member_list += [
        {"userid": ext, "type": 2, "join_time": joined, "join_scene": 3, "state": state}
        for ext, state, joined in members
    ]
    api.upsert(
        responses.POST,
        GET_CHAT,
        json={"errcode": 0, "group_chat": {"chat_id": CHAT, "member_list": member_list}},
    )


def _post(client, account, *, detail: str, created: int, chat: str = CHAT):
    xml = (
        "<xml>"
        + "".join(
            f"<{k}><![CDATA[{v}]]></{k}>"
            for k, v in {
                "ToUserName": CORP_ID,
                "FromUserName": "sys",
                "CreateTime": str(created),
                "MsgType": "event",
                "Event": "change_external_chat",
                "ChatId": chat,
                "ChangeType": "update",
                "UpdateDetail": detail,
                "JoinScene": "3",
                "QuitScene": "0",
                "MemChangeCnt": "1",
            }.items()
        )
        + "</xml>"
    )
    query, body = callback_request(xml)
    response = client.post(
        f"/channels/hooks/wecom/{account.name}/?{query}", data=body, content_type="text/xml"
    )
    assert response.status_code == 200
    drain()


def _contact(account, lead, external: str) -> WecomContact:
    return WecomContact.objects.create(
        account=account,
        lead=lead,
        member_userid="zhangsan",
        external_userid=external,
        external_key=external_key(external),
        added_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


def test_group_state_is_signed_short_and_never_a_lead():
    for group_id in (1, 77, 2**63 - 1):
        state = state_for_group(group_id)
        assert len(state) <= MAX_CHARS
        assert group_from_state(state) == group_id
        assert lead_from_state(state) is None
    assert group_from_state(state_for_lead(77)) is None
    body, sig = state_for_group(77).split(".")
    assert group_from_state(f"{body}.{sig[:-1]}{'A' if sig[-1] != 'A' else 'B'}") is None
    assert group_from_state("yg" + body[2:] + "." + state_for_lead(77).split(".")[1]) is None


def test_join_code_is_made_once_per_group(api):
    camp, other = _camp(), _camp(name="长期控糖群", kind="group", wecom_chat_id="wrOTHER")
    _way_answers(api)

    first = group_code_for(group_id=camp.pk)
    again = group_code_for(group_id=camp.pk)
    group_code_for(group_id=other.pk)

    assert first.image_url == again.image_url == QR
    adds = [c for c in api.calls if c.request.url.startswith(ADD_WAY)]
    assert len(adds) == 2  # one per group, never a second for the same group
    body = json.loads(adds[0].request.body)
    assert body["scene"] == 2
    assert body["chat_id_list"] == [CHAT]
    assert body["auto_create_room"] == 1
    assert body["room_base_name"] == "13天控糖训练营"
    assert body["room_base_id"] == 1
    assert len(body["state"]) <= 30
    assert group_from_state(body["state"]) == camp.pk
    way = WecomGroupWay.objects.get(group=camp)
    assert (way.qr_code, way.state, way.chat_ids) == (QR, body["state"], [CHAT])
    assert WecomGroupWay.objects.count() == 2


def test_a_full_or_closed_camp_shows_no_code(api):
    full = _camp(capacity=1)
    PrivateGroup.objects.filter(pk=full.pk).update(member_count=1)
    closed = _camp(closes_on=dt.date(2020, 1, 31), opens_on=dt.date(2020, 1, 1))

    assert "已满" in group_code_for(group_id=full.pk).reason
    assert "已结营" in group_code_for(group_id=closed.pk).reason
    assert group_code_for(group_id=full.pk).image_url == ""
    assert not [c for c in api.calls if c.request.url.startswith(ADD_WAY)]
    assert not WecomGroupWay.objects.exists()


def test_the_group_roster_shows_the_join_code(api, admin_client):
    camp = _camp()
    _way_answers(api)

    page = admin_client.get(f"/admin/funnel/groups/{camp.pk}/roster/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="wecom-group-code"' in html
    assert f'src="{QR}"' in html


def test_add_member_records_the_join_once_and_del_member_marks_left(
    api, account, client, make_lead
):
    # given: a camp with its code, a lead whose WeCom contact joins through it
    camp = _camp()
    lead = make_lead()
    _contact(account, lead, "wmPATIENT01")
    joined = int(time.time()) - 600
    _chat(api, ("wmPATIENT01", state_for_group(camp.pk), joined))

    # when: the add_member event, delivered, then a replay, then a later event of the same chat
    _post(client, account, detail="add_member", created=joined + 1)
    _post(client, account, detail="add_member", created=joined + 1)
    _post(client, account, detail="add_member", created=joined + 30)

    # then: one stay, one membership at the join's time, one timeline entry
    (membership,) = GroupMembership.objects.filter(group=camp)
    assert membership.lead_id == lead.pk
    assert membership.source == "wecom"
    assert membership.joined_at == dt.datetime.fromtimestamp(joined, tz=dt.UTC)
    assert membership.left_at is None
    camp.refresh_from_db()
    assert camp.member_count == 1
    assert LeadEvent.objects.filter(lead=lead, kind="group", data__source="wecom").count() == 1
    (stay,) = WecomChatMember.objects.all()
    assert (stay.lead_id, stay.group_id, stay.outcome) == (lead.pk, camp.pk, "joined")
    assert stay.external_userid == "wmPATIENT01"
    assert {r.status for r in InboundLead.objects.filter(channel="wecom")} == {
        InboundStatus.PROCESSED
    }

    # when: they quit (the chat no longer lists them), twice
    left = joined + 300
    _chat(api)
    _post(client, account, detail="del_member", created=left)
    _post(client, account, detail="del_member", created=left + 5)

    # then: the stay and the membership are closed at the quit's time, once
    membership.refresh_from_db()
    assert membership.left_at == dt.datetime.fromtimestamp(left, tz=dt.UTC)
    camp.refresh_from_db()
    assert camp.member_count == 0
    stay.refresh_from_db()
    assert stay.left_at == dt.datetime.fromtimestamp(left, tz=dt.UTC)
    notes = [e.note for e in LeadEvent.objects.filter(lead=lead, kind="group").order_by("pk")]
    assert notes == ["加入社群：13天控糖训练营", "退出社群：13天控糖训练营"]


def test_a_lead_enrolled_before_joining_keeps_one_membership(api, account, client, make_lead):
    camp = _camp()
    lead = make_lead()
    group_enroll(group_id=camp.pk, lead_id=lead.pk, source="rule")
    _contact(account, lead, "wmPATIENT02")
    _chat(api, ("wmPATIENT02", state_for_group(camp.pk), int(time.time()) - 60))

    _post(client, account, detail="add_member", created=int(time.time()))

    assert GroupMembership.objects.filter(group=camp, lead=lead).count() == 1
    assert WecomChatMember.objects.get().outcome == "already_member"
    camp.refresh_from_db()
    assert camp.member_count == 1


def test_a_join_past_capacity_is_recorded_as_over_capacity(api, account, client, make_lead):
    # given: a camp of one, already full; someone joins with a code saved earlier
    camp = _camp(capacity=1)
    first, late = make_lead("13800138001"), make_lead("13800138002")
    group_enroll(group_id=camp.pk, lead_id=first.pk)
    _contact(account, late, "wmLATE")
    _chat(api, ("wmLATE", state_for_group(camp.pk), int(time.time()) - 60))

    _post(client, account, detail="add_member", created=int(time.time()))

    # then: they are in the WeCom chat (recorded), not in the camp; the timeline says why
    assert WecomChatMember.objects.get().outcome == "group_full"
    assert not GroupMembership.objects.filter(lead=late).exists()
    camp.refresh_from_db()
    assert camp.member_count == 1
    assert LeadEvent.objects.filter(lead=late, data__code="group_full").count() == 1


def test_a_customer_we_do_not_know_is_kept_unmatched(api, account, client):
    camp = _camp()
    _chat(api, ("wmSTRANGER", state_for_group(camp.pk), int(time.time()) - 60))

    _post(client, account, detail="add_member", created=int(time.time()))

    stay = WecomChatMember.objects.get()
    assert (stay.lead_id, stay.group_id, stay.outcome) == (None, camp.pk, "no_lead")
    assert not GroupMembership.objects.exists()


def test_a_platform_failure_keeps_the_event_for_a_retry(api, account, client, make_lead):
    camp = _camp()
    lead = make_lead()
    _contact(account, lead, "wmPATIENT03")
    api.upsert(responses.POST, GET_CHAT, json={"errcode": -1, "errmsg": "system busy"})

    with pytest.raises(Exception):  # noqa: B017, PT011  (drain plays the worker: it raises)
        _post(client, account, detail="add_member", created=int(time.time()))

    row = InboundLead.objects.get(channel="wecom")
    assert row.status == InboundStatus.RECEIVED  # kept; the intake sweep retries it
    assert not GroupMembership.objects.exists()

    _chat(api, ("wmPATIENT03", state_for_group(camp.pk), int(time.time()) - 60))
    drain()
    assert GroupMembership.objects.filter(group=camp, lead=lead).count() == 1


def test_withdrawal_wipes_the_person_from_group_stays(api, account, client, make_lead):
    from funnel.services.pii import consent_withdraw

    camp = _camp()
    lead = make_lead()
    _contact(account, lead, "wmWITHDRAW")
    _chat(api, ("wmWITHDRAW", state_for_group(camp.pk), int(time.time()) - 60))
    _post(client, account, detail="add_member", created=int(time.time()))
    assert WecomChatMember.objects.get().external_key == external_key("wmWITHDRAW")

    consent_withdraw(lead_id=lead.pk)

    stay = WecomChatMember.objects.get()
    assert (stay.external_userid, stay.state) == ("", "")
    assert stay.external_key.startswith("anonymized:")
    assert not WecomChatMember.objects.filter(external_key=external_key("wmWITHDRAW")).exists()
    assert stay.group_id == camp.pk  # the camp's history keeps the stay itself


def test_an_odd_join_way_answer_keeps_nothing(api):
    camp = _camp()
    api.post(ADD_WAY, json={"errcode": 0, "config_id": "cfg1"})
    api.post(GET_WAY, json={"errcode": 0, "join_way": {"qr_code": "javascript:alert(1)"}})

    code = group_code_for(group_id=camp.pk)

    assert code.image_url == ""
    assert code.reason
    assert not WecomGroupWay.objects.exists()


def _plan_page(client, lead) -> str:
    from urllib.parse import urlsplit

    from funnel.patient_links import careplan_link_for
    from landing.models import CarePlan

    CarePlan.objects.create(lead=lead, title="控糖 3 个月计划")
    response = client.get(urlsplit(careplan_link_for(lead_id=lead.pk)).path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_patient_sees_their_own_camps_group_code_on_their_care_plan_page(client, api, make_lead):
    """Review of issue 16 point 6: staff forward a camp's code from its roster; the enrolled
    patient finds it on their own care-plan page too — their camp's only, even when the camp
    is full (their seat is taken by them), never another camp's."""
    mine, other = _camp(capacity=1), _camp(name="失眠调理营", wecom_chat_id="wrOTHER")
    lead, stranger = make_lead(), make_lead(phone="13800138077")
    group_enroll(group_id=mine.pk, lead_id=lead.pk)
    group_enroll(group_id=other.pk, lead_id=stranger.pk)
    _way_answers(api)

    page = _plan_page(client, lead)

    assert 'data-testid="group-code"' in page
    assert QR in page
    assert "13天控糖训练营" in page
    assert "失眠调理营" not in page
    (way,) = WecomGroupWay.objects.all()
    assert way.group == mine


def test_no_group_code_for_a_patient_who_left_or_a_closed_camp(client, api, make_lead):
    from django.utils import timezone

    from funnel.services.groups import group_leave

    left, closed = _camp(), _camp(name="已结营的营", wecom_chat_id="wrCLOSED")
    lead = make_lead()
    group_enroll(group_id=left.pk, lead_id=lead.pk)
    group_leave(group_id=left.pk, lead_id=lead.pk)
    group_enroll(group_id=closed.pk, lead_id=lead.pk)
    PrivateGroup.objects.filter(pk=closed.pk).update(
        closes_on=timezone.localdate() - dt.timedelta(days=1)
    )
    _way_answers(api)

    page = _plan_page(client, lead)

    assert 'data-testid="group-code"' not in page
    assert not WecomGroupWay.objects.exists()


def test_one_event_wecom_refuses_never_holds_the_sweep(
    api, account, make_lead, django_capture_on_commit_callbacks
):
    """Issue 16 review: a chat WeCom no longer knows (40050) raised on every sweep and stopped
    it, so a real join stored behind it was never processed. Now: WeCom's refusal ends that
    event (ignored, with the code); a busy WeCom (-1, 5xx) leaves its event for the next
    sweep, counted, set aside after `PROCESS_ATTEMPTS`; the records behind both go through."""
    from channels.wecom.webhook import event_key
    from funnel.models import Channel
    from funnel.services.intake import (
        PROCESS_ATTEMPTS,
        IntakeSource,
        Processing,
        Resend,
        intake_replay,
        intake_sweep,
        lead_intake,
    )

    camp = _camp()
    lead = make_lead()
    _contact(account, lead, "wmPATIENT07")
    busy = {"on": True}

    def answer(request):
        chat_id = json.loads(request.body)["chat_id"]
        if chat_id == "wrNOSUCH":
            return 200, {}, json.dumps({"errcode": 40050, "errmsg": "chatid不存在"})
        if chat_id == "wrBUSY" and busy["on"]:
            return 200, {}, json.dumps({"errcode": -1, "errmsg": "system busy"})
        members = [
            {"userid": "zhangsan", "type": 1, "join_time": 1, "join_scene": 1},
            {
                "userid": "wmPATIENT07",
                "type": 2,
                "join_time": int(time.time()) - 60,
                "join_scene": 3,
                "state": state_for_group(camp.pk),
            },
        ]
        chat = {"chat_id": chat_id, "member_list": members if chat_id == CHAT else members[:1]}
        return 200, {}, json.dumps({"errcode": 0, "group_chat": chat})

    api.add_callback(responses.POST, GET_CHAT, callback=answer)

    def stored(chat: str, created: int) -> int:
        event = {
            "ToUserName": CORP_ID,
            "Event": "change_external_chat",
            "ChatId": chat,
            "ChangeType": "update",
            "UpdateDetail": "add_member",
            "CreateTime": str(created),
        }
        with django_capture_on_commit_callbacks(execute=False):  # the worker never came
            return lead_intake(
                source=IntakeSource(channel=Channel.WECOM, account=account.name),
                external_id=event_key(event),
                raw=event,
                payload=None,
                processing=Processing.LATER,
                resend=Resend.KEEP_FIRST,
            ).inbound_id

    now = int(time.time())
    gone, slow, real = stored("wrNOSUCH", now - 30), stored("wrBUSY", now - 20), stored(CHAT, now)

    def sweep() -> None:
        InboundLead.objects.filter(status=InboundStatus.RECEIVED).update(
            updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        )
        intake_sweep()

    sweep()

    rows = {r.pk: r for r in InboundLead.objects.filter(pk__in=[gone, slow, real])}
    assert (rows[gone].status, rows[gone].result) == (InboundStatus.PROCESSED, "ignored")
    assert "40050" in rows[gone].detail
    assert (rows[slow].status, rows[slow].attempts) == (InboundStatus.RECEIVED, 1)
    assert rows[real].status == InboundStatus.PROCESSED
    assert GroupMembership.objects.filter(group=camp, lead=lead).count() == 1

    for _ in range(PROCESS_ATTEMPTS - 1):
        sweep()
    held = InboundLead.objects.get(pk=slow)
    assert (held.status, held.reason) == (InboundStatus.QUARANTINED, "processing_failed")
    assert held.attempts == PROCESS_ATTEMPTS

    # once WeCom answers again, staff replay it from quarantine
    busy["on"] = False
    assert intake_replay(inbound_id=slow).result == "group_changed"
    assert InboundLead.objects.get(pk=slow).status == InboundStatus.PROCESSED


def test_a_replayed_group_callback_is_stored_once(api, account, client):
    """Issue 16 review: a byte-for-byte replay of a signed chat callback made a new record
    (and a `groupchat/get`) each time; two deliveries of identical joins still count twice."""
    _chat(api)
    event = event_xml(
        Event="change_external_chat",
        ChatId=CHAT,
        ChangeType="update",
        UpdateDetail="add_member",
        UserID="",
        ExternalUserID="",
        WelcomeCode="",
    )
    query, body = callback_request(event)
    url = f"/channels/hooks/wecom/{account.name}/?{query}"
    for _ in range(3):
        assert client.post(url, data=body, content_type="text/xml").status_code == 200
    assert InboundLead.objects.filter(channel="wecom").count() == 1

    # the same event delivered again by WeCom (encrypted afresh) is another delivery
    query, body = callback_request(event)
    client.post(
        f"/channels/hooks/wecom/{account.name}/?{query}", data=body, content_type="text/xml"
    )
    assert InboundLead.objects.filter(channel="wecom").count() == 2
