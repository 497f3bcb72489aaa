"""The home dashboard and a report, opened in headless Chromium, draw their SVG charts with no
console errors (nothing is loaded from a CDN: the charts are server-rendered SVG)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _log_in(page, live_server) -> None:
    # The site tree an earlier transactional test may have flushed is rebuilt by the
    # `_browser_site_tree` fixture in tests/conftest.py.
    user = get_user_model().objects.create_superuser("chart-boss", "c@example.com", "pw")
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_dashboard_and_report_render_charts(live_server, phone_page, world) -> None:
    # given
    _log_in(phone_page, live_server)
    requests: list[str] = []
    phone_page.on("request", lambda r: requests.append(r.url))
    # when: the admin home
    phone_page.goto(f"{live_server.url}/admin/")
    # then: the growth panel shows its chart with drawn bars
    panel = phone_page.locator("#growth-dashboard")
    assert panel.locator("td", has_text="近 30 天").count() == 1
    assert panel.locator("svg[data-chart=bar]").count() == 1
    # when: the channel × week report of the fixture's week
    phone_page.goto(
        f"{live_server.url}/admin/reports/?by=channel&grain=week&start=2026-11-02&end=2026-11-08"
    )
    # then
    charts = phone_page.locator("svg.report-chart")
    assert charts.count() == 2
    funnel_bars = phone_page.locator("svg[data-chart=funnel] rect")
    assert funnel_bars.count() == 7
    box = funnel_bars.first.bounding_box()
    assert box is not None
    assert box["width"] > 10
    assert phone_page.locator("svg[data-chart=line] polyline").count() >= 1
    assert phone_page.console_errors == []
    assert [
        u for u in requests if not u.startswith(live_server.url) and not u.startswith("data:")
    ] == []
