"""Admin login throttling (issue 13 point 21): guessing a staff password is cut off.

Through the real Wagtail login form and django-axes' database handler, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

LOGIN = "/admin/login/"
PASSWORD = "correct-horse-battery-staple"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser("zhuli_wang", "w@example.cn", PASSWORD)


def _login(client, password: str, **meta) -> int:
    response = client.post(
        LOGIN, {"username": "zhuli_wang", "password": password, "next": "/admin/"}, **meta
    )
    return response


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_username_at_that_address(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "guess", REMOTE_ADDR="203.0.113.7")

    # even the right password is refused now, with a Chinese page and 429
    response = _login(client, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert not _logged_in(client)


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "guess", REMOTE_ADDR="203.0.113.7").status_code == 200
    response = _login(client, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_success_resets_the_count(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "guess", REMOTE_ADDR="203.0.113.7")
    assert _login(client, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "guess", REMOTE_ADDR="203.0.113.7")
    assert _login(client, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302


def test_the_real_user_elsewhere_is_not_locked_out_by_an_attacker(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        _login(client, "guess", REMOTE_ADDR="203.0.113.7")
    assert _login(client, PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client, staff, settings):
    # no trusted proxy: X-Forwarded-For is the client's to write and is ignored
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "guess", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1")
    response = _login(client, PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert response.status_code == 429


def test_behind_the_trusted_proxy_each_visitor_has_its_own_count(client, staff, settings):
    # behind one TLS proxy every request comes from the proxy's socket address
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "guess", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert _login(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # the real user at another address, through the same proxy, still gets in
    response = _login(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    assert response.status_code == 302


def test_a_login_without_a_socket_address_is_recorded_without_one(client, staff):
    # force_login (and internal calls) carry no REMOTE_ADDR: the access log's address column
    # is typed on PostgreSQL, so the address is left empty rather than failing the login
    from axes.models import AccessLog

    client.force_login(staff)

    assert _logged_in(client)
    assert AccessLog.objects.filter(username="zhuli_wang", ip_address__isnull=True).exists()


def test_an_ipv6_guesser_cannot_buy_fresh_attempts_with_new_addresses_of_its_64(
    client, staff, settings
):
    # given wrong passwords, each from another address of one /64
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "guess", REMOTE_ADDR=f"2001:db8:77:1::{i + 1:x}")

    # then the next address of that /64 is locked too, even with the right password
    response = _login(client, PASSWORD, REMOTE_ADDR="2001:db8:77:1:ffff::9")
    assert response.status_code == 429
    assert not _logged_in(client)
