"""Reassignment moves the WeCom relationship (issue 16 point 8): a lead already added, moved to
another assistant, is transferred in WeCom (`transfer_customer` with the old and new userids)
through the outbox, and its result tracked (`transfer_result`, the `transfer_fail` callback).
Past the platform's limit (2 transfers in 90 days) nothing is called: the new assistant gets a
follow-up to ask the patient to add them, and the supervisor is told. WeCom is the sandbox's
look-alike in a thread."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
from django.utils import timezone

from channels.tasks import wecom_transfers_task
from channels.wecom.models import WecomContact, WecomTransfer
from channels.wecom.services import external_key
from channels.wecom.transfers import LISTENER, transfers_check
from funnel.models import Clinic, FollowUp, Lead, LeadEvent, Notification, OutboxDelivery
from funnel.outbox import outbox_deliver, outbox_sweep
from funnel.services.routing import lead_reassign, leads_reassign
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import event_xml
from tests.funnel.factories import AssistantFactory, UserFactory

pytestmark = pytest.mark.django_db

TRANSFER = "/cgi-bin/externalcontact/transfer_customer"
PATIENT = "wmPATIENT01"


def control(base: str, path: str = "/sandbox/wecom", **body) -> dict:
    answer = requests.post(f"{base}{path}", json=body, timeout=30)
    assert answer.status_code == 200
    return answer.json()


def calls(state, path: str = TRANSFER) -> int:
    with state.lock:
        return state.calls.get(path, 0)


def sandbox_transfers(state) -> list[dict]:
    with state.lock:
        return [dict(t) for t in state.wecom["transfers"]]


@pytest.fixture
def added(sandbox, wecom_account, make_lead):
    """Lead with 医助 A (zhangsan), whose patient added her; 医助 B (lisi) in a clinic whose
    supervisor is `boss`. WeCom knows both members and the relationship."""
    state, base = sandbox
    wecom_account.api_base_url = base
    wecom_account.save()
    boss = UserFactory(username="boss")
    clinic = Clinic.objects.create(name="朝阳门店", supervisor=boss)
    a = AssistantFactory(name="林晓雯", wecom_userid="zhangsan", clinic=clinic)
    b = AssistantFactory(name="周敏", wecom_userid="lisi", clinic=clinic)
    lead = make_lead()
    Lead.objects.filter(pk=lead.pk).update(assignee=a, stage="contacted")
    contact = WecomContact.objects.create(
        account=wecom_account,
        lead=lead,
        member_userid="zhangsan",
        external_userid=PATIENT,
        external_key=external_key(PATIENT),
        added_at=timezone.now() - dt.timedelta(days=3),
    )
    control(base, action="members", userids=["zhangsan", "lisi", "wangwu"])
    control(base, action="relation", userid="zhangsan", external_userid=PATIENT)
    return {"state": state, "base": base, "lead": lead, "contact": contact, "a": a, "b": b}


def notices() -> list[Notification]:
    # Titles are encrypted at rest: compared after reading.
    return [n for n in Notification.objects.all() if n.title == "企业微信客户未能转接"]


def _reassign_event(lead: Lead) -> LeadEvent:
    return LeadEvent.objects.filter(lead=lead, kind="assign").latest("pk")


def test_reassigning_an_added_lead_transfers_the_customer_to_the_new_assistant(added, outbox_drain):
    state, lead = added["state"], added["lead"]

    # when staff move the lead to 医助 B
    assert lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()

    # then WeCom was asked once to hand the customer from zhangsan to lisi
    (sent,) = sandbox_transfers(state)
    assert (sent["handover"], sent["takeover"], sent["external_userid"]) == (
        "zhangsan",
        "lisi",
        PATIENT,
    )
    row = WecomTransfer.objects.get()
    assert (row.handover_userid, row.takeover_userid, row.status, row.last_answer) == (
        "zhangsan",
        "lisi",
        "waiting",
        "0",
    )
    assert row.event == _reassign_event(lead)
    assert row.contact == added["contact"]
    assert row.next_check_at - row.requested_at == dt.timedelta(hours=24, minutes=5)
    assert OutboxDelivery.objects.get(listener=LISTENER).status == "done"
    # and the log keeps no personal data: the patient's userid stays on the contact alone
    values = [str(getattr(row, f.attname)) for f in WecomTransfer._meta.concrete_fields]
    assert not [v for v in values if PATIENT in v]


def test_a_lead_not_added_yet_moves_without_any_call(added, make_lead, outbox_drain):
    state = added["state"]
    other = make_lead(phone="13900139000")
    Lead.objects.filter(pk=other.pk).update(assignee=added["a"])

    assert leads_reassign(lead_ids=[other.pk], assistant_id=added["b"].pk, actor=None) == 1
    outbox_drain()

    assert calls(state) == 0
    assert not WecomTransfer.objects.exists()


def test_a_first_assignment_publishes_nothing_to_the_transfer_listener(added):
    # The lead was created (and queued unassigned) by intake: no assignment event went out.
    assert not OutboxDelivery.objects.filter(listener=LISTENER).exists()


def _earlier_transfers(added, ages_days: list[int]) -> None:
    """Transfers of the same customer WeCom accepted earlier (through another member)."""
    lead = added["lead"]
    earlier = WecomContact.objects.create(
        account=added["contact"].account,
        lead=lead,
        member_userid="wangwu",
        external_userid=PATIENT,
        external_key=external_key(PATIENT),
        status=WecomContact.Status.TRANSFERRED,
        added_at=timezone.now() - dt.timedelta(days=200),
    )
    for age, status in zip(ages_days, ["done", "refused"], strict=True):
        WecomTransfer.objects.create(
            account=earlier.account,
            contact=earlier,
            lead=lead,
            event=LeadEvent.objects.create(lead=lead, kind="assign", data={}),
            handover_userid="wangwu",
            takeover_userid="zhangsan",
            status=status,
            requested_at=timezone.now() - dt.timedelta(days=age),
        )


def test_a_third_transfer_in_90_days_is_not_called_and_the_supervisor_is_told(added, outbox_drain):
    state, lead = added["state"], added["lead"]
    _earlier_transfers(added, [80, 10])

    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()

    # then WeCom was not called; the row says why
    assert calls(state) == 0
    row = WecomTransfer.objects.get(event=_reassign_event(lead))
    assert (row.status, row.takeover_userid) == ("limit_reached", "lisi")
    # and 医助 B has a follow-up to ask the patient to add her, naming the supervisor
    (followup,) = FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.WECOM_READD)
    assert followup.assignee == added["b"]
    assert followup.status == "pending"
    assert "主管 boss" in followup.note
    assert "90 天内已在企业微信转接 2 次" in followup.note
    assert "请周敏请患者主动添加其企业微信" in followup.note
    (notice,) = notices()
    assert notice.body.startswith(f"@boss 线索 #{lead.pk}：")
    # and a replay of the delivery changes nothing more
    wecom_transfers_task(_reassign_event(lead).pk)
    assert FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.WECOM_READD).count() == 1
    assert calls(state) == 0


def test_transfers_older_than_90_days_do_not_count(added, outbox_drain):
    state, lead = added["state"], added["lead"]
    _earlier_transfers(added, [91, 10])

    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()

    assert calls(state) == 1
    assert WecomTransfer.objects.get(event=_reassign_event(lead)).status == "waiting"
    assert not FollowUp.objects.filter(kind=FollowUp.Kind.WECOM_READD).exists()


def test_wecom_answering_its_limit_errcode_takes_the_same_path(added, outbox_drain):
    state, lead = added["state"], added["lead"]
    # given two transfers WeCom knows of and we never recorded (made in the console)
    with state.lock:
        for _ in range(2):
            state.wecom["transfers"].append(
                {
                    "handover": "wangwu",
                    "takeover": "zhangsan",
                    "external_userid": PATIENT,
                    "at": time.time() - 86400 * 5,
                    "status": 1,
                    "takeover_time": 0,
                }
            )

    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()

    row = WecomTransfer.objects.get()
    assert (row.status, row.last_answer) == ("limit_reached", "40128")
    assert calls(state) == 1
    assert FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.WECOM_READD).count() == 1


def test_a_replayed_delivery_transfers_once(added, outbox_drain):
    state, lead = added["state"], added["lead"]
    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()
    event = _reassign_event(lead)
    delivery = OutboxDelivery.objects.get(listener=LISTENER)

    assert wecom_transfers_task(event.pk) == 0
    OutboxDelivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=None)
    assert outbox_deliver(delivery_id=delivery.pk) == "done"

    assert calls(state) == 1
    assert len(sandbox_transfers(state)) == 1
    assert WecomTransfer.objects.count() == 1


def test_a_rate_limited_transfer_is_retried_and_the_reassignment_stands(added, outbox_drain):
    state, base, lead = added["state"], added["base"], added["lead"]
    control(base, "/sandbox/control", faults=[{"kind": "rate_limit", "path": "transfer_customer"}])

    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()

    lead.refresh_from_db()
    assert lead.assignee == added["b"]
    delivery = OutboxDelivery.objects.get(listener=LISTENER)
    assert (delivery.status, delivery.last_error) == ("pending", "RateLimited: 45009")
    row = WecomTransfer.objects.get()
    assert (row.status, row.tries, row.last_answer) == ("error", 1, "45009")

    assert outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1

    row.refresh_from_db()
    assert (row.status, row.tries) == ("waiting", 2)
    assert len(sandbox_transfers(state)) == 1
    assert calls(state) == 2


def _waiting(added, outbox_drain) -> WecomTransfer:
    lead_reassign(lead_id=added["lead"].pk, assistant_id=added["b"].pk, actor=None)
    outbox_drain()
    return WecomTransfer.objects.get(status="waiting")


def test_the_result_taken_over_moves_the_contact_to_the_new_member(added, outbox_drain):
    row = _waiting(added, outbox_drain)
    # given WeCom has not handed over yet
    assert transfers_check(now=row.next_check_at) == 0
    row.refresh_from_db()
    assert row.status == "waiting"
    assert row.next_check_at > row.requested_at + dt.timedelta(hours=24, minutes=5)

    # when the customer is taken over and the check runs
    assert control(added["base"], action="transfer_finish", external_userid=PATIENT, status=1)["ok"]
    assert transfers_check(now=row.next_check_at) == 1

    row.refresh_from_db()
    assert row.status == "done"
    old = WecomContact.objects.get(pk=added["contact"].pk)
    assert old.status == WecomContact.Status.TRANSFERRED
    new = WecomContact.objects.get(member_userid="lisi")
    assert (new.lead, new.status, new.external_userid) == (added["lead"], "added", PATIENT)
    assert new.external_key == old.external_key
    assert not FollowUp.objects.filter(kind=FollowUp.Kind.WECOM_READD).exists()


def test_the_result_refused_asks_the_new_assistant_to_be_added(added, outbox_drain):
    row = _waiting(added, outbox_drain)
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=3)

    assert transfers_check(now=row.next_check_at) == 1
    assert transfers_check(now=row.next_check_at + dt.timedelta(hours=2)) == 0

    row.refresh_from_db()
    assert row.status == "refused"
    assert WecomContact.objects.get(pk=added["contact"].pk).status == "added"
    (followup,) = FollowUp.objects.filter(kind=FollowUp.Kind.WECOM_READD)
    assert "患者拒绝了企业微信转接" in followup.note


def test_the_transfer_fail_callback_ends_it_once(added, outbox_drain, post_event):
    row = _waiting(added, outbox_drain)
    xml = event_xml(
        ChangeType="transfer_fail",
        FailReason="customer_limit_exceed",
        UserID="lisi",
        ExternalUserID=PATIENT,
        State="",
        WelcomeCode="",
    )

    # when WeCom reports the failure, and sends it again
    for _ in range(2):
        assert post_event(xml).status_code == 200
        drain()
    later = event_xml(
        ChangeType="transfer_fail",
        FailReason="customer_refused",
        UserID="lisi",
        ExternalUserID=PATIENT,
        CreateTime=str(int(time.time()) + 1),
    )
    assert post_event(later).status_code == 200
    drain()

    # then the transfer ended at the member's limit, once
    row.refresh_from_db()
    assert (row.status, row.last_answer) == ("takeover_limit", "customer_limit_exceed")
    assert FollowUp.objects.filter(kind=FollowUp.Kind.WECOM_READD).count() == 1
    assert len(notices()) == 1
    assert transfers_check(now=row.next_check_at or timezone.now() + dt.timedelta(days=2)) == 0


# ---- a reassignment while a transfer is still waiting (review of issue 16 point 1) --------


@pytest.fixture
def third(added):
    """医助 C (王五, wecom userid wangwu) in the same clinic."""
    return AssistantFactory(name="王五", wecom_userid="wangwu", clinic=added["a"].clinic)


def _readds(lead) -> list[FollowUp]:
    return list(FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.WECOM_READD))


def test_a_reassignment_during_a_waiting_transfer_moves_the_customer_on_to_the_final_assistant(
    added, third, outbox_drain
):
    state, lead = added["state"], added["lead"]
    first = _waiting(added, outbox_drain)  # zhangsan → lisi, waiting 24 h

    # when the lead moves on to 医助 C before WeCom hands the customer to B
    lead_reassign(lead_id=lead.pk, assistant_id=third.pk, actor=None)
    outbox_drain()

    # then nothing is called yet (WeCom allows one transfer under way): C's transfer waits
    assert calls(state) == 1
    queued = WecomTransfer.objects.get(event=_reassign_event(lead))
    assert (queued.status, queued.takeover_userid, queued.waits_for) == ("queued", "wangwu", first)

    # when B takes the customer over, the check hands them on from B to C at once
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=1)
    assert transfers_check(now=first.next_check_at) == 1
    assert [(t["handover"], t["takeover"]) for t in sandbox_transfers(state)] == [
        ("zhangsan", "lisi"),
        ("lisi", "wangwu"),
    ]
    queued.refresh_from_db()
    assert (queued.status, queued.handover_userid) == ("waiting", "lisi")

    # and when C takes over, the relationship ends at C, bound to the lead
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=1)
    assert transfers_check(now=queued.next_check_at) == 1
    held = WecomContact.objects.get(external_key=external_key(PATIENT), status="added")
    assert (held.member_userid, held.lead) == ("wangwu", lead)
    assert _readds(lead) == []  # nobody has to ask the patient anything


def test_when_the_waiting_transfer_fails_the_customer_goes_straight_to_the_final_assistant(
    added, third, outbox_drain, post_event, django_capture_on_commit_callbacks
):
    state, lead = added["state"], added["lead"]
    first = _waiting(added, outbox_drain)
    lead_reassign(lead_id=lead.pk, assistant_id=third.pk, actor=None)
    outbox_drain()

    # when WeCom reports that B could not take the customer (B is at the limit)
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=4)
    xml = event_xml(
        ChangeType="transfer_fail",
        FailReason="customer_limit_exceed",
        UserID="lisi",
        ExternalUserID=PATIENT,
        State="",
        WelcomeCode="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(xml).status_code == 200
        drain()

    # then the middle assistant gets no follow-up; A's customer goes to C instead
    first.refresh_from_db()
    assert first.status == "takeover_limit"
    assert [(t["handover"], t["takeover"]) for t in sandbox_transfers(state)][-1] == (
        "zhangsan",
        "wangwu",
    )
    queued = WecomTransfer.objects.get(event=_reassign_event(lead))
    assert (queued.status, queued.handover_userid) == ("waiting", "zhangsan")
    assert _readds(lead) == []

    # and when C cannot take over either (the patient refuses), C is asked to be added
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=3)
    assert transfers_check(now=queued.next_check_at) == 1
    (followup,) = _readds(lead)
    assert followup.assignee == third
    assert "请王五请患者主动添加其企业微信" in followup.note


def test_past_the_limit_the_final_assistant_gets_the_follow_up_not_the_middle_one(
    added, third, outbox_drain
):
    state, lead = added["state"], added["lead"]
    # given one earlier transfer of this customer in the last 90 days
    _earlier_transfers(added, [80, 400])
    first = _waiting(added, outbox_drain)  # the second in 90 days
    lead_reassign(lead_id=lead.pk, assistant_id=third.pk, actor=None)
    outbox_drain()

    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=1)
    assert transfers_check(now=first.next_check_at) == 1

    # then B holds the customer, a third transfer is not called, and C is told why
    assert len(sandbox_transfers(state)) == 1
    queued = WecomTransfer.objects.get(event=_reassign_event(lead))
    assert (queued.status, queued.handover_userid) == ("limit_reached", "lisi")
    (followup,) = _readds(lead)
    assert followup.assignee == third
    assert "90 天内已在企业微信转接 2 次" in followup.note
    assert "请王五请患者主动添加其企业微信" in followup.note


def test_only_the_last_of_several_reassignments_during_a_waiting_transfer_counts(
    added, third, outbox_drain
):
    state, lead = added["state"], added["lead"]
    first = _waiting(added, outbox_drain)
    lead_reassign(lead_id=lead.pk, assistant_id=third.pk, actor=None)
    outbox_drain()
    middle = WecomTransfer.objects.get(event=_reassign_event(lead))
    # back to 医助 A: the customer should end where they are now
    lead_reassign(lead_id=lead.pk, assistant_id=added["a"].pk, actor=None)
    outbox_drain()

    middle.refresh_from_db()
    assert middle.status == "superseded"
    last = WecomTransfer.objects.get(event=_reassign_event(lead))
    assert (last.status, last.takeover_userid, last.waits_for) == ("queued", "zhangsan", first)

    # B refuses nothing: WeCom hands the customer to B; they go back to A
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=1)
    transfers_check(now=first.next_check_at)
    assert [(t["handover"], t["takeover"]) for t in sandbox_transfers(state)][-1] == (
        "lisi",
        "zhangsan",
    )
    assert _readds(lead) == []


def test_reassigning_to_an_assistant_without_a_wecom_userid_says_why(added, outbox_drain):
    lead = added["lead"]
    nobody = AssistantFactory(name="赵六", wecom_userid="", clinic=added["a"].clinic)

    lead_reassign(lead_id=lead.pk, assistant_id=nobody.pk, actor=None)
    outbox_drain()

    row = WecomTransfer.objects.get()
    assert (row.status, row.last_answer) == ("skipped", "接替医助未设置企业微信 userid")
    (followup,) = _readds(lead)
    assert followup.assignee == nobody
    assert "接替医助未设置企业微信 userid，患者仍在原医助的企业微信" in followup.note


def test_a_transfer_left_sending_by_a_dead_worker_is_called_by_the_check(added, outbox_drain):
    """The worker claimed the row and died; the outbox's retry came inside the row's lease,
    skipped it and finished the delivery: nothing else would ever call WeCom for it."""
    state, lead = added["state"], added["lead"]
    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    event = _reassign_event(lead)
    claimed = timezone.now() - dt.timedelta(minutes=6)
    row = WecomTransfer.objects.create(
        account=added["contact"].account,
        contact=added["contact"],
        lead=lead,
        event=event,
        handover_userid="zhangsan",
        takeover_userid="lisi",
        status="sending",
        claimed_at=claimed,
        tries=1,
    )
    OutboxDelivery.objects.filter(listener=LISTENER).update(status="done")

    transfers_check()

    row.refresh_from_db()
    assert (row.status, row.tries) == ("waiting", 2)
    assert len(sandbox_transfers(state)) == 1


def test_reassignments_delivered_out_of_order_still_end_at_the_final_assistant(
    added, third, outbox_drain
):
    """The second reassignment's delivery runs first (the first one's task was late): it finds
    nothing to move (B holds nobody yet); the first one, run after, hands the customer straight
    to the lead's final assistant, never to the middle one."""
    state, lead = added["state"], added["lead"]
    lead_reassign(lead_id=lead.pk, assistant_id=added["b"].pk, actor=None)
    lead_reassign(lead_id=lead.pk, assistant_id=third.pk, actor=None)
    first, second = OutboxDelivery.objects.filter(listener=LISTENER).order_by("pk")

    assert outbox_deliver(delivery_id=second.pk) == "done"
    assert outbox_deliver(delivery_id=first.pk) == "done"

    assert [(t["handover"], t["takeover"]) for t in sandbox_transfers(state)] == [
        ("zhangsan", "wangwu")
    ]
    row = WecomTransfer.objects.get(status="waiting")
    control(added["base"], action="transfer_finish", external_userid=PATIENT, status=3)
    assert transfers_check(now=row.next_check_at) == 1
    (followup,) = _readds(lead)
    assert followup.assignee == third  # the lead's assistant now, not the event's


def test_the_next_reassignment_moves_the_customer_from_whoever_still_holds_them(
    added, third, outbox_drain
):
    """Review of issue 16: after a reassignment that moved nobody (the new assistant had no
    WeCom userid), the next reassignment looked for the customer at that assistant, found
    nothing and left the patient with the first one for good."""
    state, lead = added["state"], added["lead"]
    nobody = AssistantFactory(name="陈思远", wecom_userid="", clinic=added["a"].clinic)
    lead_reassign(lead_id=lead.pk, assistant_id=nobody.pk, actor=None)
    outbox_drain()
    assert sandbox_transfers(state) == []

    lead_reassign(lead_id=lead.pk, assistant_id=third.pk, actor=None)
    outbox_drain()

    assert [(t["handover"], t["takeover"]) for t in sandbox_transfers(state)] == [
        ("zhangsan", "wangwu")
    ]
