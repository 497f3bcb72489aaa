from __future__ import annotations

import logging
from collections import Counter

import pytest
from django.db import transaction

from funnel.models import (
    AssistantDayLoad,
    FollowUp,
    Lead,
    LeadEvent,
    Notification,
    PoolMember,
    RoutingRule,
)
from funnel.services import routing
from funnel.services.followups import followups_dispatch
from funnel.services.stages import lead_stage_change
from tests.funnel.factories import (
    PackageFactory,
    SpecialtyFactory,
    catch_all_rule,
    payload,
    pool_with,
)

pytestmark = pytest.mark.django_db


def test_swrr_is_smooth_and_exact_for_3_2_1() -> None:
    members = [PoolMember(pk=i + 1, weight=w, current_weight=0) for i, w in enumerate([3, 2, 1])]

    picks = [routing.swrr_pick(members).pk for _ in range(6)]

    assert Counter(picks) == {1: 3, 2: 2, 3: 1}
    assert picks[:2] != [1, 1]  # smooth: the heavy member does not take a burst


def test_weighted_distribution_through_ingest(ingest) -> None:
    pool, (a, b, c) = pool_with([3, 2, 1])
    catch_all_rule(pool)

    for i in range(60):
        ingest(payload(f"1380000{i:04d}"))

    counts = Counter(Lead.objects.values_list("assignee_id", flat=True))
    assert counts == {a.pk: 30, b.pk: 20, c.pk: 10}


def test_assistant_at_daily_cap_is_skipped(ingest) -> None:
    pool, (capped, free) = pool_with([5, 1], caps=[2, None])
    catch_all_rule(pool)

    for i in range(8):
        ingest(payload(f"1380000{i:04d}"))

    counts = Counter(Lead.objects.values_list("assignee_id", flat=True))
    assert counts == {capped.pk: 2, free.pk: 6}
    assert AssistantDayLoad.objects.get(assistant=capped).count == 2


def test_off_duty_assistants_get_nothing(ingest) -> None:
    pool, (away, here) = pool_with([9, 1])
    away.on_duty = False
    away.save()
    catch_all_rule(pool)

    for i in range(3):
        ingest(payload(f"1380000{i:04d}"))

    assert set(Lead.objects.values_list("assignee_id", flat=True)) == {here.pk}


def test_full_pool_overflows(ingest) -> None:
    overflow, (spare,) = pool_with([1])
    pool, (only,) = pool_with([1], caps=[1], overflow=overflow)
    catch_all_rule(pool)

    ingest(payload("13800000001"))
    ingest(payload("13800000002"))

    assert list(Lead.objects.order_by("pk").values_list("assignee_id", flat=True)) == [
        only.pk,
        spare.pk,
    ]


def test_nobody_free_means_unassigned_queue_and_an_alert(
    ingest, caplog, django_capture_on_commit_callbacks
) -> None:
    pool, _ = pool_with([1], caps=[0])
    catch_all_rule(pool)

    with (
        caplog.at_level(logging.WARNING, logger="yinliu.notify"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = ingest(payload("13800000001"))

    lead = Lead.objects.get(pk=result.lead_id)
    assert lead.assignee_id is None
    assert lead.pool_id == pool.pk
    assert LeadEvent.objects.get(kind="assign").data["unassigned"] is True
    # the alert is queued for the notifier (sent at its pace; on Redis by the worker)
    # (title and body are encrypted at rest: compared once read back)
    alerts = Notification.objects.filter(level="critical")
    assert [n.title for n in alerts] == ["线索无人可接"]
    assert not FollowUp.objects.filter(kind="sla_check").exists()


def test_rules_pick_package_and_pool_in_priority_order(ingest) -> None:
    hair = SpecialtyFactory()
    general, (g,) = pool_with([1])
    hair_pool, (h,) = pool_with([1])
    package = PackageFactory(specialty=hair)
    catch_all_rule(general)
    RoutingRule.objects.create(
        name="脱发 百度",
        priority=1,
        specialty=hair,
        channel="baidu",
        pool=hair_pool,
        package=package,
    )

    from_baidu = ingest(payload("13800000001", channel="baidu"))
    from_douyin = ingest(payload("13800000002", channel="douyin"))

    first = Lead.objects.get(pk=from_baidu.lead_id)
    assert (first.assignee_id, first.recommended_package_id) == (h.pk, package.pk)
    assert Lead.objects.get(pk=from_douyin.lead_id).assignee_id == g.pk


def test_sla_breach_reassigns_to_someone_else(ingest) -> None:
    pool, (a, b) = pool_with([1, 1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    first = Lead.objects.get(pk=lead_id).assignee_id
    FollowUp.objects.filter(kind="sla_check").update(due_at="2000-01-01T00:00:00Z")

    followups_dispatch()

    lead = Lead.objects.get(pk=lead_id)
    assert lead.assignee_id not in (None, first)
    assert LeadEvent.objects.filter(kind="assign", data__reason="sla").count() == 1


def test_contacted_in_time_cancels_the_sla_check(ingest) -> None:
    pool, _ = pool_with([1, 1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    first = Lead.objects.get(pk=lead_id).assignee_id

    lead_stage_change(lead_id=lead_id, to_stage="contacted", actor_label="医助")
    FollowUp.objects.filter(kind="sla_check").update(due_at="2000-01-01T00:00:00Z")
    followups_dispatch()

    assert Lead.objects.get(pk=lead_id).assignee_id == first
    assert FollowUp.objects.get(kind="sla_check").status == "cancelled"


def test_assignment_state_survives_across_transactions() -> None:
    pool, (a, b) = pool_with([1, 1])
    picked = []
    for _ in range(4):
        with transaction.atomic():
            picked.append(routing.assistant_pick(pool=pool).pk)
    assert picked == [a.pk, b.pk, a.pk, b.pk]
