"""Issue 13 point 6: a source re-sending one external id with another person's phone is held
for review (quarantined `phone_changed`, replayable by staff), never an orphan second lead."""

from __future__ import annotations

import pytest

from funnel.models import InboundLead, InboundStatus, Lead, Touchpoint
from funnel.payload import LeadPayload
from funnel.services.intake import (
    IntakeSource,
    Processing,
    intake_replay,
    lead_intake,
    leads_intake,
)

pytestmark = pytest.mark.django_db

SOURCE = IntakeSource(channel="douyin", account="华东1")


def _record(phone: str, campaign: str = "春季") -> tuple[dict, LeadPayload]:
    raw = {"clue_id": "c-1", "telphone": phone, "campaign": campaign}
    payload = LeadPayload(
        phone=phone,
        name="王",
        channel="douyin",
        account="华东1",
        external_id="c-1",
        campaign_name=campaign,
        consent_required=False,
    )
    return raw, payload


def _send(phone: str, campaign: str = "春季"):
    raw, payload = _record(phone, campaign)
    return lead_intake(source=SOURCE, external_id="c-1", raw=raw, payload=payload).outcome


def test_a_resend_with_another_phone_is_held_and_the_first_lead_kept() -> None:
    first = _send("13800138000")
    held = _send("13900139000")

    assert first.result == "created"
    assert (held.result, held.reason) == ("quarantined", "phone_changed")
    row = InboundLead.objects.get()
    assert (row.status, row.reason, row.lead_id) == ("quarantined", "phone_changed", first.lead_id)
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.count() == 1


def test_staff_replay_releases_a_held_record() -> None:
    _send("13800138000")
    held = _send("13900139000")

    released = intake_replay(inbound_id=held.inbound_id)

    assert released.result == "created"
    assert Lead.objects.count() == 2
    assert InboundLead.objects.get().status == InboundStatus.PROCESSED


@pytest.mark.parametrize("phone", ["+86 138-0013-8000", "8613800138000", "１３８００１３８０００"])
def test_late_fields_or_another_spelling_of_the_same_phone_are_ordinary_resends(phone) -> None:
    first = _send("13800138000")
    again = _send(phone, campaign="春季-补全")

    assert again.result == "merged"
    assert again.lead_id == first.lead_id
    assert InboundLead.objects.get().status == InboundStatus.PROCESSED


def test_a_pulled_page_holds_a_changed_phone_too() -> None:
    raw, payload = _record("13800138000")
    leads_intake(source=SOURCE, records=[("c-1", raw, payload)], processing=Processing.NOW)
    raw2, payload2 = _record("13900139000")

    (result,) = leads_intake(
        source=SOURCE, records=[("c-1", raw2, payload2)], processing=Processing.NOW
    )

    assert (result.outcome.result, result.outcome.reason) == ("quarantined", "phone_changed")
    assert Lead.objects.count() == 1


@pytest.mark.parametrize("campaign", ["春季-补全", "春季"])
def test_a_held_record_stays_held_through_further_resends(campaign) -> None:
    # given a record held because its re-send carried another person's phone
    first = _send("13800138000")
    _send("13900139000")
    # when the platform sends it again with that phone (a late field, or a trailing window)
    again = _send("13900139000", campaign=campaign + "-再次")
    # then it is still held for staff: no lead is made for the other person
    assert (again.result, again.reason) == ("quarantined", "phone_changed")
    row = InboundLead.objects.get()
    assert (row.status, row.reason, row.lead_id) == ("quarantined", "phone_changed", first.lead_id)
    assert Lead.objects.count() == 1


def test_a_held_record_whose_phone_comes_back_is_an_ordinary_resend() -> None:
    first = _send("13800138000")
    _send("13900139000")
    # the platform corrected the phone back to the lead's (another spelling of it)
    again = _send("+86 138 0013 8000", campaign="春季-更正")
    assert (again.result, again.lead_id) == ("merged", first.lead_id)
    assert InboundLead.objects.get().status == InboundStatus.PROCESSED
    assert Lead.objects.count() == 1


def test_a_pulled_page_keeps_a_held_record_held_too() -> None:
    sends = (("13800138000", "春季"), ("13900139000", "春季"), ("13900139000", "补"))
    for phone, campaign in sends:
        raw, payload = _record(phone, campaign)
        (result,) = leads_intake(
            source=SOURCE, records=[("c-1", raw, payload)], processing=Processing.NOW
        )
    assert (result.outcome.result, result.outcome.reason) == ("quarantined", "phone_changed")
    assert Lead.objects.count() == 1
