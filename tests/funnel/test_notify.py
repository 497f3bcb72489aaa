"""Notifications are queued and sent at the notifier's pace: a WeCom group robot takes 20 a
minute; 45009 waits a minute; a reminder is marked sent only when the robot confirmed it."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import responses
from django.utils import timezone

from funnel.models import FollowUp, Notification
from funnel.services.followups import followups_dispatch
from funnel.services.notify import (
    ConsoleNotifier,
    Notice,
    NotifierRateLimited,
    WeComRobotNotifier,
    get_notifier,
    notifications_deliver,
    notifications_queue,
    notify,
)
from tests.funnel.factories import payload

pytestmark = pytest.mark.django_db
HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-key"


@pytest.fixture
def robot(settings):
    settings.NOTIFIER = "wecom_robot"
    settings.WECOM_ROBOT_WEBHOOK = HOOK


@responses.activate
def test_wecom_robot_posts_markdown(robot, django_capture_on_commit_callbacks) -> None:
    responses.post(HOOK, json={"errcode": 0, "errmsg": "ok"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(title="复诊提醒", body="林晓雯：张** 明天复诊")
    notifications_deliver()  # with Redis the after-commit task waits in the queue
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {
        "msgtype": "markdown",
        "markdown": {"content": "**复诊提醒**\n林晓雯：张** 明天复诊"},
    }
    assert Notification.objects.get().status == "sent"


@responses.activate
def test_the_robots_rate_limit_code_is_its_own_error() -> None:
    responses.post(HOOK, json={"errcode": 45009, "errmsg": "api freq out of limit"})
    with pytest.raises(NotifierRateLimited, match="45009"):
        WeComRobotNotifier(HOOK).send(Notice(title="t", body="b"))


@responses.activate
def test_other_refusals_are_errors() -> None:
    responses.post(HOOK, json={"errcode": 93000, "errmsg": "invalid webhook url"})
    with pytest.raises(RuntimeError, match="93000"):
        WeComRobotNotifier(HOOK).send(Notice(title="t", body="b"))


ELSEWHERE = "https://collector.example.com/hook"


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_robot_redirect_is_not_followed_and_the_message_stays_undelivered(
    robot, caplog, status
) -> None:
    # Given a robot URL that answers with a redirect to another host (which would answer ok)
    responses.post(HOOK, status=status, headers={"Location": ELSEWHERE})
    responses.post(ELSEWHERE, json={"errcode": 0, "errmsg": "ok"})
    responses.get(ELSEWHERE, json={"errcode": 0, "errmsg": "ok"})
    notifications_queue(notices=[Notice(title="复诊提醒", body="林晓雯：张** 明天复诊")])

    # When the queue is delivered
    with caplog.at_level(logging.WARNING, logger="yinliu.notify"):
        sent = notifications_deliver()

    # Then nothing reached the other host and the message waits for its retry, with the code
    assert sent == 0
    assert [call.request.url for call in responses.calls] == [HOOK]
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.next_attempt_at is not None
    assert "unexpected_redirect" in row.last_error
    assert "unexpected_redirect" in caplog.text
    assert "collector.example.com" in caplog.text


def test_console_is_the_default(settings) -> None:
    settings.NOTIFIER = "console"
    assert isinstance(get_notifier(), ConsoleNotifier)


def _due_reminders(ingest, count: int) -> list[int]:
    lead_id = ingest(payload()).lead_id
    now = timezone.now()
    return [
        FollowUp.objects.create(
            lead_id=lead_id, kind="revisit", due_at=now - dt.timedelta(minutes=1, seconds=i)
        ).pk
        for i in range(count)
    ]


@responses.activate
def test_twenty_five_reminders_go_out_twenty_a_minute_and_none_is_lost(robot, ingest) -> None:
    responses.post(HOOK, json={"errcode": 0, "errmsg": "ok"})
    _due_reminders(ingest, 25)
    now = timezone.now()
    # when the dispatcher runs
    assert followups_dispatch(now=now) == 25
    # then 20 reach the robot and are sent; 5 wait, queued, not marked sent
    assert len(responses.calls) == 20
    statuses = sorted(FollowUp.objects.values_list("status", flat=True))
    assert statuses == ["queued"] * 5 + ["sent"] * 20
    assert Notification.objects.filter(status="pending").count() == 5
    # and within the same minute nothing more goes out
    assert notifications_deliver(now=now + dt.timedelta(seconds=30)) == 0
    # the next minute the rest go
    assert notifications_deliver(now=timezone.now() + dt.timedelta(minutes=1, seconds=1)) == 5
    assert FollowUp.objects.filter(status="sent").count() == 25
    assert len(responses.calls) == 25


@responses.activate
def test_a_45009_keeps_the_rest_queued_for_the_next_minute(robot, ingest) -> None:
    # given the robot accepts two, then answers 45009
    responses.post(HOOK, json={"errcode": 0, "errmsg": "ok"})
    responses.post(HOOK, json={"errcode": 0, "errmsg": "ok"})
    responses.post(HOOK, json={"errcode": 45009, "errmsg": "api freq out of limit"})
    _due_reminders(ingest, 5)
    now = timezone.now()
    followups_dispatch(now=now)
    # then two are sent, three are queued (not sent), the third waits a minute
    assert FollowUp.objects.filter(status="sent").count() == 2
    assert FollowUp.objects.filter(status="queued").count() == 3
    limited = Notification.objects.filter(status="pending").order_by("pk").first()
    assert limited.next_attempt_at == now + dt.timedelta(minutes=1)
    assert limited.attempts == 0
    assert len(responses.calls) == 3


@responses.activate
def test_a_failing_robot_is_retried_then_given_up_visibly(robot, ingest) -> None:
    responses.post(HOOK, status=500)
    _due_reminders(ingest, 1)
    now = timezone.now()
    followups_dispatch(now=now)
    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == now + dt.timedelta(minutes=1)
    for step in range(2, 10):
        notifications_deliver(now=now + dt.timedelta(days=step))
    row.refresh_from_db()
    assert row.status == "failed"
    assert FollowUp.objects.get().status == "queued"  # never claimed as sent


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_the_robot_is_called_with_no_transaction_open_and_marks_sent_after(robot) -> None:
    # given: two queued messages; the fake robot records whether a transaction (and so, on
    # SQLite, the database's write lock) was held while it was called
    from django.db import connection

    seen: list[bool] = []

    def answer(request):
        seen.append(connection.in_atomic_block)
        return (200, {}, json.dumps({"errcode": 0, "errmsg": "ok"}))

    responses.add_callback(responses.POST, HOOK, callback=answer)
    notifications_queue(
        notices=[Notice(title="复诊提醒", body="a"), Notice(title="复诊提醒", body="b")]
    )

    # when
    sent = notifications_deliver()

    # then: each send ran outside any transaction, and each was marked sent once delivered
    assert sent == 2
    assert seen == [False, False]
    assert list(Notification.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert not Notification.objects.exclude(claimed_at=None).exists()


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_message_claimed_by_a_worker_still_sending_is_neither_resent_nor_over_the_pace(
    robot,
) -> None:
    # given: 20 messages another worker claimed a moment ago (its HTTP calls still running)
    # and 5 more waiting
    responses.post(HOOK, json={"errcode": 0, "errmsg": "ok"})
    now = timezone.now()
    Notification.objects.bulk_create(
        [Notification(title="t", body=str(i), claimed_at=now) for i in range(20)]
        + [Notification(title="t", body=f"w{i}") for i in range(5)]
    )

    # when: a second worker runs
    sent = notifications_deliver(now=now + dt.timedelta(seconds=5))

    # then: the robot's 20 a minute are taken by the in-flight ones: nothing more goes out
    assert sent == 0
    assert len(responses.calls) == 0

    # and a claim whose worker died is taken again once its lease ran out (never lost)
    later = now + dt.timedelta(minutes=5)
    assert notifications_deliver(now=later) == 20
    assert Notification.objects.filter(status="pending").count() == 5
