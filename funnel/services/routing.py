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
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from funnel import events as lead_events
from funnel.bulk import rows_update
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


def _on_shift(assistant: Assistant, now_local: dt.datetime) -> bool:
    if not (assistant.is_active and assistant.on_duty):
        return False
    if assistant.work_start and assistant.work_end:
        return assistant.work_start <= now_local.time() <= assistant.work_end
    return True


class Allocator:
    """Hands out assistants for a batch of leads under one set of row locks.

    On creation it locks every pool member of the given pools and of their overflow chains
    (by member id), then those assistants' day loads (by assistant id): one fixed global
    order for every caller, so concurrent batches wait for each other instead of deadlocking.
    Picks then happen in memory; `flush` writes the new round-robin weights and day counts.
    Must live inside a transaction (the locks are held until it commits).
    """

    def __init__(self, pools: Iterable[AssistantPool]) -> None:
        self.now_local = timezone.localtime()
        self.day = self.now_local.date()
        self.pools: dict[int, AssistantPool] = {}
        pending = [p for p in pools if p is not None]
        while pending:  # follow overflow chains; a cycle stops at a pool already seen
            pool = pending.pop()
            if pool.pk in self.pools:
                continue
            self.pools[pool.pk] = pool
            if pool.overflow_id and pool.overflow_id not in self.pools:
                pending.append(pool.overflow)  # joined already when rules were read
        members = list(
            locked(
                PoolMember.objects.filter(pool_id__in=self.pools).select_related("assistant")
            ).order_by("pk")
        )
        self.members: dict[int, list[PoolMember]] = {pk: [] for pk in self.pools}
        for member in members:
            self.members[member.pool_id].append(member)
        ids = sorted({m.assistant_id for m in members})
        AssistantDayLoad.objects.bulk_create(
            [AssistantDayLoad(assistant_id=i, day=self.day, count=0) for i in ids],
            ignore_conflicts=True,
        )
        self.loads = {
            load.assistant_id: load
            for load in locked(
                AssistantDayLoad.objects.filter(assistant_id__in=ids, day=self.day)
            ).order_by("assistant_id")
        }
        self._dirty_members: dict[int, PoolMember] = {}
        self._dirty_loads: dict[int, AssistantDayLoad] = {}

    def _pick_in_pool(self, pool: AssistantPool, exclude: set[int]) -> Assistant | None:
        eligible = [
            m
            for m in self.members[pool.pk]
            if m.assistant_id not in exclude
            and _on_shift(m.assistant, self.now_local)
            and (
                m.assistant.daily_cap is None
                or self.loads[m.assistant_id].count < m.assistant.daily_cap
            )
        ]
        chosen = swrr_pick(eligible)
        if chosen is None:
            return None
        for member in eligible:
            self._dirty_members[member.pk] = member
        load = self.loads[chosen.assistant_id]
        load.count += 1
        self._dirty_loads[load.pk] = load
        return chosen.assistant

    def pick(self, *, pool: AssistantPool, exclude: Iterable[int] = ()) -> Assistant | None:
        """An assistant from the pool, else from its overflow chain; None when nobody can."""
        excluded = set(exclude)
        seen: set[int] = set()
        current: AssistantPool | None = self.pools[pool.pk]
        while current is not None and current.pk not in seen and current.is_active:
            seen.add(current.pk)
            assistant = self._pick_in_pool(current, excluded)
            if assistant is not None:
                return assistant
            current = self.pools.get(current.overflow_id) if current.overflow_id else None
        return None

    def flush(self) -> None:
        if self._dirty_members:
            rows_update(self._dirty_members.values(), ["current_weight"])
        if self._dirty_loads:
            rows_update(self._dirty_loads.values(), ["count"])
        self._dirty_members.clear()
        self._dirty_loads.clear()


def assistant_pick(*, pool: AssistantPool, exclude: Iterable[int] = ()) -> Assistant | None:
    """One assistant from the pool (or its overflow chain); None when nobody can take it.
    Must run inside a transaction (the locks are held until it commits)."""
    allocator = Allocator([pool])
    assistant = allocator.pick(pool=pool, exclude=exclude)
    allocator.flush()
    return assistant


@dataclass
class RouteWrites:
    """What routing writes besides the leads, collected so each kind is one statement.
    Batched ingest passes its own, adds its events, and flushes after inserting new leads."""

    events: list[LeadEvent] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    unassigned: list[tuple[Lead, str]] = field(default_factory=list)

    def unassigned_add(self, *, lead: Lead, pool: AssistantPool | None, reason: str) -> None:
        """The lead waits in the unassigned queue (no pool: no rule matched); an alert goes
        out after commit."""
        self.events.append(
            lead_events.unassigned_event(
                lead=lead, reason=reason, pool_slug=pool.slug if pool else ""
            )
        )
        self.unassigned.append((lead, pool.name if pool else "（无匹配规则）"))

    def flush(self) -> None:
        lead_events.events_record(self.events)
        if self.followups:
            # (lead, kind, due_at) is unique: a repeated assignment in the same instant is one.
            FollowUp.objects.bulk_create(self.followups, ignore_conflicts=True)
        for lead, pool_name in self.unassigned:
            transaction.on_commit(partial(_alert_unassigned, lead.pk, pool_name))
        self.events, self.followups, self.unassigned = [], [], []


def _assign(
    *,
    lead: Lead,
    pool: AssistantPool,
    allocator: Allocator,
    writes: RouteWrites,
    now: dt.datetime,
    exclude: Iterable[int] = (),
    reason: str = "route",
) -> Assistant | None:
    """Mutates the lead (pool, assignee, assigned_at) and collects its event and SLA check."""
    assistant = allocator.pick(pool=pool, exclude=exclude)
    previous = lead.assignee_id
    lead.pool = pool
    lead.assignee = assistant
    lead.assigned_at = now if assistant else None
    lead.updated_at = now
    if assistant is None:
        writes.unassigned_add(lead=lead, pool=pool, reason=reason)
        return None
    if previous is None:
        event = lead_events.assigned_event(
            lead=lead,
            pool_slug=pool.slug,
            assistant_id=assistant.pk,
            assistant_name=assistant.name,
            reason=reason,
        )
    else:
        event = lead_events.reassigned_event(
            lead=lead,
            pool_slug=pool.slug,
            assistant_id=assistant.pk,
            assistant_name=assistant.name,
            previous_assistant_id=previous,
            reason=reason,
        )
    writes.events.append(event)
    writes.followups.append(
        FollowUp(
            lead=lead,
            kind=FollowUp.Kind.SLA_CHECK,
            due_at=now + dt.timedelta(minutes=pool.sla_minutes),
            assignee=assistant,
            note=f"{pool.sla_minutes} 分钟内加微",
        )
    )
    return assistant


ASSIGN_FIELDS = ["pool", "assignee", "assigned_at", "updated_at"]


def lead_assign(
    *, lead: Lead, pool: AssistantPool, exclude: Iterable[int] = (), reason: str = "route"
) -> Assistant | None:
    """Give the lead to an assistant of the pool (or overflow); unassigned queue + alert if
    nobody can take it. Writes the assignment event and the SLA check follow-up."""
    with transaction.atomic():
        allocator = Allocator([pool])
        writes = RouteWrites()
        assistant = _assign(
            lead=lead,
            pool=pool,
            allocator=allocator,
            writes=writes,
            now=timezone.now(),
            exclude=exclude,
            reason=reason,
        )
        allocator.flush()
        lead.save(update_fields=ASSIGN_FIELDS)
        writes.flush()
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


def rules_active() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(is_active=True).select_related("pool__overflow"))


ROUTE_FIELDS = [*ASSIGN_FIELDS, "recommended_package"]


def leads_route(
    *,
    items: list[tuple[Lead, RouteFacts]],
    rules: list[RoutingRule] | None = None,
    writes: RouteWrites | None = None,
) -> list[Lead]:
    """Route a batch: package and pool by rule, then assistants in order, under one set of
    locks. No matching rule → unassigned queue + alert.

    Returns the leads whose routing fields (`ROUTE_FIELDS`) changed. By default they, the
    events and the follow-ups are written here. A caller passing `writes` (batched ingest,
    whose new leads are not inserted yet) saves the returned leads and flushes `writes` itself.
    """
    if not items:
        return []
    if rules is None:
        rules = rules_active()
    now = timezone.now()
    own = writes is None
    writes = RouteWrites() if writes is None else writes
    planned: list[tuple[Lead, RoutingRule]] = []
    for lead, facts in items:
        rule = rule_select(rules=rules, facts=facts)
        if rule is None:
            writes.unassigned_add(lead=lead, pool=None, reason=lead_events.NO_RULE)
            continue
        if rule.package_id:
            lead.recommended_package_id = rule.package_id
        planned.append((lead, rule))
    if planned:
        allocator = Allocator({rule.pool_id: rule.pool for _, rule in planned}.values())
        for lead, rule in planned:
            _assign(lead=lead, pool=rule.pool, allocator=allocator, writes=writes, now=now)
        allocator.flush()
    routed = [lead for lead, _ in planned]
    if own:
        rows_update(routed, ROUTE_FIELDS)
        writes.flush()
    return routed


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
