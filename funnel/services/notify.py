"""Notifications to staff: alerts and reminders go through one function, are queued, and are
sent at the notifier's pace.

`NOTIFIER=console` (default) logs; `NOTIFIER=wecom_robot` posts to a WeCom group robot
(`WECOM_ROBOT_WEBHOOK`). A group robot takes at most 20 messages a minute and answers errcode
45009 beyond that (WeCom's group-robot documentation, 消息发送频率限制); so every message is a
`Notification` row first, `notifications_deliver` sends what the last minute's budget allows,
leaves the rest queued for the next run (every minute, and after each commit that queued
some), waits a minute after a 45009, retries other failures with back-off, and marks a message
(and its follow-up reminder) sent only when the robot confirmed it. Callers never know which
notifier runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from funnel import errors
from funnel.locks import locked, named_lock
from funnel.models import FollowUp, Notification
from funnel.outbound import BudgetSpent, request_error_text, within_budget

logger = logging.getLogger("yinliu.notify")

ROBOT_PER_MINUTE = 20
ROBOT_RATE_LIMITED = 45009
MAX_ATTEMPTS = 8
WINDOW = dt.timedelta(minutes=1)
# How long a claimed message is left to the worker sending it (the notifier's timeout is 5 s).
CLAIM_LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    level: str = "info"  # info | warning | critical


class NotifierRateLimited(Exception):
    """The notifier refused for now (WeCom 45009): wait for the next minute."""


class Notifier(Protocol):
    per_minute: int | None  # None: no rate limit

    def send(self, notice: Notice) -> None: ...


class ConsoleNotifier:
    per_minute = None

    def send(self, notice: Notice) -> None:
        logger.warning("[%s] %s\n%s", notice.level, notice.title, notice.body)


class WeComRobotNotifier:
    """WeCom group robot: POST {"msgtype": "markdown", ...}; errcode 0 is delivered, 45009 is
    the per-minute limit (raises NotifierRateLimited), any other errcode is a failure. A
    redirect is never followed (the URL carries the robot's key; a 307/308 would re-send the
    message to the Location): any 3xx is a failure `unexpected_redirect`, retried like others."""

    per_minute = ROBOT_PER_MINUTE

    def __init__(self, webhook_url: str, timeout: float = 5.0) -> None:
        self.webhook_url = webhook_url
        self.timeout = timeout

    def send(self, notice: Notice) -> None:
        content = f"**{notice.title}**\n{notice.body}"[:4000]
        # held to a web request's outbound budget (funnel.outbound): raises BudgetSpent
        response = within_budget(
            lambda timeout: requests.post(
                self.webhook_url,
                json={"msgtype": "markdown", "markdown": {"content": content}},
                timeout=timeout,
                allow_redirects=False,
            ),
            self.timeout,
        )
        if response.is_redirect or 300 <= response.status_code < 400:
            location = urlsplit(response.headers.get("Location", "")).netloc
            logger.warning(
                "%s: the robot answered %s towards %s, not followed",
                errors.UNEXPECTED_REDIRECT,
                response.status_code,
                location[:200],
            )
            raise RuntimeError(f"{errors.UNEXPECTED_REDIRECT} (HTTP {response.status_code})")
        response.raise_for_status()
        answer = response.json()
        code = answer.get("errcode", 0)
        if code == ROBOT_RATE_LIMITED:
            raise NotifierRateLimited(f"WeCom robot rate limit: {answer}")
        if code != 0:
            raise RuntimeError(f"WeCom robot refused the message: {answer}")


def get_notifier() -> Notifier:
    if settings.NOTIFIER == "wecom_robot" and settings.WECOM_ROBOT_WEBHOOK:
        return WeComRobotNotifier(settings.WECOM_ROBOT_WEBHOOK)
    return ConsoleNotifier()


def notify(*, title: str, body: str, level: str = "info") -> None:
    """Queue one message to staff; it is sent after the current transaction commits (at the
    notifier's pace). Never raises for a notifier problem."""
    notifications_queue(notices=[Notice(title=title, body=body, level=level)])
    transaction.on_commit(_deliver_soon, robust=True)


def notifications_queue(
    *, notices: list[Notice], followup_ids: list[int | None] | None = None
) -> list[Notification]:
    """Queue messages (one statement); `followup_ids` ties each to the reminder it carries."""
    ids = followup_ids or [None] * len(notices)
    return Notification.objects.bulk_create(
        [
            Notification(title=n.title[:200], body=n.body, level=n.level, followup_id=followup_id)
            for n, followup_id in zip(notices, ids, strict=True)
        ]
    )


def _deliver_soon() -> None:
    from funnel.tasks import notifications_deliver_task

    notifications_deliver_task.delay()


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=1) * (2 ** max(attempts - 1, 0)), dt.timedelta(hours=1))


def notifications_deliver(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send queued messages within the notifier's budget for the last minute. Returns how many
    were confirmed sent.

    No transaction is held while the notifier is called (on SQLite that would hold the
    database's write lock for the length of an HTTP call): the due messages are claimed in a
    short transaction (one worker at a time, a named lock; claimed messages in flight count
    against the pace, so two workers cannot together exceed the robot's limit), sent, and
    each outcome is written in its own short transaction."""
    notifier = get_notifier()
    now = now or timezone.now()
    claimed = _claim(notifier, now, limit)
    sent = 0
    for at, row in enumerate(claimed):
        outcome = _send_one(notifier, row, now)
        if outcome == "sent":
            sent += 1
        elif outcome == "rate_limited":
            # the rest wait for the next minute, otherwise untouched
            Notification.objects.filter(pk__in=[r.pk for r in claimed[at + 1 :]]).update(
                claimed_at=None
            )
            break
    return sent


def _claim(notifier: Notifier, now: dt.datetime, limit: int) -> list[Notification]:
    with transaction.atomic():
        named_lock("funnel.notifications_deliver")
        in_flight = Q(status=Notification.Status.PENDING, claimed_at__gt=now - CLAIM_LEASE)
        budget = limit
        if notifier.per_minute is not None:
            recent = Notification.objects.filter(
                Q(status=Notification.Status.SENT, sent_at__gt=now - WINDOW) | in_flight
            ).count()
            budget = max(0, min(limit, notifier.per_minute - recent))
        if budget == 0:
            return []
        due = list(
            locked(
                Notification.objects.filter(status=Notification.Status.PENDING)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .exclude(in_flight)
            ).order_by("pk")[:budget]
        )
        Notification.objects.filter(pk__in=[row.pk for row in due]).update(claimed_at=now)
        return due


def _send_one(notifier: Notifier, row: Notification, now: dt.datetime) -> str:
    """Send one claimed message (no transaction open) and record the outcome."""
    row.attempts += 1
    row.claimed_at = None
    try:
        notifier.send(Notice(title=row.title, body=row.body, level=row.level))
    except NotifierRateLimited as exc:
        row.attempts -= 1  # the robot's pace, not this message's fault
        row.next_attempt_at = now + WINDOW
        row.last_error = str(exc)[:2000]
        row.save(update_fields=["attempts", "next_attempt_at", "last_error", "claimed_at"])
        return "rate_limited"
    except BudgetSpent as exc:
        # Not sent at all: the web request that ran this (no broker) had no time left for it.
        row.attempts -= 1
        row.next_attempt_at = now
        row.last_error = f"{exc.code}: {exc}"[:2000]
        row.save(update_fields=["attempts", "next_attempt_at", "last_error", "claimed_at"])
        return "deferred"
    except Exception as exc:  # a failed delivery is kept and retried, never raised
        # A network failure's text holds the robot's URL and its key (funnel.outbound).
        detail = request_error_text(exc) if isinstance(exc, requests.RequestException) else exc
        logger.warning("notification %s not delivered: %s", row.pk, detail)
        row.last_error = f"{type(exc).__name__}: {detail}"[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = Notification.Status.FAILED
            row.next_attempt_at = None
        else:
            row.next_attempt_at = now + _backoff(row.attempts)
        row.save(
            update_fields=["attempts", "status", "next_attempt_at", "last_error", "claimed_at"]
        )
        return "failed"
    delivered = timezone.now()
    row.status = Notification.Status.SENT
    row.sent_at = delivered
    row.last_error = ""
    row.next_attempt_at = None
    with transaction.atomic():
        row.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "last_error",
                "next_attempt_at",
                "claimed_at",
            ]
        )
        if row.followup_id:
            FollowUp.objects.filter(pk=row.followup_id, status=FollowUp.Status.QUEUED).update(
                status=FollowUp.Status.SENT, sent_at=delivered
            )
    return "sent"
