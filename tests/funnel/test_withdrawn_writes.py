"""Nothing writes into a withdrawn (anonymized) person's record (issue 13 point 2, review F3/F4):
every write service refuses with `already_anonymized`, and each surface answers it cleanly
(API 409 JSON, H5 and admin a zh-hans message, never a 500)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel.models import FollowUp, Lead, LeadAlias, LeadEvent, Order, PrivateGroup
from funnel.services.followups import followup_schedule, lead_birthday_set
from funnel.services.groups import group_enroll
from funnel.services.identity import lead_merge
from funnel.services.pii import consent_withdraw
from funnel.services.referrals import referral_code_ensure
from funnel.services.routing import lead_reassign
from funnel.services.stages import lead_note_add, lead_stage_change, order_record
from funnel.services.tokens import api_token_create
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def assistants():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    pool, assistants = pool_with([1, 1])
    catch_all_rule(pool)
    return assistants


@pytest.fixture
def withdrawn(ingest, assistants) -> Lead:
    lead_id = ingest(payload("13800000301")).lead_id
    consent_withdraw(lead_id=lead_id)
    return Lead.objects.get(pk=lead_id)


def _writes(lead_id: int) -> tuple[int, int, int]:
    return (
        LeadEvent.objects.filter(lead_id=lead_id).count(),
        Order.objects.filter(lead_id=lead_id).count(),
        FollowUp.objects.filter(lead_id=lead_id).count(),
    )


def _refused(call) -> None:
    with pytest.raises(ApplicationError) as err:
        call()
    assert (err.value.code, err.value.status) == (errors.ALREADY_ANONYMIZED, 409)


def test_every_write_service_refuses_a_withdrawn_lead(withdrawn, assistants) -> None:
    before = _writes(withdrawn.pk)
    group = PrivateGroup.objects.create(name="脱发营", capacity=10)
    other = next(a for a in assistants if a.pk != withdrawn.assignee_id)
    due = timezone.now() + dt.timedelta(days=1)
    _refused(lambda: lead_stage_change(lead_id=withdrawn.pk, to_stage="contacted"))
    _refused(lambda: lead_stage_change(lead_id=withdrawn.pk, to_stage="paid", amount="500"))
    _refused(lambda: order_record(lead_id=withdrawn.pk, amount="500"))
    _refused(lambda: lead_note_add(lead_id=withdrawn.pk, note="回访"))
    _refused(lambda: followup_schedule(lead_id=withdrawn.pk, kind="revisit", due_at=due))
    _refused(lambda: lead_birthday_set(lead_id=withdrawn.pk, birthday=dt.date(1990, 1, 1)))
    _refused(lambda: group_enroll(group_id=group.pk, lead_id=withdrawn.pk))
    _refused(lambda: referral_code_ensure(lead_id=withdrawn.pk))
    _refused(lambda: lead_reassign(lead_id=withdrawn.pk, assistant_id=other.pk, actor=None))
    assert _writes(withdrawn.pk) == before
    lead = Lead.objects.get(pk=withdrawn.pk)
    assert (lead.stage, lead.birthday, lead.referral_code) == ("new", None, None)
    assert lead.assignee_id == withdrawn.assignee_id
    assert group.memberships.count() == 0


def test_a_live_lead_still_takes_notes(ingest, assistants) -> None:
    lead_id = ingest(payload("13800000302")).lead_id
    lead_note_add(lead_id=lead_id, note="约周六到店")
    assert [e.note for e in LeadEvent.objects.filter(lead_id=lead_id, kind="note")] == [
        "约周六到店"
    ]


def test_the_api_answers_409_and_writes_nothing(client, withdrawn) -> None:
    auth = {"Authorization": f"Bearer {api_token_create(name='crm')}"}
    url = f"/api/v1/leads/{withdrawn.pk}/events"
    before = _writes(withdrawn.pk)
    for body in ({"note": "回访"}, {"stage": "paid", "amount": "500"}, {"stage": "contacted"}):
        response = client.post(
            url, data=json.dumps(body), content_type="application/json", headers=auth
        )
        assert response.status_code == 409, body
        assert response.json()["error"] == errors.ALREADY_ANONYMIZED
    assert _writes(withdrawn.pk) == before


def test_the_assistant_h5_page_shows_the_refusal(client, withdrawn) -> None:
    from tests.funnel.factories import UserFactory

    assistant = withdrawn.assignee
    assistant.user = UserFactory(username="yz_withdrawn")
    assistant.save()
    client.force_login(assistant.user)
    url = f"/h5/assistant/leads/{withdrawn.pk}/"
    before = _writes(withdrawn.pk)
    for data in ({"note": "回访"}, {"stage": "contacted"}):
        response = client.post(url, data)
        assert response.status_code == 409, data
        assert "已匿名化" in response.content.decode()
    assert _writes(withdrawn.pk) == before


def _staff(client):
    user = get_user_model().objects.create_superuser("ops13b", "ops@example.invalid", "pw")
    client.force_login(user)
    return user


def test_the_admin_edit_form_refuses_a_withdrawn_lead(client, withdrawn) -> None:
    _staff(client)
    response = client.post(
        f"/admin/funnel/leads/edit/{withdrawn.pk}/",
        {"gender": "", "age": "", "city": "上海", "birthday": "1990-01-01", "specialty": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "已匿名化" in response.content.decode()
    lead = Lead.objects.get(pk=withdrawn.pk)
    assert (lead.city, lead.birthday) == ("", None)


@pytest.mark.parametrize("withdrawn_side", ["keep", "drop"])
def test_merge_refuses_a_withdrawn_lead_on_either_side(ingest, assistants, withdrawn_side) -> None:
    live = ingest(payload("13800000311")).lead_id
    gone = ingest(payload("13800000312")).lead_id
    lead_stage_change(lead_id=gone, to_stage="contacted")
    consent_withdraw(lead_id=gone)
    keep, drop = (gone, live) if withdrawn_side == "keep" else (live, gone)
    _refused(lambda: lead_merge(keep_id=keep, drop_id=drop))
    assert Lead.objects.filter(pk__in=[live, gone]).count() == 2
    assert LeadAlias.objects.count() == 0
    assert Lead.objects.get(pk=live).stage == "new"
    # and the person's phone arriving again is a new lead, the withdrawn one stays anonymized
    again = ingest(payload("13800000312"))
    assert again.lead_id not in (live, gone)
    assert Lead.objects.get(pk=gone).anonymized_at is not None


def test_the_admin_merge_form_says_why(client, ingest, assistants) -> None:
    live = ingest(payload("13800000321")).lead_id
    gone = ingest(payload("13800000322")).lead_id
    consent_withdraw(lead_id=gone)
    _staff(client)
    for keep, other in ((live, gone), (gone, live)):
        response = client.post(
            f"/admin/funnel/leads/{keep}/identity/",
            {"other_id": other, "action": "merge"},
            follow=True,
        )
        assert response.status_code == 200
        assert "已匿名化" in response.content.decode()
    assert Lead.objects.filter(pk__in=[live, gone]).count() == 2


def test_withdrawal_closes_every_open_reminder_and_none_is_snoozed_back(withdrawn, ingest) -> None:
    from funnel.services.followups import followup_done, followup_snooze

    lead_id = ingest(payload("13800000331")).lead_id
    due = timezone.now() + dt.timedelta(days=1)
    queued = followup_schedule(lead_id=lead_id, kind="revisit", due_at=due)
    sent = followup_schedule(lead_id=lead_id, kind="refill", due_at=due)
    FollowUp.objects.filter(pk=queued.pk).update(status=FollowUp.Status.QUEUED)
    FollowUp.objects.filter(pk=sent.pk).update(status=FollowUp.Status.SENT)
    consent_withdraw(lead_id=lead_id)
    statuses = set(FollowUp.objects.filter(lead_id=lead_id).values_list("status", flat=True))
    assert statuses == {FollowUp.Status.CANCELLED}
    # a reminder left open by a withdrawal before this rule (SENT) is not reopened either
    FollowUp.objects.filter(pk=sent.pk).update(status=FollowUp.Status.SENT)
    later = timezone.now() + dt.timedelta(hours=1)
    _refused(lambda: followup_snooze(followup_id=sent.pk, until=later))
    _refused(lambda: followup_done(followup_id=sent.pk))
    assert FollowUp.objects.get(pk=sent.pk).status == FollowUp.Status.SENT


def test_no_code_ever_clears_anonymized_at() -> None:
    # A withdrawal is final: nothing brings the record back (a merge, a re-submission).
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    clearing = re.compile(r"anonymized_at\s*=\s*None|anonymized_at\"?\s*:\s*None")
    found = [
        f"{path.relative_to(root)}:{n}"
        for app in ("funnel", "channels", "landing", "cms", "config")
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if clearing.search(line)
    ]
    assert found == []
