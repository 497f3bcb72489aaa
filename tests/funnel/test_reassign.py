"""Point 1 of issue 15: a missed 加微 SLA never leaves a lead with nobody; staff reassign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel.models import AssistantDayLoad, Clinic, FollowUp, Lead, LeadEvent, Notification
from funnel.services import routing
from funnel.services.followups import followups_dispatch
from tests.funnel.factories import AssistantFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


def _breach_sla() -> None:
    FollowUp.objects.filter(kind="sla_check", status="pending").update(
        due_at="2000-01-01T00:00:00Z"
    )


def test_missed_sla_with_everyone_at_cap_keeps_the_assistant_and_alerts_the_supervisor(
    ingest,
) -> None:
    # given: two assistants, cap 1 each, one lead each; the pool names a supervisor
    boss = get_user_model().objects.create_user(username="zhuguan_wu")
    pool, (a, b) = pool_with([1, 1], caps=[1, 1], supervisor=boss)
    catch_all_rule(pool)
    first = ingest(payload("13800000001")).lead_id
    ingest(payload("13800000002"))
    owner = Lead.objects.get(pk=first).assignee_id

    # when: the first lead's SLA check falls due
    _breach_sla()
    followups_dispatch()

    # then: both leads keep their assistant; nobody was unassigned for "sla"
    assert Lead.objects.get(pk=first).assignee_id == owner
    assert Lead.objects.filter(assignee__isnull=True).count() == 0
    assert not LeadEvent.objects.filter(data__unassigned=True).exists()
    escalated = LeadEvent.objects.filter(lead_id=first, data__supervisor_id=boss.pk)
    assert escalated.count() == 1
    assert escalated.get().data == {
        "pool": pool.slug,
        "assistant_id": owner,
        "supervisor_id": boss.pk,
        "reason": "sla",
    }
    # both leads missed their limit and both stay: one alert each
    # (title and body are encrypted at rest: compared once read back)
    alerts = [n for n in Notification.objects.all() if n.title == "超时未加微，无人可改派"]
    assert len(alerts) == 2
    (alert,) = [n for n in alerts if f"#{first} " in n.body]
    assert alert.level == "critical"
    assert alert.body.startswith(f"@zhuguan_wu 线索 #{first} 未在时限内加微")


def test_supervisor_falls_back_to_the_assistants_clinic(ingest) -> None:
    # given: a pool with no supervisor, its only assistant in a clinic that has one
    boss = get_user_model().objects.create_user(username="dianzhang")
    pool, (a,) = pool_with([1])
    a.clinic = Clinic.objects.create(name="朝阳门店", supervisor=boss)
    a.save()
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id

    # when
    _breach_sla()
    followups_dispatch()

    # then
    assert Lead.objects.get(pk=lead_id).assignee_id == a.pk
    assert LeadEvent.objects.get(lead_id=lead_id, data__reason="sla").data["supervisor_id"] == (
        boss.pk
    )


def test_missed_sla_moves_the_lead_only_to_someone_below_cap(ingest) -> None:
    # given: a is at cap after its lead, b still has room
    pool, (a, b) = pool_with([1, 1], caps=[1, 2])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    first = Lead.objects.get(pk=lead_id).assignee_id

    # when
    _breach_sla()
    followups_dispatch()

    # then: the lead went to the other one, whose day load counts it
    other = b.pk if first == a.pk else a.pk
    assert Lead.objects.get(pk=lead_id).assignee_id == other
    event = LeadEvent.objects.get(lead_id=lead_id, data__reason="sla")
    assert event.data["previous_assistant_id"] == first
    assert AssistantDayLoad.objects.get(assistant_id=other).count == 1


def test_staff_reassign_one_lead_past_the_cap(ingest) -> None:
    # given
    staff = get_user_model().objects.create_user(username="zengzhang")
    pool, (a,) = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    c = AssistantFactory(daily_cap=0)

    # when
    moved = routing.lead_reassign(lead_id=lead_id, assistant_id=c.pk, actor=staff)

    # then: moved, the old SLA check cancelled and a new one for c, the event names staff
    assert moved is True
    assert Lead.objects.get(pk=lead_id).assignee_id == c.pk
    checks = FollowUp.objects.filter(lead_id=lead_id, kind="sla_check")
    assert sorted(checks.values_list("assignee_id", "status")) == sorted(
        [(a.pk, "cancelled"), (c.pk, "pending")]
    )
    event = LeadEvent.objects.get(lead_id=lead_id, data__reason="manual")
    assert (event.actor_id, event.data["previous_assistant_id"]) == (staff.pk, a.pk)
    assert AssistantDayLoad.objects.get(assistant_id=c.pk).count == 1


def test_bulk_reassign_skips_leads_already_with_that_assistant(ingest) -> None:
    # given: two leads with a, one unassigned (no rule matched)
    pool, (a,) = pool_with([1])
    ids = [ingest(payload(f"1380000000{i}")).lead_id for i in (1, 2)]
    catch_all_rule(pool)
    ids += [ingest(payload(f"1380000000{i}")).lead_id for i in (3, 4)]
    b = AssistantFactory()
    routing.lead_reassign(lead_id=ids[2], assistant_id=b.pk, actor=None)

    # when
    moved = routing.leads_reassign(lead_ids=ids, assistant_id=b.pk, actor=None)

    # then: the two unassigned ones and a's other lead moved; b's own lead untouched
    assert moved == 3
    assert set(Lead.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {b.pk}
    assert LeadEvent.objects.filter(lead_id=ids[2], data__reason="manual").count() == 1


def test_reassign_to_an_inactive_assistant_is_refused_and_changes_nothing(ingest) -> None:
    # given
    pool, (a,) = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    gone = AssistantFactory(is_active=False)

    # when
    with pytest.raises(ApplicationError) as err:
        routing.lead_reassign(lead_id=lead_id, assistant_id=gone.pk, actor=None)

    # then
    assert err.value.code == errors.ASSISTANT_UNAVAILABLE
    assert Lead.objects.get(pk=lead_id).assignee_id == a.pk
    assert not LeadEvent.objects.filter(data__reason="manual").exists()


def test_a_reassigned_leads_open_reminders_go_with_it(ingest) -> None:
    from funnel.services.followups import followup_schedule

    staff = get_user_model().objects.create_user(username="zengzhang2")
    pool, (a,) = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000021")).lead_id
    due = timezone.now() + dt.timedelta(days=2)
    revisit = followup_schedule(lead_id=lead_id, kind="revisit", due_at=due, note="复诊")
    b = AssistantFactory(daily_cap=10)
    routing.lead_reassign(lead_id=lead_id, assistant_id=b.pk, actor=staff)
    revisit.refresh_from_db()
    assert revisit.assignee_id == b.pk
