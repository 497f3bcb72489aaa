"""The outbox: committed stage events reach the listeners other apps registered; a failing
listener never fails the stage change and is retried by the sweep, never dropped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from funnel import outbox
from funnel.models import LeadEvent, OutboxDelivery, Stage
from funnel.payload import Consent, LeadPayload
from funnel.services.stages import lead_stage_change

pytestmark = pytest.mark.django_db


class Recorder:
    """A listener that records the event ids it saw, and fails while told to."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.failing = False

    def __call__(self, event_id: int) -> None:
        if self.failing:
            raise ConnectionError("platform unreachable")
        self.seen.append(event_id)


@pytest.fixture
def recorder(monkeypatch):
    # The only listener for these tests (the apps' own, e.g. postbacks, are tested with them).
    monkeypatch.setattr(outbox, "_LISTENERS", {})
    listener = Recorder()
    outbox.listener_register(name="test.recorder", kinds={"stage"}, task=listener)
    return listener


@pytest.fixture
def lead_id(ingest):
    return ingest(LeadPayload(phone="13800000001", consent=Consent(given=True))).lead_id


def _delivery() -> OutboxDelivery:
    return OutboxDelivery.objects.get(listener="test.recorder")


def test_a_committed_stage_change_reaches_the_listener_once(
    recorder, lead_id, django_capture_on_commit_callbacks, outbox_drain
) -> None:
    # when a lead is contacted
    with django_capture_on_commit_callbacks(execute=True):
        lead_stage_change(lead_id=lead_id, to_stage=Stage.CONTACTED)
    outbox_drain()
    # then the listener saw that stage event, and the delivery is done
    event = LeadEvent.objects.get(lead_id=lead_id, kind="stage", to_stage=Stage.CONTACTED)
    assert recorder.seen == [event.pk]
    delivery = _delivery()
    assert (delivery.status, delivery.attempts, delivery.event_id) == ("done", 1, event.pk)
    # and delivering it again (a duplicated task) does nothing
    assert outbox.outbox_deliver(delivery_id=delivery.pk) == ""
    assert recorder.seen == [event.pk]


def test_the_ingests_own_events_are_not_published(recorder, lead_id) -> None:
    # the ingest's own events (new lead, assignment) are not published
    assert OutboxDelivery.objects.count() == 0
    assert LeadEvent.objects.filter(lead_id=lead_id).exists()


def test_a_failing_listener_never_fails_the_stage_change_and_is_retried(
    recorder, lead_id, django_capture_on_commit_callbacks, outbox_drain
) -> None:
    # given the platform behind the listener is down
    recorder.failing = True
    # when the stage changes (embedded default: the delivery runs inline after commit)
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_stage_change(lead_id=lead_id, to_stage=Stage.CONTACTED)
    outbox_drain()
    # then the change stands and the delivery waits with its error and a back-off
    assert lead.stage == Stage.CONTACTED
    delivery = _delivery()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert "ConnectionError: platform unreachable" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()
    # and the sweep leaves it alone until the back-off has passed
    assert outbox.outbox_sweep() == 0
    # when the platform is back and the back-off has passed, the sweep delivers it
    recorder.failing = False
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert outbox.outbox_sweep(now=later) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("done", 2, "")
    assert recorder.seen == [delivery.event_id]


def test_back_off_doubles_and_gives_up_after_the_last_attempt(recorder, lead_id) -> None:
    recorder.failing = True
    lead_stage_change(lead_id=lead_id, to_stage=Stage.CONTACTED)  # on_commit never runs here
    delivery = _delivery()
    waits = []
    at = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.outbox_deliver(delivery_id=delivery.pk, now=at)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - at).total_seconds()))
            at = delivery.next_attempt_at  # the retry comes when it is due
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == 3600
    assert (delivery.status, delivery.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    # a failed delivery is kept (staff see it) and the sweep no longer takes it
    assert outbox.outbox_sweep(now=timezone.now() + dt.timedelta(days=1)) == 0


def test_the_sweep_delivers_what_a_lost_task_left_behind(recorder, lead_id) -> None:
    # given a stage change whose after-commit task never ran (a lost message)
    lead_stage_change(lead_id=lead_id, to_stage=Stage.CONTACTED)
    delivery = _delivery()
    # then within the grace period the sweep waits for the task …
    assert outbox.outbox_sweep() == 0
    # … and after it delivers
    assert outbox.outbox_sweep(now=timezone.now() + outbox.SWEEP_GRACE * 2) == 1
    delivery.refresh_from_db()
    assert delivery.status == "done"


def test_a_listener_that_no_longer_exists_is_recorded_not_raised(recorder, lead_id) -> None:
    lead_stage_change(lead_id=lead_id, to_stage=Stage.CONTACTED)
    outbox._LISTENERS.pop("test.recorder")
    delivery = _delivery()

    assert outbox.outbox_deliver(delivery_id=delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert "no listener registered" in delivery.last_error


def test_the_sweeps_are_scheduled() -> None:
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"funnel.outbox_sweep", "funnel.intake_sweep"} <= tasks


def test_a_listener_runs_outside_any_transaction(recorder, lead_id, monkeypatch) -> None:
    # a platform call must never hold a row lock (or SQLite's write lock) that a patient's
    # form would wait for
    from django.db import connection

    depth_seen = []
    outbox._LISTENERS["test.recorder"] = outbox.Listener(
        name="test.recorder",
        kinds=frozenset({"stage"}),
        task=lambda event_id: depth_seen.append(len(connection.atomic_blocks)),
    )
    lead_stage_change(lead_id=lead_id, to_stage=Stage.CONTACTED)
    delivery = _delivery()
    # (pytest-django wraps the test in transactions: compare with the depth around the call)
    outside = len(connection.atomic_blocks)
    outbox.outbox_deliver(delivery_id=delivery.pk)
    assert depth_seen == [outside]
