"""Point 4 of issue 15: groups and camps keep their capacity and dates; rules enrol."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel.models import GroupMembership, Lead, LeadEvent, PrivateGroup, RoutingRule
from funnel.services.groups import group_enroll, group_leave
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


def _camp(**kwargs) -> PrivateGroup:
    values = {"name": "13天好睡眠训练营", "kind": "camp", "capacity": 2}
    values.update(kwargs)
    return PrivateGroup.objects.create(**values)


def _leads(ingest, n: int) -> list[int]:
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    return [ingest(payload(f"138000000{i:02d}")).lead_id for i in range(n)]


def test_camp_takes_members_up_to_its_capacity(ingest) -> None:
    # given: a camp of 2 and three leads
    camp = _camp()
    a, b, c = _leads(ingest, 3)
    group_enroll(group_id=camp.pk, lead_id=a)
    group_enroll(group_id=camp.pk, lead_id=b)

    # when: the third asks for a seat
    with pytest.raises(ApplicationError) as err:
        group_enroll(group_id=camp.pk, lead_id=c)

    # then: refused, nothing written for c
    assert err.value.code == errors.GROUP_FULL
    camp.refresh_from_db()
    assert camp.member_count == 2
    assert not GroupMembership.objects.filter(lead_id=c).exists()
    assert not LeadEvent.objects.filter(lead_id=c, kind="group").exists()


def test_a_closed_camp_refuses_and_a_future_one_accepts(ingest) -> None:
    # given
    today = timezone.localdate()
    closed = _camp(opens_on=today - dt.timedelta(days=14), closes_on=today - dt.timedelta(days=1))
    upcoming = _camp(opens_on=today + dt.timedelta(days=3), closes_on=today + dt.timedelta(days=16))
    (lead,) = _leads(ingest, 1)

    # when / then
    with pytest.raises(ApplicationError) as err:
        group_enroll(group_id=closed.pk, lead_id=lead)
    assert err.value.code == errors.GROUP_CLOSED
    assert closed.memberships.count() == 0
    group_enroll(group_id=upcoming.pk, lead_id=lead)
    assert upcoming.memberships.count() == 1


def test_enrol_twice_is_refused_leave_frees_the_seat_and_rejoin_is_a_new_stay(ingest) -> None:
    # given
    camp = _camp(capacity=1)
    a, b = _leads(ingest, 2)
    group_enroll(group_id=camp.pk, lead_id=a)

    # when: a again, then a leaves, b joins, b leaves, a comes back
    with pytest.raises(ApplicationError) as err:
        group_enroll(group_id=camp.pk, lead_id=a)
    group_leave(group_id=camp.pk, lead_id=a)
    group_enroll(group_id=camp.pk, lead_id=b)
    group_leave(group_id=camp.pk, lead_id=b)
    group_enroll(group_id=camp.pk, lead_id=a)

    # then
    assert err.value.code == errors.GROUP_FULL  # the one seat was a's
    camp.refresh_from_db()
    assert camp.member_count == 1
    stays = list(camp.memberships.order_by("pk").values_list("lead_id", "left_at"))
    assert [(lead, left is None) for lead, left in stays] == [(a, False), (b, False), (a, True)]
    assert list(
        LeadEvent.objects.filter(lead_id=a, kind="group").values_list("note", flat=True)
    ) == ["加入社群：13天好睡眠训练营", "退出社群：13天好睡眠训练营", "加入社群：13天好睡眠训练营"]


def test_leaving_a_group_one_is_not_in_is_refused(ingest) -> None:
    camp = _camp()
    (lead,) = _leads(ingest, 1)

    with pytest.raises(ApplicationError) as err:
        group_leave(group_id=camp.pk, lead_id=lead)

    assert err.value.code == errors.NOT_MEMBER
    camp.refresh_from_db()
    assert camp.member_count == 0


def test_database_refuses_a_second_open_stay_and_a_count_past_capacity(ingest) -> None:
    # given: one member
    camp = _camp(capacity=1)
    (lead,) = _leads(ingest, 1)
    group_enroll(group_id=camp.pk, lead_id=lead)

    # when / then: writes that skip the service still cannot break the rules
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(group=camp, lead_id=lead, joined_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        PrivateGroup.objects.filter(pk=camp.pk).update(member_count=2)


def test_routing_rule_enrols_insomnia_leads_in_the_camp_until_it_is_full(ingest) -> None:
    # given: 失眠 leads go to the 13-day camp with one seat left
    insomnia = SpecialtyFactory(slug="insomnia", name="失眠")
    camp = _camp(capacity=1, specialty=insomnia)
    pool, _ = pool_with([1])
    RoutingRule.objects.create(
        name="失眠 → 13天营", priority=1, specialty=insomnia, pool=pool, group=camp
    )
    catch_all_rule(pool)

    # when: two insomnia leads and a hair-loss one arrive
    first = ingest(payload("13800000001", specialty="insomnia")).lead_id
    second = ingest(payload("13800000002", specialty="insomnia")).lead_id
    other = ingest(payload("13800000003", specialty="hair-loss")).lead_id

    # then: the first joined; the second was routed but refused a seat (on its timeline)
    assert list(camp.memberships.values_list("lead_id", "source")) == [(first, "rule")]
    assert Lead.objects.get(pk=second).assignee_id is not None
    refused = LeadEvent.objects.get(lead_id=second, kind="group")
    assert refused.data == {"group_id": camp.pk, "code": errors.GROUP_FULL}
    assert not LeadEvent.objects.filter(lead_id=other, kind="group").exists()


def _rule_batch(n: int, *, capacity: int, start: int = 0) -> tuple[PrivateGroup, list]:
    """A page of `n` insomnia leads ingested as one batch into a rule that names a camp."""
    from funnel.services.ingest import IngestItem

    insomnia = SpecialtyFactory(slug=f"insomnia-{start}", name=f"失眠{start}")
    camp = _camp(capacity=capacity, specialty=insomnia)
    pool, _ = pool_with([1])
    RoutingRule.objects.create(
        name="失眠 → 营", priority=1, specialty=insomnia, pool=pool, group=camp
    )
    items = [
        IngestItem(payload=payload(f"1390000{start + i:04d}", specialty=insomnia.slug))
        for i in range(n)
    ]
    return camp, items


@pytest.mark.parametrize("n", [3, 30])
def test_a_batch_enrols_by_rule_in_a_fixed_number_of_statements(n) -> None:
    # given: a camp with seats for all but one lead of a page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from funnel.services.ingest import leads_ingest

    camp, items = _rule_batch(n, capacity=n - 1)

    # when: the page is ingested as one batch
    with CaptureQueriesContext(connection) as queries:
        results = leads_ingest(items=items)

    # then: all leads but one joined, that one is refused on its timeline, the count is
    # right, and enrolment cost the same few statements whatever the page size
    ids = {r.lead_id for r in results}
    camp.refresh_from_db()
    members = set(camp.memberships.values_list("lead_id", flat=True))
    assert camp.member_count == len(members) == n - 1
    (left_out,) = ids - members
    refused = LeadEvent.objects.get(lead_id=left_out, kind="group")
    assert refused.data == {"group_id": camp.pk, "code": errors.GROUP_FULL}
    assert LeadEvent.objects.filter(lead_id__in=members, kind="group").count() == n - 1
    group_statements = [
        q
        for q in queries.captured_queries
        if "privategroup" in q["sql"] or "groupmembership" in q["sql"]
    ]
    assert len(group_statements) <= 4


def test_a_batch_refuses_a_lead_already_in_the_camp_and_a_closed_camp(ingest) -> None:
    # given: one lead already in the camp, and a closed camp for another rule
    from funnel.services.groups import leads_enroll_by_rule

    camp = _camp(capacity=5)
    closed = _camp(name="已结营", closes_on=timezone.localdate() - dt.timedelta(days=1))
    a, b = _leads(ingest, 2)
    group_enroll(group_id=camp.pk, lead_id=a)
    lead_a, lead_b = Lead.objects.get(pk=a), Lead.objects.get(pk=b)

    # when
    joined = leads_enroll_by_rule(
        enrolments=[(lead_a, camp.pk), (lead_b, camp.pk), (lead_b, closed.pk)]
    )

    # then
    assert joined == 1
    camp.refresh_from_db()
    assert camp.member_count == 2
    codes = sorted(
        e.data["code"] for e in LeadEvent.objects.filter(kind="group") if "code" in e.data
    )
    assert codes == sorted([errors.ALREADY_MEMBER, errors.GROUP_CLOSED])
