"""Due follow-ups are claimed in batches with SELECT … FOR UPDATE SKIP LOCKED, so several
workers (or beat firing twice) never queue the same reminder twice, and nothing waits in a
long ETA task. A claimed reminder is queued as a notification (status `queued`) and becomes
`sent` only when the notifier confirmed delivery (`funnel.services.notify`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from funnel import errors
from funnel import events as lead_events
from funnel.crypto import mask_name
from funnel.locks import locked
from funnel.models import FollowUp, Lead
from funnel.services.notify import Notice, notifications_deliver, notifications_queue
from funnel.services.routing import sla_enforce


def _claim(now: dt.datetime, limit: int) -> list[FollowUp]:
    with transaction.atomic():
        queryset = FollowUp.objects.filter(
            status=FollowUp.Status.PENDING, due_at__lte=now
        ).order_by("due_at", "pk")
        queryset = locked(queryset, skip_locked=True)
        rows = list(queryset.select_related("lead", "assignee", "supervisor")[:limit])
        FollowUp.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=FollowUp.Status.QUEUED
        )
    return rows


def followups_dispatch(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Handle every due follow-up once: SLA checks run now, reminders are queued as
    notifications and sent at the notifier's pace (the rest on the next run). Returns how many
    were claimed."""
    now = now or timezone.now()
    handled = 0
    while True:
        rows = _claim(now, limit)
        if not rows:
            break
        handled += len(rows)
        notices, followup_ids = [], []
        for row in rows:
            if row.kind == FollowUp.Kind.SLA_CHECK:
                sla_enforce(lead_id=row.lead_id)
                # sent_at: when the check fired (the assistant board counts these breaches).
                FollowUp.objects.filter(pk=row.pk).update(
                    status=FollowUp.Status.DONE, sent_at=now
                )
                continue
            if row.supervisor is not None:
                who = f"主管 {row.supervisor.get_username()}"
            else:
                who = row.assignee.name if row.assignee else "待分配"
            label = mask_name(row.lead.name) or "线索"
            due = timezone.localtime(row.due_at)
            notices.append(
                Notice(
                    title=f"{row.get_kind_display()}：{label} #{row.lead_id}",
                    body=f"{who}：{row.note or row.get_kind_display()}（到期 {due:%m-%d %H:%M}）",
                )
            )
            followup_ids.append(row.pk)
        notifications_queue(notices=notices, followup_ids=followup_ids)
        if len(rows) < limit:
            break
    notifications_deliver(now=now)
    return handled


def birthdays_plan(*, day: dt.date | None = None) -> int:
    """Create a day's birthday greetings (09:00 Asia/Shanghai; default tomorrow) for leads with
    a birthday on file. Safe to run twice: a greeting exists once per lead and time."""
    day = day or (timezone.localdate() + dt.timedelta(days=1))
    due = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    leads = Lead.objects.filter(
        birthday__month=day.month, birthday__day=day.day, anonymized_at__isnull=True
    ).only("pk", "assignee_id")
    rows = [
        FollowUp(
            lead_id=lead.pk,
            assignee_id=lead.assignee_id,
            kind=FollowUp.Kind.BIRTHDAY,
            due_at=due,
            note="生日关怀",
        )
        for lead in leads
    ]
    FollowUp.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


OPEN = (FollowUp.Status.PENDING, FollowUp.Status.QUEUED, FollowUp.Status.SENT)


def _open_followup(followup_id: int) -> FollowUp:
    followup = locked(FollowUp.objects.all()).filter(pk=followup_id).first()
    if followup is None:
        raise errors.refusal(errors.FOLLOWUP_NOT_FOUND, status=404)
    if followup.kind == FollowUp.Kind.SLA_CHECK:
        # The 加微 time limit is enforced, not acknowledged: only contacting the lead (a stage
        # change) closes it, so nobody can switch off the reassignment by tapping 完成.
        raise errors.refusal(errors.SLA_CHECK_NOT_CLOSABLE)
    if followup.status not in OPEN:
        raise errors.refusal(errors.FOLLOWUP_CLOSED)
    # A snooze would remind staff to contact a withdrawn person again; a 完成 writes into
    # their timeline. Neither: withdrawal closed their follow-ups (`funnel.services.pii`).
    errors.lead_live_require(Lead.objects.only("anonymized_at").get(pk=followup.lead_id))
    return followup


def followup_done(*, followup_id: int, actor: Any = None) -> FollowUp:
    """The assistant did it (visited, greeted, chased): closed, on the lead's timeline.
    A follow-up already done or cancelled answers `followup_closed` and changes nothing."""
    with transaction.atomic():
        followup = _open_followup(followup_id)
        followup.status = FollowUp.Status.DONE
        followup.save(update_fields=["status"])
        lead_events.event_record(
            lead_events.followup_done_event(
                lead=followup.lead_id,
                followup_id=followup.pk,
                kind_label=followup.get_kind_display(),
                actor=actor,
            )
        )
    return followup


def followup_snooze(*, followup_id: int, until: dt.datetime, actor: Any = None) -> FollowUp:
    """Put a follow-up off to `until` (aware): pending again, reminded again when due.
    `until` must be in the future (`invalid_snooze`)."""
    if until <= timezone.now():
        raise errors.refusal(errors.INVALID_SNOOZE, status=422)
    until = until.replace(microsecond=0)
    with transaction.atomic():
        followup = _open_followup(followup_id)
        followup.due_at = until
        followup.status = FollowUp.Status.PENDING
        followup.sent_at = None
        try:
            with transaction.atomic():
                followup.save(update_fields=["due_at", "status", "sent_at"])
        except IntegrityError:
            # The same reminder already waits at that minute: this one is folded into it.
            followup.status = FollowUp.Status.CANCELLED
            followup.due_at = FollowUp.objects.get(pk=followup.pk).due_at
            followup.save(update_fields=["status"])
        lead_events.event_record(
            lead_events.followup_snoozed_event(
                lead=followup.lead_id,
                followup_id=followup.pk,
                kind_label=followup.get_kind_display(),
                due_at=until.isoformat(),
                actor=actor,
            )
        )
    return followup


SNOOZE_CHOICES = {"1h": "1 小时后", "3h": "3 小时后", "tomorrow": "明天 9:00"}


def snooze_until(*, choice: str, now: dt.datetime | None = None) -> dt.datetime:
    """The phone page's snooze buttons → a due time (Asia/Shanghai 09:00 for tomorrow)."""
    now = now or timezone.now()
    if choice == "1h":
        return now + dt.timedelta(hours=1)
    if choice == "3h":
        return now + dt.timedelta(hours=3)
    if choice == "tomorrow":
        day = timezone.localdate(now) + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    raise errors.refusal(errors.INVALID_SNOOZE, status=422)


def followup_schedule(*, lead_id: int, kind: str, due_at: dt.datetime, note: str = "") -> FollowUp:
    """A reminder for the lead's assistant (revisit, refill …) at `due_at`; the same lead, kind
    and time is one reminder (re-running returns it). A withdrawn or purged person →
    `already_anonymized` 409: nobody is reminded to contact them."""
    lead = Lead.objects.only("pk", "assignee_id", "anonymized_at").get(pk=lead_id)
    errors.lead_live_require(lead)
    followup, _ = FollowUp.objects.get_or_create(
        lead_id=lead.pk,
        kind=kind,
        due_at=due_at,
        defaults={"assignee_id": lead.assignee_id, "note": note},
    )
    return followup


def lead_birthday_set(*, lead_id: int, birthday: dt.date) -> int:
    """Record the lead's birthday; a birthday within the coming week gets its greeting planned
    now (the nightly plan only looks one day ahead). Returns greetings planned (0 or 1).
    A withdrawn or purged person → `already_anonymized` 409, nothing stored."""
    with transaction.atomic():
        errors.lead_live_require(locked(Lead.objects.only("anonymized_at")).get(pk=lead_id))
        Lead.objects.filter(pk=lead_id).update(birthday=birthday, updated_at=timezone.now())
    today = timezone.localdate()
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        if (day.month, day.day) == (birthday.month, birthday.day):
            due = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
            followup_schedule(
                lead_id=lead_id, kind=FollowUp.Kind.BIRTHDAY, due_at=due, note="生日关怀"
            )
            return 1
    return 0
