"""Reads of the channels app: the postback log as staff and the health page see it.

A `PostbackLog` row is written `pending` when a stage event is published and marked `sent`
by the listener that sends it. A failed send raises, and the outbox undoes that listener's
writes and keeps the error on its delivery row, so the outcome of a pending row is read from
that delivery (listener `channels.postbacks`): tries, last error, given up.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, IntegerField, OuterRef, QuerySet, Subquery, When
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.utils import timezone

from channels.models import PostbackLog
from channels.services.postback import LISTENER
from funnel.models import OutboxDelivery


class Outcome:
    SENT = "sent"
    PENDING = "pending"  # not tried yet
    RETRYING = "retrying"  # the last try failed; the outbox tries again
    FAILED = "failed"  # the outbox gave up

    CHOICES = (
        (SENT, "已回传"),
        (PENDING, "待回传"),
        (RETRYING, "失败，重试中"),
        (FAILED, "失败，已放弃"),
    )
    FAILURES = (RETRYING, FAILED)


def postback_log() -> QuerySet[PostbackLog]:
    """Every postback with its outcome, tries and last answer (`outcome`, `attempts`,
    `answer`), newest first."""
    delivery = OutboxDelivery.objects.filter(event_id=OuterRef("event_id"), listener=LISTENER)
    return (
        PostbackLog.objects.select_related("lead")
        .annotate(
            delivery_status=Subquery(delivery.values("status")[:1]),
            delivery_attempts=Subquery(delivery.values("attempts")[:1]),
            delivery_error=Subquery(delivery.values("last_error")[:1]),
        )
        .annotate(
            outcome=Case(
                When(status=PostbackLog.Status.SENT, then=V(Outcome.SENT)),
                When(delivery_status=OutboxDelivery.Status.FAILED, then=V(Outcome.FAILED)),
                When(delivery_error__gt="", then=V(Outcome.RETRYING)),
                default=V(Outcome.PENDING),
                output_field=CharField(),
            ),
            attempts=Case(
                When(status=PostbackLog.Status.SENT, then=F("tries")),
                default=Coalesce(F("delivery_attempts"), V(0)),
                output_field=IntegerField(),
            ),
            answer=Case(
                When(status=PostbackLog.Status.SENT, then=F("last_answer")),
                default=Coalesce(F("delivery_error"), V("")),
                output_field=CharField(),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def postbacks_failed_count(*, since: dt.datetime | None = None) -> int:
    """Postbacks planned since `since` (default: the last 24 hours) whose last try failed."""
    since = since or timezone.now() - dt.timedelta(days=1)
    return postback_log().filter(created_at__gte=since, outcome__in=Outcome.FAILURES).count()
