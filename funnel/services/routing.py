"""Where a lead is routed: rule → package + pool (活码) → assistant by smooth weighted
round-robin, skipping assistants who are off duty or at their daily cap.

The round-robin state (`PoolMember.current_weight`) and the daily counters live in the
database and change only under row locks taken in a fixed order (pool members by id, then day
loads by assistant id), so any number of workers assign exactly as one would.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from funnel.events import event_record
from funnel.locks import locked
from funnel.models import (
    Assistant,
    AssistantDayLoad,
    AssistantPool,
    FollowUp,
    Lead,
    LeadEvent,
    PoolMember,
    RoutingRule,
)
from funnel.services.notify import notify

logger = logging.getLogger("yinliu.routing")


@dataclass(frozen=True)
class RouteFacts:
    specialty_id: int | None
    channel: str
    city: str
    keyword: str
    age: int | None
    score: int


def rule_matches(rule: RoutingRule, facts: RouteFacts) -> bool:
    if rule.specialty_id and rule.specialty_id != facts.specialty_id:
        return False
    if rule.channel and rule.channel != facts.channel:
        return False
    if rule.city and rule.city not in (facts.city or ""):
        return False
    if rule.keyword_contains and rule.keyword_contains not in (facts.keyword or ""):
        return False
    if rule.min_age is not None and (facts.age is None or facts.age < rule.min_age):
        return False
    if rule.max_age is not None and (facts.age is None or facts.age > rule.max_age):
        return False
    return not (rule.min_score is not None and facts.score < rule.min_score)


def rule_select(*, rules: Iterable[RoutingRule], facts: RouteFacts) -> RoutingRule | None:
    """Pure: the first rule (by priority) whose conditions all hold."""
    for rule in rules:
        if rule.is_active and rule_matches(rule, facts):
            return rule
    return None


def swrr_pick(members: list[PoolMember]) -> PoolMember | None:
    """Smooth weighted round-robin (nginx): mutates current weights, returns the pick."""
    if not members:
        return None
    total = sum(m.weight for m in members)
    for member in members:
        member.current_weight += member.weight
    best = max(members, key=lambda m: (m.current_weight, -m.pk))
    best.current_weight -= total
    return best


def local_today() -> dt.date:
    return timezone.localdate()


def _on_shift(assistant: Assistant, now_local: dt.datetime) -> bool:
    if not (assistant.is_active and assistant.on_duty):
        return False
    if assistant.work_start and assistant.work_end:
        return assistant.work_start <= now_local.time() <= assistant.work_end
    return True


def _assign_in_pool(
    pool: AssistantPool, exclude: set[int], now_local: dt.datetime
) -> Assistant | None:
    members = list(
        locked(PoolMember.objects.filter(pool=pool).select_related("assistant")).order_by("pk")
    )
    on_shift = [
        m for m in members if m.assistant_id not in exclude and _on_shift(m.assistant, now_local)
    ]
    if not on_shift:
        return None
    day = now_local.date()
    ids = sorted({m.assistant_id for m in on_shift})
    AssistantDayLoad.objects.bulk_create(
        [AssistantDayLoad(assistant_id=i, day=day, count=0) for i in ids], ignore_conflicts=True
    )
    loads = {
        load.assistant_id: load
        for load in locked(AssistantDayLoad.objects.filter(assistant_id__in=ids, day=day)).order_by(
            "assistant_id"
        )
    }
    eligible = [
        m
        for m in on_shift
        if m.assistant.daily_cap is None or loads[m.assistant_id].count < m.assistant.daily_cap
    ]
    chosen = swrr_pick(eligible)
    if chosen is None:
        return None
    PoolMember.objects.bulk_update(eligible, ["current_weight"])
    load = loads[chosen.assistant_id]
    load.count += 1
    load.save(update_fields=["count"])
    return chosen.assistant


def assistant_pick(*, pool: AssistantPool, exclude: Iterable[int] = ()) -> Assistant | None:
    """An assistant from the pool, else from its overflow chain; None when nobody can take it.
    Must run inside a transaction (the locks are held until it commits)."""
    now_local = timezone.localtime()
    seen: set[int] = set()
    current: AssistantPool | None = pool
    excluded = set(exclude)
    while current is not None and current.pk not in seen and current.is_active:
        seen.add(current.pk)
        assistant = _assign_in_pool(current, excluded, now_local)
        if assistant is not None:
            return assistant
        current = current.overflow
    return None


def lead_assign(
    *, lead: Lead, pool: AssistantPool, exclude: Iterable[int] = (), reason: str = "route"
) -> Assistant | None:
    """Give the lead to an assistant of the pool (or overflow); unassigned queue + alert if
    nobody can take it. Writes the assignment event and the SLA check follow-up."""
    with transaction.atomic():
        assistant = assistant_pick(pool=pool, exclude=exclude)
        now = timezone.now()
        previous = lead.assignee_id
        lead.pool = pool
        lead.assignee = assistant
        lead.assigned_at = now if assistant else None
        lead.save(update_fields=["pool", "assignee", "assigned_at", "updated_at"])
        if assistant is None:
            event_record(
                lead=lead,
                kind=LeadEvent.Kind.ASSIGN,
                note="无人可接：进入待分配队列",
                data={"pool": pool.slug, "unassigned": True, "reason": reason},
            )
            transaction.on_commit(lambda: _alert_unassigned(lead.pk, pool.name))
            return None
        event_record(
            lead=lead,
            kind=LeadEvent.Kind.ASSIGN,
            note=f"分配给 {assistant.name}",
            data={
                "pool": pool.slug,
                "assistant_id": assistant.pk,
                "previous_assistant_id": previous,
                "reason": reason,
            },
        )
        FollowUp.objects.get_or_create(
            lead=lead,
            kind=FollowUp.Kind.SLA_CHECK,
            due_at=now + dt.timedelta(minutes=pool.sla_minutes),
            defaults={"assignee": assistant, "note": f"{pool.sla_minutes} 分钟内加微"},
        )
        return assistant


def _alert_unassigned(lead_id: int, pool_name: str) -> None:
    notify(
        title="线索无人可接",
        body=(
            f"活码「{pool_name}」及其溢出活码的医助均已满额或不在班："
            f"线索 #{lead_id} 在待分配队列中。"
        ),
        level="critical",
    )


def lead_route(*, lead: Lead, facts: RouteFacts, rules: list[RoutingRule] | None = None) -> None:
    """Pick package and pool by rule, then an assistant. No matching rule → unassigned."""
    if rules is None:
        rules = list(RoutingRule.objects.filter(is_active=True).select_related("pool__overflow"))
    rule = rule_select(rules=rules, facts=facts)
    if rule is None:
        event_record(
            lead=lead,
            kind=LeadEvent.Kind.ASSIGN,
            note="没有匹配的分配规则：进入待分配队列",
            data={"unassigned": True, "reason": "no_rule"},
        )
        transaction.on_commit(lambda: _alert_unassigned(lead.pk, "（无匹配规则）"))
        return
    if rule.package_id and lead.recommended_package_id != rule.package_id:
        lead.recommended_package_id = rule.package_id
        lead.save(update_fields=["recommended_package", "updated_at"])
    lead_assign(lead=lead, pool=rule.pool)


def sla_enforce(*, lead_id: int) -> Assistant | None:
    """The SLA check fell due: a lead still not contacted (未加微) goes to someone else."""
    with transaction.atomic():
        lead = locked(Lead.objects.select_related("pool")).get(pk=lead_id)
        if lead.stage != "new" or lead.pool is None or lead.anonymized_at:
            return None
        exclude = [lead.assignee_id] if lead.assignee_id else []
        assistant = lead_assign(lead=lead, pool=lead.pool, exclude=exclude, reason="sla")
    if assistant is not None:
        notify(
            title="超时未加微，线索已改派",
            body=f"线索 #{lead_id} 未在时限内加微，已改派给 {assistant.name}。",
            level="warning",
        )
    return assistant
