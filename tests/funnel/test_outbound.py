"""A failed outbound call never carries its URL's secrets into logs or admin-visible errors
(funnel.outbound): requests writes the whole URL, query string included, into the text of a
connection error, and WeCom, Baidu and the WeCom robot take their secrets in the query."""

from __future__ import annotations

import logging
import socket

import pytest
import requests

from channels.base import http_json
from channels.errors import Transient
from cms.baidu_client import PushTransient, urls_submit
from funnel.models import Notification
from funnel.outbound import request_error_text
from funnel.services.notify import WeComRobotNotifier, _send_one

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
