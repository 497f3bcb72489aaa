"""How lead facts read everywhere staff see them (admin pages, the assistant's phone page):
stage codes as their Chinese names, every time in Asia/Shanghai whatever time zone the
viewer's admin profile or the request activated, click ids as `name=value`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils import dateformat

from funnel.models import Stage

register = template.Library()

SHANGHAI = ZoneInfo(settings.TIME_ZONE)  # Asia/Shanghai (DESIGN: shown in Shanghai time)


def shanghai_format(value: dt.datetime | None, fmt: str = "Y-m-d H:i") -> str:
    """An aware datetime as Shanghai wall-clock text ("" for None); the format is Django's
    date format."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI)
        return dateformat.format(value, fmt)
    return dateformat.format(value, fmt) if isinstance(value, dt.date) else str(value)


@register.filter
def shanghai(value: dt.datetime | None, fmt: str = "Y-m-d H:i") -> str:
    return shanghai_format(value, fmt)


@register.filter
def stage_label(code: str) -> str:
    """`prescribed` → 已开方; unknown or empty codes as they are (or —)."""
    if not code:
        return "—"
    try:
        return str(Stage(code).label)
    except ValueError:
        return code


@register.filter
def click_ids(value: dict | None) -> str:
    """{"bd_vid": "x", "clickid": "y"} → "bd_vid=x · clickid=y" ("" when none)."""
    if not value:
        return ""
    return " · ".join(f"{key}={val}" for key, val in sorted(value.items()) if val)


@register.filter
def score_rules(explanation: list | None) -> str:
    """The rules that fired, with points: "专科明确 +20 · 资料完整 +20"."""
    parts = []
    for item in explanation or []:
        points = int(item.get("points", 0))
        parts.append(f"{item.get('rule', '')} {points:+d}")
    return " · ".join(parts)


@register.filter
def channel_label(code: str) -> str:
    """`baidu` → 百度（营销）; a channel we do not know by name stays as it came."""
    from funnel.models import Channel

    try:
        return str(Channel(code).label)
    except ValueError:
        return code or "—"
