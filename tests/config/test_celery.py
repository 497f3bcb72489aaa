"""A task goes through the real Redis broker to a real worker and back."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from config.tasks import ping


@pytest.mark.services
def test_task_round_trip_through_redis_and_a_worker() -> None:
    # given a worker consuming from the Redis broker (not eager)
    assert app.conf.task_always_eager is False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # when a task is sent
        result = ping.delay("42")

        # then the worker ran it and the result came back through the backend
        assert result.get(timeout=20) == "pong:42"


@pytest.mark.services
@pytest.mark.django_db
def test_healthz_pings_the_real_broker(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_tasks_run_eagerly_without_a_broker(settings) -> None:
    if settings.REDIS_URL:
        pytest.skip("eager mode is the embedded default only")
    assert ping.delay("7").get(timeout=1) == "pong:7"


def test_a_worker_process_freezes_its_start_up_objects() -> None:
    import gc

    from celery import signals

    gc.unfreeze()
    try:
        # when a prefork child starts (the signal Celery sends in it)
        signals.worker_process_init.send(sender=None)
        # then what was alive at start is out of the collector's generations
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
