"""Private groups and time-boxed camps (私域社群 / 训练营): enrol and take out.

Every change locks the group's row first and moves its `member_count` in the same
transaction, so two assistants enrolling the last free seat at once get one seat and one
`group_full` (no count-then-insert race). The database has the last word twice: the count may
not pass the capacity (check constraint) and a lead has at most one open stay per group
(partial unique constraint).

Dates: a camp takes members until its close date (结营日期, Asia/Shanghai day) inclusive;
enrolling before it opens is allowed (people sign up for the next 期).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from funnel import errors
from funnel import events as lead_events
from funnel.locks import locked
from funnel.models import GroupMembership, Lead, PrivateGroup


def group_enroll(
    *,
    group_id: int,
    lead_id: int,
    actor: Any = None,
    source: str = "manual",
    at: dt.datetime | None = None,
) -> GroupMembership:
    """Put the lead in the group. Refuses with `group_closed` after the close date,
    `group_full` at capacity, `already_member` while an earlier stay is open; a refusal
    writes nothing. `at`: when the person joined (a WeCom join's own time; default now).
    `source`: "manual" (staff) | "rule" (routing) | "wecom" (joined through the group code).
    A withdrawn or purged person → `already_anonymized` 409."""
    now = at or timezone.now()
    with transaction.atomic():
        group = locked(PrivateGroup.objects.all()).get(pk=group_id)
        errors.lead_live_require(Lead.objects.only("anonymized_at").get(pk=lead_id))
        if group.closes_on is not None and timezone.localdate(now) > group.closes_on:
            raise errors.refusal(errors.GROUP_CLOSED)
        if group.member_count >= group.capacity:
            raise errors.refusal(errors.GROUP_FULL)
        try:
            with transaction.atomic():
                membership = GroupMembership.objects.create(
                    group=group, lead_id=lead_id, source=source, joined_at=now
                )
        except IntegrityError as exc:
            raise errors.refusal(errors.ALREADY_MEMBER) from exc
        PrivateGroup.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
        lead_events.event_record(
            lead_events.group_joined_event(
                lead=lead_id,
                group_id=group.pk,
                group_name=group.name,
                source=source,
                actor=actor,
                at=at,
            )
        )
    return membership


def group_leave(
    *, group_id: int, lead_id: int, actor: Any = None, at: dt.datetime | None = None
) -> GroupMembership:
    """Close the lead's open stay in the group (the row stays: the roster shows who left).
    `at`: when they left (a WeCom quit's own time; default now). Refuses `not_member`."""
    now = at or timezone.now()
    with transaction.atomic():
        group = locked(PrivateGroup.objects.all()).get(pk=group_id)
        membership = GroupMembership.objects.filter(
            group=group, lead_id=lead_id, left_at__isnull=True
        ).first()
        if membership is None:
            raise errors.refusal(errors.NOT_MEMBER)
        membership.left_at = now
        membership.save(update_fields=["left_at"])
        PrivateGroup.objects.filter(pk=group.pk).update(member_count=F("member_count") - 1)
        lead_events.event_record(
            lead_events.group_left_event(
                lead=lead_id, group_id=group.pk, group_name=group.name, actor=actor, at=at
            )
        )
    return membership


def leads_enroll_by_rule(*, enrolments: list[tuple[Lead, int]]) -> int:
    """Routing rules that name a group enrol their leads after routing. A group that cannot
    take a lead (full, closed, already a member) does not hold up the lead: the refusal goes
    on its timeline. The same rules as `group_enroll`, in a few statements per group whatever
    the batch size (a pulled page routes a hundred leads at once). Returns how many joined."""
    if not enrolments:
        return 0
    now = timezone.now()
    today = timezone.localdate(now)
    by_group: dict[int, list[Lead]] = {}
    for lead, group_id in enrolments:
        by_group.setdefault(group_id, []).append(lead)
    # Groups locked in id order: concurrent batches (and `group_enroll`) queue, never deadlock.
    groups = {
        g.pk: g for g in locked(PrivateGroup.objects.filter(pk__in=list(by_group))).order_by("pk")
    }
    open_stays = set(
        GroupMembership.objects.filter(
            group_id__in=list(groups),
            lead_id__any=[lead.pk for lead, _ in enrolments],
            left_at__isnull=True,
        ).values_list("group_id", "lead_id")
    )
    memberships: list[GroupMembership] = []
    events = []
    counts: dict[int, int] = {}
    for group_id in sorted(by_group):
        group = groups.get(group_id)
        if group is None:
            continue  # deleted meanwhile: nothing to join
        count = group.member_count
        for lead in sorted(by_group[group_id], key=lambda lead: lead.pk):
            if lead.anonymized_at is not None:
                continue  # withdrawn meanwhile: no group, no event on their record
            code = ""
            if group.closes_on is not None and today > group.closes_on:
                code = errors.GROUP_CLOSED
            elif (group.pk, lead.pk) in open_stays:
                code = errors.ALREADY_MEMBER
            elif count >= group.capacity:
                code = errors.GROUP_FULL
            if code:
                events.append(
                    lead_events.group_refused_event(
                        lead=lead.pk, group_id=group.pk, group_name=group.name, code=code
                    )
                )
                continue
            open_stays.add((group.pk, lead.pk))
            count += 1
            memberships.append(
                GroupMembership(group=group, lead_id=lead.pk, source="rule", joined_at=now)
            )
            events.append(
                lead_events.group_joined_event(
                    lead=lead.pk, group_id=group.pk, group_name=group.name, source="rule"
                )
            )
        if count != group.member_count:
            counts[group.pk] = count - group.member_count
    GroupMembership.objects.bulk_create(memberships)
    for group_id, added in counts.items():
        PrivateGroup.objects.filter(pk=group_id).update(member_count=F("member_count") + added)
    lead_events.events_record(events)
    return len(memberships)
