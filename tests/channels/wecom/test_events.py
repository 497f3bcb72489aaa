"""Callbacks move the funnel: add_external_contact → 已加微 at the event's time, bound to the
member and the external contact; unknown state → unmatched contact for staff; del_follow_user
→ churn event and a supervisor follow-up. Everything goes through the real endpoint and the
funnel's intake processing (`drain` plays the worker)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection

from channels.wecom.models import WecomContact
from channels.wecom.services import contact_bind
from channels.wecom.state import MAX_CHARS, lead_from_state, state_for_lead
from funnel.models import FollowUp, InboundLead, Lead, LeadEvent, Notification, Stage
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import event_xml

pytestmark = pytest.mark.django_db


def _stage_events(lead: Lead, stage: str = Stage.CONTACTED) -> list[LeadEvent]:
    return list(LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.STAGE, to_stage=stage))


def test_state_token_is_short_signed_and_without_pii():
    for lead_id in (1, 4242, 2**63 - 1):
        state = state_for_lead(lead_id)
        assert len(state) <= MAX_CHARS
        assert lead_from_state(state) == lead_id
    state = state_for_lead(4242)
    body, sig = state.split(".")
    assert lead_from_state(f"{body}.{sig[:-1]}{'A' if sig[-1] != 'A' else 'B'}") is None
    assert lead_from_state(state_for_lead(4243).split(".")[0] + "." + sig) is None
    for junk in ("", "wb:1:4285486", "yl.", "yl!!.abc", "x" * 200, "yl1.2.3"):
        assert lead_from_state(junk) is None


def test_add_with_known_state_reaches_contacted_at_the_event_time(post_event, make_lead):
    lead = make_lead()
    created = int(time.time()) - 120
    xml = event_xml(
        State=state_for_lead(lead.pk),
        CreateTime=str(created),
        UserID="lisi",
        ExternalUserID="wmPATIENT01",
    )
    assert post_event(xml).status_code == 200
    drain()
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    (event,) = _stage_events(lead)
    assert event.created_at == dt.datetime.fromtimestamp(created, tz=dt.UTC)
    assert event.actor_label == "企业微信"
    contact = WecomContact.objects.get()
    assert contact.lead_id == lead.pk
    assert contact.member_userid == "lisi"
    assert contact.external_userid == "wmPATIENT01"
    with connection.cursor() as cursor:
        cursor.execute("SELECT external_userid FROM channels_wecomcontact")
        assert "wmPATIENT01" not in cursor.fetchone()[0]  # encrypted at rest
    row = InboundLead.objects.get(channel="wecom")
    assert row.result == "contacted"
    assert row.lead_id == lead.pk


def test_replays_give_no_second_stage_change(post_event, make_lead):
    lead = make_lead()
    xml = event_xml(State=state_for_lead(lead.pk), CreateTime=str(int(time.time())))
    for _ in range(3):
        assert post_event(xml).status_code == 200
        drain()
    # Same customer adding a second member of the team: a second contact, no second stage.
    other = event_xml(State=state_for_lead(lead.pk), UserID="wangwu")
    assert post_event(other).status_code == 200
    drain()
    assert len(_stage_events(lead)) == 1
    assert WecomContact.objects.filter(lead=lead).count() == 2


def test_add_for_a_lead_already_further_keeps_its_stage(post_event, make_lead):
    from funnel.services.stages import lead_stage_change

    lead = make_lead()
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONSULTED)
    assert post_event(event_xml(State=state_for_lead(lead.pk))).status_code == 200
    drain()
    lead.refresh_from_db()
    assert lead.stage == Stage.CONSULTED
    assert WecomContact.objects.get().lead_id == lead.pk


@pytest.mark.parametrize("state", ["", "wb:1:4285486", "forged"])
def test_unknown_state_is_kept_unmatched_for_staff(post_event, make_lead, state):
    lead = make_lead()
    if state == "forged":
        body, sig = state_for_lead(lead.pk).split(".")
        state = f"{body}.{'x' * len(sig)}"
    created = int(time.time()) - 60
    assert post_event(event_xml(State=state, CreateTime=str(created))).status_code == 200
    drain()
    contact = WecomContact.objects.get()
    assert contact.lead_id is None
    assert InboundLead.objects.get(channel="wecom").result == "unmatched"
    lead.refresh_from_db()
    assert lead.stage == Stage.NEW
    # Staff bind it: the lead reaches 已加微 at the add's time.
    contact_bind(contact_id=contact.pk, lead_id=lead.pk)
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    (event,) = _stage_events(lead)
    assert event.created_at == dt.datetime.fromtimestamp(created, tz=dt.UTC)


def test_del_follow_user_is_a_churn_signal_with_a_supervisor_followup(
    post_event, make_lead, django_capture_on_commit_callbacks
):
    lead = make_lead()
    added = int(time.time()) - 600
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(added)))
    drain()
    deleted = int(time.time()) - 5
    xml = event_xml(ChangeType="del_follow_user", State="", CreateTime=str(deleted))
    for _ in range(2):  # a retry is one effect
        assert post_event(xml).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            drain()
    contact = WecomContact.objects.get()
    assert contact.status == WecomContact.Status.DELETED_BY_CUSTOMER
    assert contact.deleted_at == dt.datetime.fromtimestamp(deleted, tz=dt.UTC)
    (churn,) = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN)
    assert churn.data["change"] == "del_follow_user"
    (followup,) = FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.CHURN)
    assert "主管" in followup.note
    assert followup.status == FollowUp.Status.PENDING
    assert sum("删除了医助" in n.title for n in Notification.objects.all()) == 1


def test_del_follow_user_for_an_unknown_contact_is_kept_deleted_and_unmatched(post_event):
    xml = event_xml(ChangeType="del_follow_user", ExternalUserID="wmNOBODY")
    assert post_event(xml).status_code == 200
    drain()
    assert InboundLead.objects.get(channel="wecom").result == "unmatched"
    contact = WecomContact.objects.get()
    assert (contact.status, contact.lead_id, contact.added_at) == (
        WecomContact.Status.DELETED_BY_CUSTOMER,
        None,
        None,
    )
    assert not LeadEvent.objects.filter(kind=LeadEvent.Kind.CHURN).exists()


def test_other_events_are_stored_and_ignored(post_event):
    xml = event_xml(Event="change_external_chat", ChangeType="create", ChatId="wrOgQh")
    assert post_event(xml).status_code == 200
    drain()
    row = InboundLead.objects.get(channel="wecom")
    assert row.result == "ignored"
    assert row.raw["ChatId"] == "wrOgQh"


# ---- add_half_external_contact, del_external_contact, edit_external_contact, order ------------


def _at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def test_half_add_keeps_the_contact_pending_without_moving_the_stage(post_event, make_lead):
    lead = make_lead()
    half = int(time.time()) - 60
    xml = event_xml(
        ChangeType="add_half_external_contact", State=state_for_lead(lead.pk), CreateTime=str(half)
    )
    for _ in range(2):  # a replay is one effect
        assert post_event(xml).status_code == 200
        drain()
    contact = WecomContact.objects.get()
    # A request, not an add: no add time (加微 and time-to-add wait for the full add), its
    # own time and its own note on the lead's timeline, once.
    assert (contact.status, contact.lead_id, contact.added_at, contact.half_added_at) == (
        WecomContact.Status.PENDING,
        lead.pk,
        None,
        _at(half),
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.NEW
    assert not _stage_events(lead)
    (note,) = LeadEvent.objects.filter(lead=lead, data__change="add_half_external_contact")
    assert (note.kind, note.created_at) == (LeadEvent.Kind.NOTE, _at(half))
    assert note.data == {
        "source": "wecom",
        "change": "add_half_external_contact",
        "member_userid": "zhangsan",
    }
    assert InboundLead.objects.get(channel="wecom").result == "pending"
    # The member accepts: the add moves the lead at the add's time.
    accepted = half + 30
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(accepted)))
    drain()
    contact.refresh_from_db()
    assert (contact.status, contact.added_at, contact.half_added_at) == (
        WecomContact.Status.ADDED,
        _at(accepted),
        _at(half),
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    (event,) = _stage_events(lead)
    assert event.created_at == _at(accepted)


def test_a_half_add_then_a_deletion_never_makes_the_lead_added(post_event, make_lead):
    """The patient asked, then deleted the member before any acceptance: binding the contact
    by hand records the churn signal but never 已加微 (there was no add)."""
    lead = make_lead()
    half = int(time.time()) - 120
    post_event(event_xml(ChangeType="add_half_external_contact", State="", CreateTime=str(half)))
    post_event(event_xml(ChangeType="del_follow_user", State="", CreateTime=str(half + 60)))
    drain()
    contact = WecomContact.objects.get()
    assert (contact.added_at, contact.half_added_at) == (None, _at(half))

    contact_bind(contact_id=contact.pk, lead_id=lead.pk)

    lead.refresh_from_db()
    assert lead.stage == Stage.NEW
    assert not _stage_events(lead)
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN).count() == 1


def test_a_half_add_older_than_the_add_does_not_undo_it(post_event, make_lead):
    lead = make_lead()
    now = int(time.time())
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(now - 10)))
    drain()
    late = event_xml(
        ChangeType="add_half_external_contact",
        State=state_for_lead(lead.pk),
        CreateTime=str(now - 40),
    )
    post_event(late)
    drain()
    contact = WecomContact.objects.get()
    assert (contact.status, contact.added_at) == (WecomContact.Status.ADDED, _at(now - 10))
    assert InboundLead.objects.filter(channel="wecom").order_by("pk").last().result == "stale"


def test_member_deleting_the_customer_is_recorded_once(post_event, make_lead):
    lead = make_lead()
    added = int(time.time()) - 600
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(added)))
    drain()
    removed = added + 300
    xml = event_xml(ChangeType="del_external_contact", State="", CreateTime=str(removed))
    for _ in range(2):
        assert post_event(xml).status_code == 200
        drain()
    contact = WecomContact.objects.get()
    assert (contact.status, contact.deleted_at) == (
        WecomContact.Status.REMOVED_BY_MEMBER,
        _at(removed),
    )
    (event,) = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN)
    assert event.data == {
        "source": "wecom",
        "change": "del_external_contact",
        "member_userid": "zhangsan",
    }
    assert event.created_at == _at(removed)
    assert not FollowUp.objects.filter(lead=lead).exclude(kind=FollowUp.Kind.SLA_CHECK).exists()
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED  # the funnel keeps what happened
    assert InboundLead.objects.filter(channel="wecom").order_by("pk").last().result == "removed"


def test_delete_arriving_before_its_add_is_not_undone_by_the_add(post_event, make_lead):
    lead = make_lead()
    added = int(time.time()) - 100
    removed = added + 50
    # WeCom delivers the delete first (a retry of the add comes later).
    post_event(event_xml(ChangeType="del_external_contact", State="", CreateTime=str(removed)))
    drain()
    contact = WecomContact.objects.get()
    assert (contact.status, contact.lead_id) == (WecomContact.Status.REMOVED_BY_MEMBER, None)
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(added)))
    drain()
    contact.refresh_from_db()
    assert contact.status == WecomContact.Status.REMOVED_BY_MEMBER
    assert (contact.lead_id, contact.added_at, contact.deleted_at) == (
        lead.pk,
        _at(added),
        _at(removed),
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED  # it was added, at that time
    (event,) = _stage_events(lead)
    assert event.created_at == _at(added)
    (churn,) = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN)
    assert churn.created_at == _at(removed)
    assert InboundLead.objects.filter(channel="wecom").order_by("pk").last().result == "stale"


def test_an_older_delete_does_not_override_a_newer_re_add(post_event, make_lead):
    lead = make_lead()
    now = int(time.time())
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(now - 100)))
    drain()
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(now - 10)))  # re-add
    drain()
    post_event(event_xml(ChangeType="del_follow_user", State="", CreateTime=str(now - 50)))
    drain()
    contact = WecomContact.objects.get()
    assert (contact.status, contact.deleted_at) == (WecomContact.Status.ADDED, None)
    assert not LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN).exists()
    assert not FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.CHURN).exists()


def test_edit_records_the_newest_edit_time_only(post_event, make_lead):
    lead = make_lead()
    now = int(time.time())
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(now - 100)))
    drain()
    events_before = LeadEvent.objects.filter(lead=lead).count()
    newer = event_xml(ChangeType="edit_external_contact", State="", CreateTime=str(now - 20))
    older = event_xml(ChangeType="edit_external_contact", State="", CreateTime=str(now - 60))
    for xml in (newer, newer, older):
        assert post_event(xml).status_code == 200
        drain()
    contact = WecomContact.objects.get()
    assert contact.edited_at == _at(now - 20)
    assert contact.status == WecomContact.Status.ADDED
    results = list(
        InboundLead.objects.filter(channel="wecom").order_by("pk").values_list("result", flat=True)
    )
    assert results == ["contacted", "edited", "stale"]
    assert LeadEvent.objects.filter(lead=lead).count() == events_before  # nothing else changes


def test_edit_for_an_unknown_contact_is_ignored(post_event):
    post_event(event_xml(ChangeType="edit_external_contact", ExternalUserID="wmNOBODY"))
    drain()
    assert InboundLead.objects.get(channel="wecom").result == "ignored"
    assert not WecomContact.objects.exists()


def test_binding_a_deleted_unmatched_contact_gives_its_lead_the_churn_signal(post_event, make_lead):
    lead = make_lead()
    now = int(time.time())
    post_event(event_xml(State="", CreateTime=str(now - 100)))
    drain()
    post_event(event_xml(ChangeType="del_follow_user", State="", CreateTime=str(now - 50)))
    drain()
    contact = WecomContact.objects.get()
    contact_bind(contact_id=contact.pk, lead_id=lead.pk)
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    (churn,) = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.CHURN)
    assert churn.created_at == _at(now - 50)
    assert FollowUp.objects.filter(lead=lead, kind=FollowUp.Kind.CHURN).count() == 1


def test_a_leads_code_binds_one_person_and_a_stranger_stays_unmatched(post_event, make_lead):
    """Review of issue 16: a screenshot of the patient's code scanned by someone else must not
    bind them to the lead (the welcome message would hand them the care-plan link)."""
    from channels.wecom.models import WecomWelcome

    lead = make_lead()
    state = state_for_lead(lead.pk)
    # the patient scans their code
    post_event(event_xml(State=state, UserID="lisi", ExternalUserID="wmPATIENT01"))
    # a stranger scans the same code (same member), and another stranger adds another member
    post_event(event_xml(State=state, UserID="lisi", ExternalUserID="wmSTRANGER1"))
    post_event(event_xml(State=state, UserID="wangwu", ExternalUserID="wmSTRANGER2"))
    # the patient also adds a second member through a code of their own lead
    post_event(event_xml(State=state, UserID="wangwu", ExternalUserID="wmPATIENT01"))
    drain()

    bound = sorted(
        (c.member_userid, c.external_userid, c.lead_id) for c in WecomContact.objects.all()
    )
    assert bound == [
        ("lisi", "wmPATIENT01", lead.pk),
        ("lisi", "wmSTRANGER1", None),
        ("wangwu", "wmPATIENT01", lead.pk),
        ("wangwu", "wmSTRANGER2", None),
    ]
    results = sorted(InboundLead.objects.filter(channel="wecom").values_list("result", flat=True))
    assert results.count("unmatched") == 2
    # no welcome (with its care-plan link) was planned for a stranger
    strangers = WecomContact.objects.filter(lead__isnull=True)
    assert not WecomWelcome.objects.filter(contact__in=strangers).exists()
