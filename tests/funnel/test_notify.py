from __future__ import annotations

import json

import pytest
import responses

from funnel.services.notify import (
    ConsoleNotifier,
    Notice,
    WeComRobotNotifier,
    get_notifier,
    notify,
)

HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-key"


@responses.activate
def test_wecom_robot_posts_markdown(settings) -> None:
    settings.NOTIFIER = "wecom_robot"
    settings.WECOM_ROBOT_WEBHOOK = HOOK
    responses.post(HOOK, json={"errcode": 0, "errmsg": "ok"})

    notify(title="复诊提醒", body="林晓雯：张** 明天复诊")

    sent = json.loads(responses.calls[0].request.body)
    assert sent == {
        "msgtype": "markdown",
        "markdown": {"content": "**复诊提醒**\n林晓雯：张** 明天复诊"},
    }


@responses.activate
def test_wecom_robot_refusal_is_an_error() -> None:
    responses.post(HOOK, json={"errcode": 45009, "errmsg": "api freq out of limit"})

    with pytest.raises(RuntimeError, match="45009"):
        WeComRobotNotifier(HOOK).send(Notice(title="t", body="b"))


def test_console_is_the_default(settings) -> None:
    settings.NOTIFIER = "console"
    assert isinstance(get_notifier(), ConsoleNotifier)
