"""State of the parts the product cannot work without: database, cache and broker.

Every check is bounded twice, because a load balancer polling /healthz must get an answer even
when a service accepts connections and then says nothing (a wedged Redis, a proxy in front of a
dead one):

1. each client is given socket timeouts (`CHECK_SOCKET_SECONDS` for the broker connection we
   open here; the cache's own `SOCKET_TIMEOUT`, 0.5 s, from `config.settings.base.redis_caches`);
2. the checks run side by side in their own threads and the answer waits at most
   `ANSWER_DEADLINE_SECONDS` for all of them: a client that ignores its timeouts (another cache
   backend, a database that stalls mid-query) is reported down, not waited for. At most one
   thread per check is ever waiting, so a poller cannot pile hung threads up.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from kombu import Connection

# Seconds one socket operation of the broker check may take (connect, then each read).
CHECK_SOCKET_SECONDS = 2.0
# Seconds /healthz waits for all checks together; a check still running then is reported down.
ANSWER_DEADLINE_SECONDS = 3.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        # The production cache answers a failed call as a miss (IGNORE_EXCEPTIONS), so a
        # refused or silent Redis ends here rather than in an exception.
        raise RuntimeError("cache did not return what was stored (unreachable or no answer)")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # embedded default: tasks run in-process, no broker to reach
    # Without a read timeout redis-py waits forever for a server that accepted the connection
    # and never answers; `connect_timeout` alone bounds only the TCP handshake.
    timeouts = {
        "socket_connect_timeout": CHECK_SOCKET_SECONDS,
        "socket_timeout": CHECK_SOCKET_SECONDS,
    }
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=CHECK_SOCKET_SECONDS,
        transport_options=timeouts,
    ) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=CHECK_SOCKET_SECONDS
        )
        # Redis connects lazily; a channel round-trip proves the server answers.
        channel = conn.default_channel
        channel.client.ping()
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def report_postbacks() -> dict[str, int]:
    """Conversion postbacks whose last try failed in the last day. Reported, never a reason
    for 503: a platform's outage is not ours, and the outbox keeps retrying."""
    from channels.selectors import postbacks_failed_count

    return {"failed_last_day": postbacks_failed_count()}


# Facts shown next to the checks; they never make the report unhealthy.
REPORTS = {"postbacks": report_postbacks}

# The thread of each check still running (from this or an earlier request), by check name.
_running: dict[str, threading.Thread] = {}
_running_lock = threading.Lock()


def _error_text(exc: BaseException) -> str:
    return f"error: {type(exc).__name__}: {exc}"[:300]


def _check_run(name: str, check: Callable[[], str], results: dict[str, str]) -> None:
    try:
        results[name] = check()
    except Exception as exc:  # noqa: BLE001  a health probe must report, not raise
        results[name] = _error_text(exc)
    finally:
        # This thread's own database connection (the database check opens one): closed here,
        # or every poll would leave one open.
        connections.close_all()


def checks_run(
    checks: dict[str, Callable[[], str]], *, deadline_seconds: float = ANSWER_DEADLINE_SECONDS
) -> dict[str, str]:
    """Run `checks` side by side, each in a daemon thread, and wait for them at most
    `deadline_seconds` in all.

    Returns {check name: "ok" | "eager" | "error: …"} in the order of `checks`. A check still
    running at the deadline is "error: no answer within N s"; its thread is left to finish on
    its own, and while it has not, that check is not started again (reported as still waiting)
    so a hung service costs one thread, however often /healthz is polled.
    """
    results: dict[str, str] = {}
    started: dict[str, threading.Thread] = {}
    for name, check in checks.items():
        with _running_lock:
            previous = _running.get(name)
            if previous is not None and previous.is_alive():
                results[name] = "error: an earlier check is still waiting for an answer"
                continue
            thread = threading.Thread(
                target=_check_run, args=(name, check, results), name=f"healthz-{name}", daemon=True
            )
            _running[name] = thread
        thread.start()
        started[name] = thread
    deadline = time.monotonic() + deadline_seconds
    for thread in started.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    # Read once, at the deadline: a late answer lands in `results` after this and is not used.
    answered = dict(results)
    return {
        name: answered.get(name, f"error: no answer within {deadline_seconds:g} s")
        for name in checks
    }


def health_report() -> tuple[bool, dict[str, Any]]:
    """(healthy, report) for /healthz: healthy when every check is "ok" or "eager"; the
    report maps each check and each fact to its value or "error: …". Answers within
    `ANSWER_DEADLINE_SECONDS` plus the facts' queries."""
    report: dict[str, Any] = checks_run(CHECKS)
    healthy = all(not str(value).startswith("error") for value in report.values())
    for name, fact in REPORTS.items():
        if report.get("database") != "ok":
            # The facts are queries; with the database down or silent they would wait on it.
            report[name] = "error: database unavailable"
            continue
        try:
            report[name] = fact()
        except Exception as exc:  # noqa: BLE001  a health probe must report, not raise
            report[name] = _error_text(exc)
    return healthy, report
