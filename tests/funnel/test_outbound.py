"""A failed outbound call never carries its URL's secrets into logs or admin-visible errors
(funnel.outbound): requests writes the whole URL, query string included, into the text of a
connection error, and WeCom, Baidu and the WeCom robot take their secrets in the query."""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.utils import timezone

from channels.base import http_json
from channels.errors import Transient
from cms.baidu_client import PushTransient, urls_submit
from funnel.models import Notification
from funnel.outbound import (
    BudgetCut,
    BudgetSpent,
    budget_active,
    call_timeout,
    outbound_budget,
    request_error_text,
)
from funnel.services.notify import Notice, WeComRobotNotifier, _send_one

SECRET = "Zq9mW3xT7vY2kL5nP8rB4cD6fG1hJ0sA9eU3iO7tR2w"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once we return: connections are refused


def test_a_refused_connection_is_told_by_kind_and_host_only():
    url = f"http://127.0.0.1:{_closed_port()}/cgi-bin/gettoken?corpid=ww1&corpsecret={SECRET}"
    with pytest.raises(requests.RequestException) as caught:
        requests.get(url, timeout=2, allow_redirects=False)
    assert SECRET in str(caught.value)  # what we must never pass on

    assert request_error_text(caught.value) == "ConnectionError (127.0.0.1)"


def test_platform_calls_fail_without_the_secret(caplog):
    url = f"http://127.0.0.1:{_closed_port()}/cgi-bin/gettoken?corpid=ww1&corpsecret={SECRET}"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Transient) as caught:
        http_json(requests.Session(), "GET", url)

    assert caught.value.code == "network"
    assert SECRET not in str(caught.value)
    assert SECRET not in caught.value.message
    assert SECRET not in caplog.text


def test_baidu_push_fails_without_the_token():
    with pytest.raises(PushTransient) as caught:
        urls_submit(
            site="https://www.example.com",
            token=SECRET,
            urls=["https://www.example.com/a/"],
            endpoint=f"http://127.0.0.1:{_closed_port()}/urls",
        )
    assert SECRET not in str(caught.value)


@pytest.mark.django_db
def test_an_undelivered_robot_message_keeps_no_key(caplog):
    from django.utils import timezone

    caplog.set_level(logging.DEBUG)
    robot = WeComRobotNotifier(
        f"http://127.0.0.1:{_closed_port()}/cgi-bin/webhook/send?key={SECRET}", timeout=2
    )
    row = Notification.objects.create(title="SLA 超时", body="线索 1 未跟进")

    assert _send_one(robot, row, timezone.now()) == "failed"

    row.refresh_from_db()
    assert row.last_error.startswith("ConnectionError")
    assert SECRET not in row.last_error
    assert SECRET not in caplog.text


# ---- the request's outbound budget (issue 16 review F2, as a kind) --------------------------


def test_outside_a_budget_timeouts_are_the_callers():
    assert call_timeout((5, 30)) == (5, 30)
    assert call_timeout(5.0) == 5.0


def test_a_budget_cuts_every_call_to_what_is_left_and_then_refuses():
    with outbound_budget(2.0):
        connect, read = call_timeout((5, 30))
        assert 1.5 < connect <= 2.0
        assert 1.5 < read <= 2.0
        with outbound_budget(60):  # an inner, looser budget never extends the outer one
            assert call_timeout(30.0) <= 2.0
    with outbound_budget(0.1), pytest.raises(BudgetSpent):
        call_timeout((5, 30))
    assert not budget_active()


def _silent_server():
    """Accepts connections and never answers (a platform that hangs)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


@contextmanager
def _trickling_server():
    """Answers at once, then sends its body a byte every 0.2 s for a minute (each socket
    read is quick, so requests' own timeouts never fire)."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return

        def do_GET(self) -> None:  # noqa: N802
            self.do_POST()

        def do_POST(self) -> None:  # noqa: N802
            body = b'{"errcode": 0, "pad": "' + b"x" * 300 + b'"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                if stop.wait(0.2):
                    return
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def _each_kind(url: str) -> dict:
    """Call out the three ways we do (platform APIs through channels.base, Baidu's link push,
    the WeCom robot) inside a 0.6 s budget; what each raised, and how long each took."""
    caught: dict = {}
    calls = {
        "platform": lambda: http_json(requests.Session(), "GET", url),
        "push": lambda: urls_submit(
            site="https://example.com", token=SECRET, urls=["a"], endpoint=url
        ),
        "robot": lambda: WeComRobotNotifier(url, timeout=30).send(Notice(title="t", body="b")),
    }
    for name, call in calls.items():
        started = time.monotonic()
        with outbound_budget(0.6):
            try:
                call()
            except Exception as exc:  # noqa: BLE001  what each raised is the point
                caught[name] = exc
        caught[name + "_seconds"] = time.monotonic() - started
    return caught


@pytest.mark.parametrize("server", ["silent", "trickling"])
def test_each_outbound_kind_gives_up_at_the_budget(server):
    """Issue 16 review: the budget bounded each socket read only, so a platform trickling its
    answer held a callback 14 s and a thank-you page 54 s. The whole call is bounded now, for
    a platform that never answers and one that answers a byte at a time."""
    if server == "silent":
        with _silent_server() as sock:
            caught = _each_kind(f"http://127.0.0.1:{sock.getsockname()[1]}/x?token={SECRET}")
    else:
        with _trickling_server() as base:
            caught = _each_kind(f"{base}/x?token={SECRET}")
    assert isinstance(caught["platform"], Transient)
    assert caught["platform"].code == "deadline_in_flight"
    assert isinstance(caught["push"], PushTransient)
    assert "deadline_in_flight" in str(caught["push"])
    assert isinstance(caught["robot"], BudgetCut)
    for name in ("platform", "push", "robot"):
        assert caught[name + "_seconds"] < 2.0, name  # 0.6 s and the thread's start, not 60
        assert SECRET not in str(caught[name])


def test_a_spent_budget_makes_no_call():
    with _silent_server() as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/x?token={SECRET}"
        with outbound_budget(0.05):
            time.sleep(0.1)
            with pytest.raises(PushTransient, match="deadline"):
                urls_submit(site="https://example.com", token=SECRET, urls=["a"], endpoint=url)
            with pytest.raises(Transient) as platform:
                http_json(requests.Session(), "GET", url)
    assert platform.value.code == "deadline"


@pytest.mark.django_db
def test_a_notice_cut_by_the_budget_is_deferred_not_counted(settings):
    settings.NOTIFIER = "wecom_robot"
    settings.WECOM_ROBOT_WEBHOOK = "http://127.0.0.1:9/cgi-bin/webhook/send?key=" + SECRET
    row = Notification.objects.create(title="新线索", body="张**")
    with outbound_budget(0.05):
        time.sleep(0.1)
        outcome = _send_one(WeComRobotNotifier(settings.WECOM_ROBOT_WEBHOOK), row, timezone.now())
    row.refresh_from_db()
    assert outcome == "deferred"
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.last_error.startswith("deadline")
    assert SECRET not in row.last_error
