"""Due follow-ups are claimed in batches with SELECT … FOR UPDATE SKIP LOCKED, so several
workers (or beat firing twice) never queue the same reminder twice, and nothing waits in a
long ETA task. A claimed reminder is queued as a notification (status `queued`) and becomes
`sent` only when the notifier confirmed delivery (`funnel.services.notify`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

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
        rows = list(queryset.select_related("lead", "assignee")[:limit])
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
    """Create tomorrow's birthday greetings (09:00 local) for leads with a birthday on file."""
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
