"""A withdrawn or purged person's WeCom traces (issue 13 point 2): contacts keep member,
status and times (the counts) and lose the external userid, its fingerprint and the state;
every raw callback naming them goes, matched to the lead or not. Through the real endpoint
and the intake processing (`drain` plays the worker)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from channels.wecom.models import WecomContact
from channels.wecom.state import state_for_lead
from funnel.models import InboundLead, InboundStatus, Lead
from funnel.services.pii import consent_withdraw, leads_purge_expired
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import event_xml

pytestmark = pytest.mark.django_db

PATIENT = "wmPATIENT01"
OTHER = "wmSOMEONE02"


def _callbacks_naming(external: str) -> list[InboundLead]:
    return [
        row
        for row in InboundLead.objects.filter(channel="wecom")
        if isinstance(row.raw, dict) and row.raw.get("ExternalUserID") == external
    ]


@pytest.fixture
def patient(post_event, make_lead) -> Lead:
    """A lead added by two members (one add with the lead's state, one without: unmatched),
    then deleted by the patient; and someone else's contact."""
    lead = make_lead()
    now = int(time.time())
    for xml in (
        event_xml(
            State=state_for_lead(lead.pk),
            UserID="lisi",
            ExternalUserID=PATIENT,
            CreateTime=str(now - 300),
        ),
        event_xml(State="", UserID="wangwu", ExternalUserID=PATIENT, CreateTime=str(now - 200)),
        event_xml(
            ChangeType="del_follow_user",
            UserID="lisi",
            ExternalUserID=PATIENT,
            CreateTime=str(now - 100),
        ),
        event_xml(State="", UserID="lisi", ExternalUserID=OTHER, CreateTime=str(now - 50)),
    ):
        assert post_event(xml).status_code == 200
    drain()
    assert WecomContact.objects.filter(lead=lead).count() == 1
    assert len(_callbacks_naming(PATIENT)) == 3
    # the unmatched add and the deletion are not the lead's intake records
    assert sum(row.lead_id is None for row in _callbacks_naming(PATIENT)) >= 1
    return lead


def _assert_wiped(lead: Lead) -> None:
    assert _callbacks_naming(PATIENT) == []
    for contact in WecomContact.objects.exclude(external_key__startswith="anonymized:"):
        assert contact.external_userid == OTHER  # only the other person's contact is intact
    mine = WecomContact.objects.filter(external_key__startswith="anonymized:").order_by("pk")
    assert [(c.member_userid, c.status, c.state, c.external_userid) for c in mine] == [
        ("lisi", WecomContact.Status.DELETED_BY_CUSTOMER, "", ""),
        ("wangwu", WecomContact.Status.ADDED, "", ""),
    ]
    # the counts stay: the lead's contact, its add and delete times
    kept = mine.get(member_userid="lisi")
    assert (kept.lead_id, kept.deleted_at is not None) == (lead.pk, True)


def test_withdrawal_wipes_the_persons_wecom_contacts_and_callbacks(patient) -> None:
    consent_withdraw(lead_id=patient.pk, actor_label="患者来电")

    _assert_wiped(patient)
    # someone else's callback is theirs (the purge would expire it: unlinked and old)
    assert len(_callbacks_naming(OTHER)) == 1
    assert InboundLead.objects.filter(channel="wecom", status=InboundStatus.ANONYMIZED).count() == 3


def test_the_retention_purge_wipes_them_too(patient, settings) -> None:
    settings.FUNNEL_RETENTION_DAYS = 365

    assert leads_purge_expired(now=timezone.now() + dt.timedelta(days=400)) == 1

    _assert_wiped(patient)


def test_a_re_add_with_the_withdrawn_leads_code_links_nobody(patient, post_event) -> None:
    consent_withdraw(lead_id=patient.pk)

    xml = event_xml(State=state_for_lead(patient.pk), UserID="zhaoliu", ExternalUserID="wmNEW")
    assert post_event(xml).status_code == 200
    drain()

    new = WecomContact.objects.get(member_userid="zhaoliu")
    assert new.lead_id is None
    assert InboundLead.objects.get(pk=new.inbound_id).result == "unmatched"
