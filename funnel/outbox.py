"""The outbox: other apps react to committed lead events without the funnel importing them.

An app registers a listener in its `AppConfig.ready()`:

    outbox.listener_register(name="channels.postbacks", kinds={"stage"}, task=postback_task)

where `task` is an idempotent Celery task taking one event id. A service that writes an event
other apps care about publishes it in the same transaction (`outbox_publish`): one
`OutboxDelivery` row per interested listener is written with the event, and after commit each
is delivered (`funnel.outbox_deliver`). A delivery runs its listener and records the outcome on
the row; a failure is never raised into the request that changed the stage (the embedded
default leaves deliveries to the sweep), it is kept with its error and tried again by
`outbox_sweep` with exponential back-off (30 s, 1 min, 2 min … capped at 1 h) until
`MAX_ATTEMPTS`, then left `failed` for staff to see. Listeners run outside any transaction
and delivery is at least once, so listeners must be idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from funnel.models import LeadEvent, OutboxDelivery

logger = logging.getLogger("yinliu.outbox")

MAX_ATTEMPTS = 12
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
# A delivery never tried is left to its own after-commit task this long before the sweep
# takes it (the task may simply not have run yet).
SWEEP_GRACE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Listener:
    name: str
    kinds: frozenset[str]
    task: Any  # a Celery task (or any callable) taking one LeadEvent id


_LISTENERS: dict[str, Listener] = {}


def listener_register(*, name: str, kinds: Iterable[str], task: Any) -> None:
    """Register (or replace, by name: `ready()` may run twice) a listener for event kinds
    (`LeadEvent.Kind` values)."""
    _LISTENERS[name] = Listener(name=name, kinds=frozenset(kinds), task=task)


def listeners() -> list[Listener]:
    return list(_LISTENERS.values())


def outbox_publish(*, events: list[LeadEvent]) -> list[int]:
    """Inside the transaction that wrote `events` (saved): one delivery per interested
    listener, delivered after commit. Returns the delivery ids."""
    rows = [
        OutboxDelivery(event=event, listener=listener.name)
        for event in events
        for listener in _LISTENERS.values()
        if event.kind in listener.kinds
    ]
    if not rows:
        return []
    OutboxDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _enqueue(delivery_ids: list[int]) -> None:
    from funnel.tasks import outbox_deliver_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded default has no worker: an inline delivery would make the request
        # that changed the stage wait on a platform (30 s for one that hangs). The sweep
        # (beat, every minute) delivers these after SWEEP_GRACE instead.
        return
    for delivery_id in delivery_ids:
        try:
            outbox_deliver_task.delay(delivery_id)
        except Exception:
            # Broker away (or, inline, anything the delivery did not catch): the row is
            # pending and the sweep delivers it later. The request that changed the stage
            # has committed and must still answer.
            logger.exception("outbox delivery %s not enqueued; the sweep retries it", delivery_id)


def _backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# While a delivery runs, its row is leased (next_attempt_at pushed this far ahead) so no other
# worker or sweep takes it; a worker that dies mid-delivery is retried when the lease ends.
LEASE = dt.timedelta(minutes=5)


def outbox_deliver(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Run one pending delivery's listener, at most one worker at a time per delivery.
    Returns the delivery's status afterwards ("" when there was nothing to do).

    The listener runs outside any database transaction: a platform that hangs for 30 s must
    not hold a row lock (or, on SQLite, the database's write lock) that a patient's form is
    waiting for. The row is claimed (leased) in one short transaction and the outcome
    recorded in another; the listener's own writes stand as it made them. `now` (default the
    clock) decides what is due and when a retry comes."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            OutboxDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=OutboxDelivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if row is None:
            return ""
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        row.save(update_fields=["attempts", "next_attempt_at"])
    listener = _LISTENERS.get(row.listener)
    try:
        if listener is None:
            raise LookupError(f"no listener registered as {row.listener!r}")
        listener.task(row.event_id)
    except Exception as exc:  # recorded and retried, never raised into the caller
        logger.warning("outbox %s → %s failed: %s", row.event_id, row.listener, exc)
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxDelivery.Status.FAILED
            row.next_attempt_at = None
        else:
            row.next_attempt_at = now + _backoff(row.attempts)
    else:
        row.status = OutboxDelivery.Status.DONE
        row.delivered_at = timezone.now()
        row.last_error = ""
        row.next_attempt_at = None
    row.save(update_fields=["status", "last_error", "next_attempt_at", "delivered_at"])
    return row.status


SWEEP_BUDGET_SECONDS = 45.0  # one run stays within its minute, even behind a hanging platform


def outbox_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver what is due: retries whose back-off has passed, and deliveries never tried
    whose after-commit task was lost (or, in the embedded default, never sent inline). Stops
    starting new deliveries after SWEEP_BUDGET_SECONDS; the rest wait for the next run.
    Returns how many were attempted."""
    now = now or timezone.now()
    started = time.monotonic()
    due = list(
        OutboxDelivery.objects.filter(status=OutboxDelivery.Status.PENDING)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    attempted = 0
    for delivery_id in due:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        outbox_deliver(delivery_id=delivery_id, now=now)
        attempted += 1
    return attempted


def outbox_retry(*, delivery_id: int) -> None:
    """Staff: try a delivery that gave up (`failed`) again, at the next sweep."""
    OutboxDelivery.objects.filter(pk=delivery_id, status=OutboxDelivery.Status.FAILED).update(
        status=OutboxDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
