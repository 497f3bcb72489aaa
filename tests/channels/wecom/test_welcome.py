"""The welcome message (issue 16 point 4): an add with a known state sends `send_welcome_msg`
with the event's WelcomeCode, once, right after the event is processed; the text is the
specialty's template with the care-plan link and the consent notice, checked against the
medical-ad rules. Failures are recorded on a welcome row and the lead's timeline, never raised.

WeCom is faked at the HTTP boundary (`responses`); the callbacks go through the real endpoint
and intake processing (`drain` plays the worker, its after-commit sends run captured)."""

from __future__ import annotations

import datetime as dt
import json
import time
from urllib.parse import urlsplit

import pytest
import responses
from django.core.cache import cache
from django.db import IntegrityError, transaction

from channels.wecom import welcome as welcome_mod
from channels.wecom.models import WecomWelcome, WecomWelcomeTemplate
from channels.wecom.state import state_for_lead
from funnel import public_text
from funnel.models import InboundLead, InboundStatus, LeadEvent, Stage
from funnel.services.intake import intake_process
from landing.models import CarePlan
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import event_xml
from tests.funnel.factories import SpecialtyFactory

pytestmark = pytest.mark.django_db

API = "https://qyapi.weixin.qq.com/cgi-bin/"
SEND = API + "externalcontact/send_welcome_msg"
GREETING = "您好，我是您的医助林晓雯，已收到您的咨询，稍后为您安排医生答疑。"


@pytest.fixture
def specialty(db):
    cache.clear()  # no access token left from another test
    return SpecialtyFactory(slug="hair-loss", name="脱发")


@pytest.fixture
def template(specialty):
    return WecomWelcomeTemplate.objects.create(specialty=specialty, text=GREETING)


@pytest.fixture
def wecom_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(API + "gettoken", json={"errcode": 0, "access_token": "T", "expires_in": 7200})
        yield mock


def _sends(mock) -> list[dict]:
    return [json.loads(c.request.body) for c in mock.calls if c.request.url.startswith(SEND)]


@pytest.fixture
def deliver(post_event, django_capture_on_commit_callbacks):
    """Post one callback and play the worker, running what it does after its commit."""

    def run(xml: str) -> None:
        assert post_event(xml).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            drain()

    return run


def _notes(lead) -> list[LeadEvent]:
    return [
        e
        for e in LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.NOTE)
        if e.data.get("change") == "welcome"
    ]


def test_welcome_goes_once_with_template_careplan_link_and_consent_notice(
    client, deliver, make_lead, template, wecom_api
):
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    lead = make_lead()
    assert lead.specialty_id == template.specialty_id
    CarePlan.objects.create(lead=lead, title="脱发 3 个月计划")
    xml = event_xml(State=state_for_lead(lead.pk), WelcomeCode="WELCOME-A1")
    for _ in range(3):  # WeCom's retries and a re-run worker: one welcome
        deliver(xml)
    (body,) = _sends(wecom_api)
    assert body["welcome_code"] == "WELCOME-A1"
    content = body["text"]["content"]
    assert content.startswith(GREETING)
    assert "【个人信息告知】" in content
    assert "授权文本版本 health-2026-01" in content
    assert "撤回授权" in content
    link = next(w for w in content.split() if "/h5/plan/" in w).removeprefix("您的护理计划：")
    assert client.get(urlsplit(link).path).status_code == 200  # the patient's plan opens
    row = WecomWelcome.objects.get()
    assert (row.status, row.reason, row.lead_id) == (WecomWelcome.Status.SENT, "", lead.pk)
    assert row.sent_at is not None
    # What went out is kept without the plan's bearer link, nor the code itself.
    token = urlsplit(link).path.split("/")[3]
    assert token not in row.text
    assert welcome_mod.CAREPLAN_MARK in row.text
    assert "WELCOME-A1" not in row.code_key
    (note,) = _notes(lead)
    assert note.note == "企业微信欢迎语已发送"
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED


def test_the_specialty_template_wins_and_the_default_serves_the_rest(
    deliver, make_lead, template, wecom_api
):
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，欢迎咨询，医助稍后联系您。")
    own = make_lead()
    other = make_lead(phone="13800138001", specialty="insomnia")
    assert other.specialty_id is None
    deliver(event_xml(State=state_for_lead(own.pk), WelcomeCode="W-OWN", ExternalUserID="wm1"))
    deliver(event_xml(State=state_for_lead(other.pk), WelcomeCode="W-DEF", ExternalUserID="wm2"))
    first, second = _sends(wecom_api)
    assert first["text"]["content"].startswith(GREETING)
    assert second["text"]["content"].startswith("您好，欢迎咨询，医助稍后联系您。")
    assert "护理计划" not in second["text"]["content"]  # no plan, no link


def test_without_a_template_nothing_is_sent_and_the_log_says_why(
    deliver, make_lead, specialty, wecom_api
):
    lead = make_lead()
    deliver(event_xml(State=state_for_lead(lead.pk)))
    assert len(wecom_api.calls) == 0
    row = WecomWelcome.objects.get()
    assert (row.status, row.reason) == (WecomWelcome.Status.NOT_SENT, welcome_mod.NO_TEMPLATE)
    assert _notes(lead) == []  # a clinic without templates gets no note per patient


def test_a_template_failing_the_compliance_check_is_not_sent(
    deliver, make_lead, specialty, wecom_api
):
    # Saved before a rule existed (the admin form refuses it now).
    WecomWelcomeTemplate.objects.create(specialty=specialty, text="我们保证治愈，三天见效。")
    lead = make_lead()
    deliver(event_xml(State=state_for_lead(lead.pk)))
    assert len(wecom_api.calls) == 0
    row = WecomWelcome.objects.get()
    assert (row.status, row.reason) == (
        WecomWelcome.Status.NOT_SENT,
        welcome_mod.COMPLIANCE_BLOCKED,
    )
    assert "保证治愈" in row.detail
    assert "三天见效" in row.detail
    (note,) = _notes(lead)
    assert note.note == "企业微信欢迎语未发送：欢迎语未通过医疗广告合规检查"
    assert note.data["status"] == "not_sent"


def test_without_a_compliance_checker_nothing_is_sent(
    deliver, make_lead, template, wecom_api, monkeypatch
):
    monkeypatch.setattr(public_text, "_checkers", [])
    lead = make_lead()
    deliver(event_xml(State=state_for_lead(lead.pk)))
    assert len(wecom_api.calls) == 0
    assert WecomWelcome.objects.get().reason == welcome_mod.CHECKER_MISSING


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"json": {"errcode": 41051, "errmsg": "externaluser has started chatting"}}, "41051"),
        ({"status": 502, "body": "bad gateway"}, "http_502"),
    ],
)
def test_a_refused_welcome_is_recorded_and_the_event_still_processed(
    deliver, make_lead, template, wecom_api, answer, reason
):
    wecom_api.post(SEND, **answer)
    lead = make_lead()
    deliver(event_xml(State=state_for_lead(lead.pk)))
    assert len(_sends(wecom_api)) == 1
    row = WecomWelcome.objects.get()
    assert (row.status, row.reason) == (WecomWelcome.Status.FAILED, reason)
    assert "started chatting" not in row.detail  # WeCom's own words are logged, not stored
    (note,) = _notes(lead)
    assert note.data["status"] == "failed"
    assert note.data["reason"] == reason
    inbound = InboundLead.objects.get(channel="wecom")
    assert (inbound.status, inbound.result) == (InboundStatus.PROCESSED, "contacted")
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED


def test_a_failed_welcome_does_not_hold_back_the_other_events(
    post_event, make_lead, template, wecom_api, django_capture_on_commit_callbacks
):
    wecom_api.post(SEND, status=503)
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    first, second = make_lead(), make_lead(phone="13800138001")
    for lead, ext, code in ((first, "wm1", "W1"), (second, "wm2", "W2")):
        xml = event_xml(State=state_for_lead(lead.pk), ExternalUserID=ext, WelcomeCode=code)
        assert post_event(xml).status_code == 200
    ids = list(
        InboundLead.objects.filter(channel="wecom").order_by("pk").values_list("pk", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake_process(inbound_ids=ids)  # one batch, as the sweep runs them
    statuses = dict(WecomWelcome.objects.values_list("lead_id", "status"))
    assert statuses == {first.pk: WecomWelcome.Status.FAILED, second.pk: WecomWelcome.Status.SENT}
    assert set(InboundLead.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        InboundStatus.PROCESSED
    }


def test_a_code_older_than_twenty_seconds_is_not_tried(deliver, make_lead, template, wecom_api):
    lead = make_lead()
    deliver(event_xml(State=state_for_lead(lead.pk), CreateTime=str(int(time.time()) - 60)))
    assert len(wecom_api.calls) == 0  # not even a token
    row = WecomWelcome.objects.get()
    assert (row.status, row.reason) == (WecomWelcome.Status.NOT_SENT, welcome_mod.CODE_EXPIRED)
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED


def test_half_adds_and_adds_without_a_code_send_nothing(deliver, make_lead, template, wecom_api):
    lead = make_lead()
    deliver(event_xml(ChangeType="add_half_external_contact", State=state_for_lead(lead.pk)))
    deliver(event_xml(State=state_for_lead(lead.pk), UserID="lisi", WelcomeCode=""))
    assert len(wecom_api.calls) == 0
    assert not WecomWelcome.objects.exists()


@pytest.mark.parametrize(
    "state",
    ["wb:1:4285486", "", "yu0123456789abcdef", "yl1.forgedsignatur"],
    ids=["wecom-own", "none", "unknown-unverified", "forged"],
)
def test_an_unmatched_add_gets_the_plain_welcome_and_nothing_of_any_lead(
    deliver, make_lead, template, wecom_api, state
):
    """Issue 13 point 1: an add that binds no lead is welcomed like a new phone's first add
    (template + notice), so the welcome's presence tells nothing; it names no lead."""
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，欢迎咨询，医助稍后联系您。")
    lead = make_lead()
    CarePlan.objects.create(lead=lead, title="脱发 3 个月计划")
    deliver(event_xml(State=state, ExternalUserID="wmOTHER", WelcomeCode="W-UNMATCHED"))
    (body,) = _sends(wecom_api)
    content = body["text"]["content"]
    assert content.startswith("您好，欢迎咨询，医助稍后联系您。")  # no way: default template
    assert "【个人信息告知】" in content
    assert "/h5/plan/" not in content
    assert "授权文本版本" not in content  # no submission named a version
    row = WecomWelcome.objects.get()
    assert (row.lead_id, row.status) == (None, WecomWelcome.Status.SENT)
    assert _notes(lead) == []
    lead.refresh_from_db()
    assert lead.stage != Stage.CONTACTED


def test_an_unmatched_add_without_a_default_template_is_logged_not_sent(
    deliver, template, wecom_api
):
    deliver(event_xml(State="wb:1:1", ExternalUserID="wmOTHER", WelcomeCode="W-U2"))
    assert _sends(wecom_api) == []
    row = WecomWelcome.objects.get()
    assert (row.lead_id, row.reason) == (None, welcome_mod.NO_TEMPLATE)


def test_one_welcome_per_code_is_a_database_rule_and_one_worker_sends(
    post_event, make_lead, template, wecom_api
):
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    lead = make_lead()
    post_event(event_xml(State=state_for_lead(lead.pk), WelcomeCode="W-RACE"))
    drain()  # the after-commit send is not run here: the row waits, planned
    row = WecomWelcome.objects.get()
    assert row.status == WecomWelcome.Status.PENDING
    with pytest.raises(IntegrityError), transaction.atomic():
        WecomWelcome.objects.create(
            account=row.account,
            lead=lead,
            member_userid="other",
            code_key=row.code_key,
            event_at=row.event_at,
        )
    # Two workers with the same row: one claims it and sends, the other does nothing.
    assert welcome_mod.welcome_send(welcome_id=row.pk, welcome_code="W-RACE") == "sent"
    assert welcome_mod.welcome_send(welcome_id=row.pk, welcome_code="W-RACE") == ""
    assert len(_sends(wecom_api)) == 1


def test_a_resend_with_another_welcome_code_is_the_same_event_and_sends_once(
    deliver, make_lead, template, wecom_api
):
    """WeCom's resend identity is (ToUserName, ChangeType, UserID, ExternalUserID, CreateTime)
    (WECOM_FACTS.md "Callback events"): a resend carrying a fresh WelcomeCode is the same add,
    stored once and processed once — not a second welcome with the second code."""
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    lead = make_lead()
    at = str(int(time.time()))
    first = event_xml(State=state_for_lead(lead.pk), WelcomeCode="WELCOME-R1", CreateTime=at)
    again = event_xml(State=state_for_lead(lead.pk), WelcomeCode="WELCOME-R2", CreateTime=at)

    deliver(first)
    deliver(again)

    assert [b["welcome_code"] for b in _sends(wecom_api)] == ["WELCOME-R1"]
    assert WecomWelcome.objects.count() == 1
    (row,) = InboundLead.objects.filter(channel="wecom")
    assert row.raw["WelcomeCode"] == "WELCOME-R1"  # the first copy is the record
    assert row.attempts == 1
    assert len(_notes(lead)) == 1


def test_a_welcome_left_pending_or_sending_by_a_dead_worker_is_swept_never_sent_late(
    post_event, make_lead, template, wecom_api
):
    """Review of issue 16 point 2: the worker died after the add's commit (its after-commit
    send never ran) or between claiming the row and recording WeCom's answer. The code is
    good for 20 s: the sweep records why nothing went, and never calls WeCom."""
    wecom_api.post(SEND, json={"errcode": 0, "errmsg": "ok"})
    lost, died = make_lead(), make_lead(phone="13800138009")
    for lead, code, external in ((lost, "W-LOST", "wmLOST"), (died, "W-DIED", "wmDIED")):
        xml = event_xml(State=state_for_lead(lead.pk), WelcomeCode=code, ExternalUserID=external)
        assert post_event(xml).status_code == 200
        drain()  # processed; its after-commit send is lost with the worker
    pending = WecomWelcome.objects.get(lead=lost)
    sending = WecomWelcome.objects.get(lead=died)
    assert {pending.status, sending.status} == {WecomWelcome.Status.PENDING}
    WecomWelcome.objects.filter(pk=sending.pk).update(status=WecomWelcome.Status.SENDING)

    # inside the 20 s nothing is touched (a live worker may still be sending)
    assert welcome_mod.welcomes_sweep(now=pending.event_at + dt.timedelta(seconds=5)) == 0
    later = pending.event_at + dt.timedelta(minutes=5)
    assert welcome_mod.welcomes_sweep(now=later) == 2
    assert welcome_mod.welcomes_sweep(now=later) == 0  # once

    pending.refresh_from_db()
    sending.refresh_from_db()
    assert (pending.status, pending.reason) == ("not_sent", welcome_mod.CODE_EXPIRED)
    assert (sending.status, sending.reason) == ("failed", welcome_mod.INTERRUPTED)
    assert "结果未知" in sending.detail
    assert _sends(wecom_api) == []
    assert len(_notes(died)) == 1  # the assistant reads on the timeline to greet by hand


def test_the_wecom_sweep_is_scheduled_every_five_minutes_and_runs(db):
    from django_celery_beat.models import PeriodicTask

    from channels.tasks import wecom_sweep_task

    (row,) = PeriodicTask.objects.filter(task="channels.wecom_sweep")
    assert (row.crontab.minute, row.crontab.timezone.key) == ("*/5", "Asia/Shanghai")
    assert wecom_sweep_task() == {
        "withdrawn_codes": 0,
        "welcomes": 0,
        "tag_marks": 0,
        "transfers": 0,
    }
