"""State of the parts the product cannot work without: database, cache and broker."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # embedded default: tasks run in-process, no broker to reach
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        # Redis connects lazily; a channel round-trip proves the server answers.
        channel = conn.default_channel
        channel.client.ping()
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def report_postbacks() -> dict[str, int]:
    """Conversion postbacks whose last try failed in the last day. Reported, never a reason
    for 503: a platform's outage is not ours, and the outbox keeps retrying."""
    from channels.selectors import postbacks_failed_count

    return {"failed_last_day": postbacks_failed_count()}


# Facts shown next to the checks; they never make the report unhealthy.
REPORTS = {"postbacks": report_postbacks}


def health_report() -> tuple[bool, dict[str, Any]]:
    report: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001  a health probe must report, not raise
            healthy = False
            report[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    for name, fact in REPORTS.items():
        try:
            report[name] = fact()
        except Exception as exc:  # noqa: BLE001  the database check already says why
            report[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    return healthy, report
