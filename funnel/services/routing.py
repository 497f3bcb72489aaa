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
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from funnel import errors
from funnel import events as lead_events
from funnel.bulk import model_new, rows_insert, rows_update
from funnel.crypto import SystemText, seal_system_texts
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
    ServicePackage,
    Specialty,
)
from funnel.outbox import outbox_publish
from funnel.payload import LeadPayload
from funnel.services.groups import leads_enroll_by_rule
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
    enrolments: list[tuple[Lead, int]] = field(default_factory=list)  # (lead, group id)

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
        # Reassignments are published to the outbox (another app may move what the old
        # assistant held: WeCom customers); first assignments are not (ingest writes
        # thousands of them and nobody listens).
        moved = [e for e in self.events if (e.data or {}).get("previous_assistant_id")]
        lead_events.events_record(self.events)
        if moved:
            outbox_publish(events=moved)
        if self.followups:
            # (lead, kind, due_at) is unique: a repeated assignment in the same instant is one.
            seal_system_texts(self.followups, "note")
            rows_insert(self.followups, ignore_conflicts=True)
        for lead, pool_name in self.unassigned:
            transaction.on_commit(partial(_alert_unassigned, lead.pk, pool_name))
        if self.enrolments:
            leads_enroll_by_rule(enrolments=self.enrolments)
        self.events, self.followups, self.unassigned, self.enrolments = [], [], [], []


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
    """Mutates the lead (pool, assignee, assigned_at) and collects its event and SLA check.
    Nobody can take it → the unassigned queue (only routing of a lead nobody owns gets here:
    a missed SLA never takes a lead away, see `sla_enforce`)."""
    assistant = allocator.pick(pool=pool, exclude=exclude)
    if assistant is None:
        lead.pool = pool
        lead.assignee = None
        lead.assigned_at = None
        lead.updated_at = now
        writes.unassigned_add(lead=lead, pool=pool, reason=reason)
        return None
    _assign_to(lead=lead, pool=pool, assistant=assistant, writes=writes, now=now, reason=reason)
    return assistant


def _assign_to(
    *,
    lead: Lead,
    pool: AssistantPool | None,
    assistant: Assistant,
    writes: RouteWrites,
    now: dt.datetime,
    reason: str,
    actor: Any = None,
) -> None:
    previous = lead.assignee_id
    lead.pool = pool
    lead.assignee = assistant
    lead.assigned_at = now
    lead.updated_at = now
    pool_slug = pool.slug if pool else ""
    if previous is None:
        event = lead_events.assigned_event(
            lead=lead,
            pool_slug=pool_slug,
            assistant_id=assistant.pk,
            assistant_name=assistant.name,
            reason=reason,
            actor=actor,
        )
    else:
        event = lead_events.reassigned_event(
            lead=lead,
            pool_slug=pool_slug,
            assistant_id=assistant.pk,
            assistant_name=assistant.name,
            previous_assistant_id=previous,
            reason=reason,
            actor=actor,
        )
    writes.events.append(event)
    if lead.stage == "new":
        sla_minutes = pool.sla_minutes if pool else SLA_MINUTES_DEFAULT
        writes.followups.append(
            model_new(
                FollowUp,
                lead=lead,
                kind=FollowUp.Kind.SLA_CHECK,
                due_at=now + dt.timedelta(minutes=sla_minutes),
                assignee=assistant,
                note=SystemText(f"{sla_minutes} 分钟内加微"),  # from its due time
            )
        )


# A lead staff assign by hand without a pool gets the model's default 加微 time limit.
SLA_MINUTES_DEFAULT = 30


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
        if rule.group_id:
            writes.enrolments.append((lead, rule.group_id))
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


def lead_supervisor(*, lead: Lead) -> Any:
    """The user who answers for the lead: its pool's supervisor, else the supervisor of its
    assistant's clinic; None when neither is named."""
    if lead.pool is not None and lead.pool.supervisor_id:
        return lead.pool.supervisor
    assistant = lead.assignee
    if assistant is not None and assistant.clinic is not None:
        return assistant.clinic.supervisor
    return None


SUPERVISOR_GROUP = "主管"  # the seeded role (funnel.seed); supervisors are users, not assistants


def lead_supervisor_on_duty(*, lead: Lead) -> Any:
    """The supervisor a task about `lead` goes to (the churn follow-up): the one responsible
    for it (`lead_supervisor`: its pool's, else its assistant's clinic's) when that user is
    active, else any active member of the 主管 group (the oldest account, so the choice is
    stable); None when there is none. `lead` should come with `pool__supervisor` and
    `assignee__clinic__supervisor` selected."""
    responsible = lead_supervisor(lead=lead)
    if responsible is not None and responsible.is_active:
        return responsible
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=SUPERVISOR_GROUP)
        .order_by("pk")
        .first()
    )


def sla_enforce(*, lead_id: int) -> Assistant | None:
    """The SLA check fell due: a lead still not contacted (未加微) goes to someone in its pool
    (or overflow) who can take it. When nobody can, it stays with its assistant and the lead's
    supervisor is alerted: a lead is never taken away to nobody. Returns the new assistant,
    None when it stayed."""
    with transaction.atomic():
        lead = locked(
            Lead.objects.select_related("pool__supervisor", "assignee__clinic__supervisor")
        ).get(pk=lead_id)
        if lead.stage != "new" or lead.pool is None or lead.anonymized_at:
            return None
        if lead.assignee_id is None:
            return None  # waiting in the unassigned queue: staff assign it from there
        pool = lead.pool
        allocator = Allocator([pool])
        assistant = allocator.pick(pool=pool, exclude=[lead.assignee_id])
        allocator.flush()
        if assistant is None:
            supervisor = lead_supervisor(lead=lead)
            lead_events.event_record(
                lead_events.sla_escalated_event(
                    lead=lead,
                    pool_slug=pool.slug,
                    assistant_id=lead.assignee_id,
                    supervisor_id=supervisor.pk if supervisor else None,
                )
            )
            # Queued in this transaction: sent after it commits, never for a rolled-back one.
            _alert_sla_kept(
                lead.pk, lead.assignee.name, supervisor.get_username() if supervisor else ""
            )
            return None
        writes = RouteWrites()
        _assign_to(
            lead=lead,
            pool=pool,
            assistant=assistant,
            writes=writes,
            now=timezone.now(),
            reason="sla",
        )
        lead.save(update_fields=ASSIGN_FIELDS)
        writes.flush()
        followups_follow_lead(lead_ids=[lead.pk], assistant_id=assistant.pk)
    notify(
        title="超时未加微，线索已改派",
        body=f"线索 #{lead_id} 未在时限内加微，已改派给 {assistant.name}。",
        level="warning",
    )
    return assistant


def _alert_sla_kept(lead_id: int, assistant_name: str, supervisor: str) -> None:
    to = f"@{supervisor} " if supervisor else ""
    notify(
        title="超时未加微，无人可改派",
        body=(
            f"{to}线索 #{lead_id} 未在时限内加微，活码内其他医助均已满额或不在班："
            f"仍由 {assistant_name} 跟进，请主管协调（可在线索页手动改派）。"
        ),
        level="critical",
    )


def _day_load_add(assistant_id: int, count: int) -> None:
    """Count hand-assigned leads in the assistant's day load too (the cap then reflects what
    they really got today); the row is created if missing, then raised atomically."""
    day = timezone.localdate()
    AssistantDayLoad.objects.bulk_create(
        [AssistantDayLoad(assistant_id=assistant_id, day=day, count=0)], ignore_conflicts=True
    )
    AssistantDayLoad.objects.filter(assistant_id=assistant_id, day=day).update(
        count=F("count") + count
    )


def followups_follow_lead(*, lead_ids: list[int], assistant_id: int) -> int:
    """A reassigned lead's open reminders (revisits, refills, payment chases, birthdays) go
    with it to its new assistant: the old one no longer sees the lead and could not act."""
    return (
        FollowUp.objects.filter(
            lead_id__in=lead_ids, status__in=[FollowUp.Status.PENDING, FollowUp.Status.QUEUED]
        )
        .exclude(kind=FollowUp.Kind.SLA_CHECK)
        .update(assignee_id=assistant_id)
    )


def leads_reassign(*, lead_ids: Iterable[int], assistant_id: int, actor: Any) -> int:
    """Staff give leads to an assistant by hand (one from its page, many as a bulk action,
    or from the unassigned queue). Staff may go past the daily cap: they decide. Leads already
    with that assistant, and anonymized ones, are left as they are. Returns how many moved."""
    with transaction.atomic():
        assistant = Assistant.objects.filter(pk=assistant_id, is_active=True).first()
        if assistant is None:
            raise errors.refusal(errors.ASSISTANT_UNAVAILABLE)
        leads = list(
            locked(Lead.objects.select_related("pool"))
            .filter(pk__in=list(lead_ids), anonymized_at__isnull=True)
            .exclude(assignee_id=assistant.pk)
            .order_by("pk")
        )
        if not leads:
            return 0
        now = timezone.now()
        writes = RouteWrites()
        for lead in leads:
            # The old assistant's pending SLA check would otherwise move the lead on again.
            _assign_to(
                lead=lead,
                pool=lead.pool,
                assistant=assistant,
                writes=writes,
                now=now,
                reason="manual",
                actor=actor,
            )
        FollowUp.objects.filter(
            lead__in=leads, kind=FollowUp.Kind.SLA_CHECK, status=FollowUp.Status.PENDING
        ).update(status=FollowUp.Status.CANCELLED)
        followups_follow_lead(lead_ids=[lead.pk for lead in leads], assistant_id=assistant.pk)
        rows_update(leads, ASSIGN_FIELDS)
        writes.flush()
        _day_load_add(assistant.pk, len(leads))
    return len(leads)


def lead_reassign(*, lead_id: int, assistant_id: int, actor: Any) -> bool:
    """One lead by hand (its admin page): True when it moved. A withdrawn or purged person →
    `already_anonymized` 409 (the bulk `leads_reassign` skips them)."""
    errors.lead_live_require(Lead.objects.only("anonymized_at").get(pk=lead_id))
    return leads_reassign(lead_ids=[lead_id], assistant_id=assistant_id, actor=actor) == 1


@dataclass(frozen=True)
class SubmissionReply:
    """What one form submission's answer may show: the assistant whose contact code it offers
    and the package it recommends (either may be None: 医助正在为您安排 / no offer)."""

    assistant: Assistant | None
    package: ServicePackage | None


def _submission_facts(payload: LeadPayload) -> RouteFacts:
    """The facts a new lead made from `payload` would be routed on (`leads_ingest`: the same
    fill and the same scoring, first touch), whoever the phone belongs to."""
    from funnel.services import scoring
    from funnel.services.ingest import lead_fill

    specialty = (
        Specialty.objects.filter(slug=payload.specialty).first() if payload.specialty else None
    )
    lead = Lead(phone_hash="", specialty=specialty)
    lead_fill(lead, payload, specialty)
    score, _ = scoring.score_compute(
        facts=scoring.ScoreFacts(
            lead=lead, channel=payload.channel, keyword=payload.keyword, touch_count=1
        ),
        rules=scoring.active_rules(),
    )
    return RouteFacts(
        specialty_id=specialty.pk if specialty else None,
        channel=payload.channel,
        city=lead.city,
        keyword=payload.keyword,
        age=lead.age,
        score=score,
    )


def submission_route(
    *, lead_id: int, payload: LeadPayload, submission: str, created: bool
) -> SubmissionReply:
    """Answer a known phone's new public submission as a new lead's would be answered (issue 13
    point 1): the rule its own facts select (specialty of the page, keyword, age, city, score:
    `_submission_facts`), and the next assistant of that pool's rotation, under the same locks
    and counted the same way (round-robin weight, today's cap): the assistant it shows will
    receive the WeCom add, and a rotation that moved only for new phones would tell a visitor
    probing with fresh numbers which ones were known. Recorded once per `submission` (the
    thank-you token's keyed digest) as a note on the lead, so the page, its reloads and a
    double click show the same answer (`submission_reply`). The lead keeps its owner.
    `created`: the submission made the lead, which intake has just routed: its reply is that
    routing (the assignee and package now), recorded the same way, so that a later
    reassignment (SLA, the morning queue, staff) changes neither page: a new phone's answer
    that followed its lead's owner would tell it from a known phone's, which cannot.

    Returns the reply; writes one event (and, for a known phone, the allocator's counters)."""
    with transaction.atomic():
        shown = _submission_recorded(lead_id=lead_id, submission=submission, lock=True)
        if shown is not None:
            return shown
        if created:
            lead = Lead.objects.select_related("assignee", "recommended_package").get(pk=lead_id)
            return _submission_record(lead_id, submission, lead.assignee, lead.recommended_package)
        rule = rule_select(rules=rules_active(), facts=_submission_facts(payload))
        package = rule.package if rule is not None and rule.package_id else None
        assistant = None
        if rule is not None:
            allocator = Allocator([rule.pool])
            assistant = allocator.pick(pool=rule.pool)
            allocator.flush()
        return _submission_record(lead_id, submission, assistant, package)


def _submission_record(
    lead_id: int,
    submission: str,
    assistant: Assistant | None,
    package: ServicePackage | None,
) -> SubmissionReply:
    lead_events.event_record(
        lead_events.submission_reply_event(
            lead=lead_id,
            submission=submission,
            assistant_id=assistant.pk if assistant else None,
            assistant_name=assistant.name if assistant else "",
            package_id=package.pk if package else None,
        )
    )
    return SubmissionReply(assistant, package)


def _submission_recorded(
    *, lead_id: int, submission: str, lock: bool = False
) -> SubmissionReply | None:
    """The reply recorded for this submission, else None. Found by the submission's digest
    alone, not the lead: a merge moves the event to the kept lead, and the page must not
    change (or fail) because staff merged two records."""
    if lock:
        # One reply per submission even when a double click's two requests race: the lead row
        # is the lock (both requests matched this lead).
        list(locked(Lead.objects.filter(pk=lead_id)))
    event = (
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.NOTE,
            data__change="submission_reply",
            data__submission=submission[:32],
        )
        .order_by("pk")
        .first()
    )
    if event is None:
        return None
    data = event.data or {}
    return SubmissionReply(
        Assistant.objects.filter(pk=data.get("assistant_id")).first()
        if data.get("assistant_id")
        else None,
        ServicePackage.objects.filter(pk=data.get("package_id")).first()
        if data.get("package_id")
        else None,
    )


def submission_reply(*, lead_id: int, created: bool, submission: str) -> SubmissionReply:
    """The assistant and package one form submission's answer shows (issue 13 point 1: a reply
    shows only what the submission itself chose, never an existing person's facts).

    Both read what `submission_route` recorded when the form was submitted:
    - the submission created the lead: its routing then (assignee, package);
    - a known phone, on any specialty's form: the rule of its own facts and the next assistant
      of the rotation; never the lead's owner or package as such.
    Later reassignments change neither. (A token from before replies were recorded, created
    only: the lead's assignee now.)

    The contact code shown with a known phone's reply never binds by itself (landing asks for
    an unverified code): the sender only typed a phone number.
    """
    recorded = _submission_recorded(lead_id=lead_id, submission=submission)
    if recorded is not None:
        return recorded
    if created:
        lead = (
            Lead.objects.select_related("assignee", "recommended_package")
            .filter(pk=lead_id)
            .first()
        )
        if lead is not None:  # (merged away since: nothing to show, never an error)
            return SubmissionReply(lead.assignee, lead.recommended_package)
    return SubmissionReply(None, None)
