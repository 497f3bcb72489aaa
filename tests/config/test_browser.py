"""The system Chromium opens the home page and the admin login without console errors."""

from __future__ import annotations

import pytest

from tests.conftest import ensure_site_tree

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_home_and_admin_login_render_in_headless_chromium(live_server, phone_page) -> None:
    ensure_site_tree()
    phone_page.goto(f"{live_server.url}/")
    assert phone_page.locator("h1").inner_text() == "引流健康"

    phone_page.goto(f"{live_server.url}/admin/login/")
    assert phone_page.locator("input[name=username]").is_visible()

    assert phone_page.console_errors == []
