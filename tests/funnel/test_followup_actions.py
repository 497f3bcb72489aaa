"""Issue 15 point 2, the services behind the phone page's buttons: a follow-up is done or put
off; birthdays are planned (also by beat in the embedded default)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel.models import FollowUp, LeadEvent
from funnel.services.followups import (
    followup_done,
    followup_schedule,
    followup_snooze,
    lead_birthday_set,
    snooze_until,
)
from tests.funnel.factories import catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def revisit(ingest) -> FollowUp:
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    due = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    return followup_schedule(lead_id=lead_id, kind="revisit", due_at=due, note="复诊回访")


def test_done_closes_the_follow_up_and_writes_the_timeline(revisit) -> None:
    followup_done(followup_id=revisit.pk)

    revisit.refresh_from_db()
    assert revisit.status == "done"
    event = LeadEvent.objects.get(lead_id=revisit.lead_id, kind="followup")
    assert (event.note, event.data) == ("已完成：复诊提醒", {"followup_id": revisit.pk})


def test_done_twice_is_refused_and_writes_nothing_more(revisit) -> None:
    followup_done(followup_id=revisit.pk)

    with pytest.raises(ApplicationError) as err:
        followup_done(followup_id=revisit.pk)

    assert (err.value.code, err.value.status) == (errors.FOLLOWUP_CLOSED, 409)
    assert LeadEvent.objects.filter(lead_id=revisit.lead_id, kind="followup").count() == 1


def test_snooze_moves_the_due_time_and_reopens_it(revisit) -> None:
    FollowUp.objects.filter(pk=revisit.pk).update(status="sent", sent_at=timezone.now())
    now = dt.datetime(2026, 11, 29, 22, 0, tzinfo=dt.UTC)  # 06:00 on the 30th in Shanghai
    until = snooze_until(choice="tomorrow", now=now)
    assert timezone.localtime(until).isoformat() == "2026-12-01T09:00:00+08:00"

    followup_snooze(followup_id=revisit.pk, until=timezone.now() + dt.timedelta(hours=1))

    revisit.refresh_from_db()
    assert revisit.status == "pending"
    assert revisit.sent_at is None
    assert revisit.due_at > timezone.now()
    assert LeadEvent.objects.filter(lead_id=revisit.lead_id, kind="followup").count() == 1


def test_snooze_into_the_past_is_refused(revisit) -> None:
    due = revisit.due_at

    with pytest.raises(ApplicationError) as err:
        followup_snooze(followup_id=revisit.pk, until=timezone.now() - dt.timedelta(minutes=1))

    assert err.value.code == errors.INVALID_SNOOZE
    revisit.refresh_from_db()
    assert revisit.due_at == due
    assert not LeadEvent.objects.filter(kind="followup").exists()


def test_a_birthday_this_week_is_planned_at_once_and_a_later_one_is_not(ingest) -> None:
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    soon = ingest(payload("13800000001")).lead_id
    later = ingest(payload("13800000002")).lead_id
    today = timezone.localdate()
    in_three = today + dt.timedelta(days=3)
    in_thirty = today + dt.timedelta(days=30)

    assert lead_birthday_set(lead_id=soon, birthday=in_three.replace(year=1985)) == 1
    assert lead_birthday_set(lead_id=later, birthday=in_thirty.replace(year=1990)) == 0

    greeting = FollowUp.objects.get(kind="birthday")
    assert greeting.lead_id == soon
    assert timezone.localtime(greeting.due_at).date() == in_three
    assert timezone.localtime(greeting.due_at).hour == 9


def test_beat_runs_the_birthday_plan_in_the_embedded_default(ingest, settings) -> None:
    """`make demo` without REDIS_URL runs `celery beat` alone; tasks are eager there, so beat's
    own apply_async runs the plan in-process. Drive the installed schedule entry as beat does."""
    from celery.apps.beat import Beat
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    if settings.REDIS_URL:
        pytest.skip("the embedded default only (with Redis, beat hands tasks to the worker)")
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000001")).lead_id
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    lead_birthday_set(lead_id=lead_id, birthday=tomorrow.replace(year=1980))
    FollowUp.objects.filter(kind="birthday").delete()  # leave the planning to beat
    task = PeriodicTask.objects.get(task="funnel.birthdays_plan")
    assert (task.enabled, task.crontab.hour, task.crontab.minute) == (True, "20", "0")
    assert str(task.crontab.timezone) == "Asia/Shanghai"

    Beat(app=app, quiet=True).init_loader()  # what `celery beat` does first: tasks registered
    # Beat loads crontab entries due within ±2 h of now: look at 19:55 in Shanghai.
    at_1955 = dt.datetime(2026, 11, 29, 11, 55, tzinfo=dt.UTC)
    with mock.patch("django_celery_beat.schedulers.aware_now", return_value=at_1955):
        scheduler = DatabaseScheduler(app=app)
        entry = scheduler.schedule[task.name]
    scheduler.apply_async(entry, producer=None)

    greeting = FollowUp.objects.get(kind="birthday", lead_id=lead_id)
    assert timezone.localtime(greeting.due_at).date() == tomorrow


def test_the_sla_check_cannot_be_closed_or_put_off_by_hand(ingest) -> None:
    # given a routed lead with its 加微 time-limit check
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13800000009")).lead_id
    check = FollowUp.objects.get(lead_id=lead_id, kind="sla_check")
    # when the assistant taps 完成 or 明天 9:00 on it, then both are refused
    for action in (
        lambda: followup_done(followup_id=check.pk),
        lambda: followup_snooze(followup_id=check.pk, until=timezone.now() + dt.timedelta(days=1)),
    ):
        with pytest.raises(ApplicationError) as refused:
            action()
        assert refused.value.code == errors.SLA_CHECK_NOT_CLOSABLE
    # and the check is untouched: only contacting the lead closes it
    check.refresh_from_db()
    assert check.status == "pending"
