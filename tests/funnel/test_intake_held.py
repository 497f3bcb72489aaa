"""Issue 13 point 6: a source re-sending one external id with another person's phone is held
for review (quarantined `phone_changed`, replayable by staff), never an orphan second lead."""

from __future__ import annotations

import dataclasses

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


# Review of issue 14 (H2): a re-send with another phone that arrives while the first copy still
# waits to be processed (the broker is away, the sweep has not run; or both copies on one page)
# must not replace the first person's copy.


def _leads_by_phone() -> set[str]:
    return {lead.phone for lead in Lead.objects.all()}


def test_a_push_resent_with_another_phone_before_processing_keeps_the_first_person() -> None:
    # (the test's transaction never commits: LATER's task never runs, as with the broker away)
    raw, payload = _record("13977770011")
    first = lead_intake(
        source=SOURCE, external_id="c-1", raw=raw, payload=payload, processing=Processing.LATER
    )
    assert InboundLead.objects.get().status == InboundStatus.RECEIVED  # waits for the sweep
    raw2, payload2 = _record("13977770012")

    again = lead_intake(
        source=SOURCE, external_id="c-1", raw=raw2, payload=payload2, processing=Processing.LATER
    )

    assert (first.new, again.new) == (True, False)
    row = InboundLead.objects.get()
    assert (row.status, row.reason) == ("quarantined", "phone_changed")
    assert row.payload["phone"].endswith("13977770012")  # the re-send, held for staff
    assert _leads_by_phone() == {"+8613977770011"}
    assert row.lead_id == Lead.objects.get().pk
    # staff replay makes the second person's lead; nothing was lost
    assert intake_replay(inbound_id=row.pk).result == "created"
    assert _leads_by_phone() == {"+8613977770011", "+8613977770012"}


def test_a_page_resending_a_waiting_record_with_another_phone_keeps_the_first_person() -> None:
    raw, payload = _record("13977770011")
    lead_intake(
        source=SOURCE, external_id="c-1", raw=raw, payload=payload, processing=Processing.LATER
    )
    raw2, payload2 = _record("13977770012")

    (result,) = leads_intake(
        source=SOURCE, records=[("c-1", raw2, payload2)], processing=Processing.NOW
    )

    assert (result.outcome.result, result.outcome.reason) == ("quarantined", "phone_changed")
    assert (result.changed, result.new) == (True, False)
    assert _leads_by_phone() == {"+8613977770011"}


@pytest.mark.parametrize("processing", [Processing.NOW, Processing.AFTER_COMMIT])
@pytest.mark.django_db(transaction=True)
def test_one_page_holding_a_record_twice_with_two_phones_keeps_the_first(processing) -> None:
    raw, payload = _record("13977770011")
    raw2, payload2 = _record("13977770012")
    other_raw, other_payload = _record("13977770013")
    other_raw["clue_id"] = "c-2"
    other = dataclasses.replace(other_payload, external_id="c-2")

    results = leads_intake(
        source=SOURCE,
        records=[("c-1", raw, payload), ("c-2", other_raw, other), ("c-1", raw2, payload2)],
        processing=processing,
    )

    assert [(r.changed, r.new) for r in results] == [(True, True), (True, True)]
    held = InboundLead.objects.get(external_id="c-1")
    assert (held.status, held.reason) == ("quarantined", "phone_changed")
    assert held.payload["phone"].endswith("13977770012")
    assert _leads_by_phone() == {"+8613977770011", "+8613977770013"}


@pytest.mark.django_db(transaction=True)
def test_one_page_holding_a_record_twice_with_a_late_field_is_one_lead() -> None:
    raw, payload = _record("13977770011")
    raw2, payload2 = _record("+86 139 7777 0011", campaign="春季-补全")

    results = leads_intake(
        source=SOURCE,
        records=[("c-1", raw, payload), ("c-1", raw2, payload2)],
        processing=Processing.NOW,
    )

    assert [(r.changed, r.new) for r in results] == [(True, True)]
    assert results[0].outcome.result == "created"
    row = InboundLead.objects.get()
    assert (row.status, row.payload["campaign_name"]) == ("processed", "春季-补全")
    assert _leads_by_phone() == {"+8613977770011"}
    assert not InboundLead.objects.filter(status=InboundStatus.QUARANTINED).exists()


def test_a_replayed_held_record_gives_the_new_person_their_own_touch() -> None:
    # Review of issue 14 (M1): the replay made a lead with no touchpoint, and wrote the
    # re-send's campaign into the first person's touchpoint.
    first = _send("13933330001", campaign="春季")
    held = _send("13933330002", campaign="夏季")
    assert held.reason == "phone_changed"

    released = intake_replay(inbound_id=held.inbound_id)

    assert released.result == "created"
    old, new = Lead.objects.get(pk=first.lead_id), Lead.objects.get(pk=released.lead_id)
    (old_touch,) = Touchpoint.objects.filter(lead=old)
    (new_touch,) = Touchpoint.objects.filter(lead=new)
    assert (old_touch.campaign_name, old_touch.inbound_id) == ("春季", None)
    assert (new_touch.campaign_name, new_touch.inbound_id) == ("夏季", held.inbound_id)
    assert new_touch.is_first
    assert new.last_touch_at is not None
