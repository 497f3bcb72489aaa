"""Notifier interface: alerts and reminders go to staff through one function.

`NOTIFIER=console` (default) logs; `NOTIFIER=wecom_robot` posts to a WeCom group robot
(`WECOM_ROBOT_WEBHOOK`, see shared/channels/API_FACTS.md). Callers never know which.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings

logger = logging.getLogger("yinliu.notify")


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    level: str = "info"  # info | warning | critical


class Notifier(Protocol):
    def send(self, notice: Notice) -> None: ...


class ConsoleNotifier:
    def send(self, notice: Notice) -> None:
        logger.warning("[%s] %s\n%s", notice.level, notice.title, notice.body)


class WeComRobotNotifier:
    """WeCom group robot: POST {"msgtype": "markdown", ...}; errcode != 0 is a failure."""

    def __init__(self, webhook_url: str, timeout: float = 5.0) -> None:
        self.webhook_url = webhook_url
        self.timeout = timeout

    def send(self, notice: Notice) -> None:
        content = f"**{notice.title}**\n{notice.body}"[:4000]
        response = requests.post(
            self.webhook_url,
            json={"msgtype": "markdown", "markdown": {"content": content}},
            timeout=self.timeout,
        )
        response.raise_for_status()
        answer = response.json()
        if answer.get("errcode", 0) != 0:
            raise RuntimeError(f"WeCom robot refused the message: {answer}")


def get_notifier() -> Notifier:
    if settings.NOTIFIER == "wecom_robot" and settings.WECOM_ROBOT_WEBHOOK:
        return WeComRobotNotifier(settings.WECOM_ROBOT_WEBHOOK)
    return ConsoleNotifier()


def notify(*, title: str, body: str, level: str = "info") -> None:
    get_notifier().send(Notice(title=title, body=body, level=level))
