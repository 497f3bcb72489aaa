"""/healthz, /robots.txt, /sitemap.xml and the admin answer as the contract says."""

from __future__ import annotations

import pytest
from django.test import override_settings
from wagtail.users.models import UserProfile

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part_ok(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["cache"] == "ok"
    assert body["broker"] in {"ok", "eager"}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_reports_a_dead_broker_as_503(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["broker"].startswith("error:")
    assert body["database"] == "ok"


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_healthz_reports_a_dead_cache_as_503(client) -> None:
    from django.core.cache import caches

    caches._settings = None  # noqa: SLF001  drop the cached handler so the override applies
    try:
        response = client.get("/healthz")
    finally:
        caches._settings = None  # noqa: SLF001

    assert response.status_code == 503
    assert response.json()["cache"].startswith("error:")


def test_robots_txt_names_the_sitemap(client) -> None:
    response = client.get("/robots.txt")

    assert response.status_code == 200
    # on the Site's base URL (like the sitemap's entries), not the request's host
    assert "Sitemap: http://localhost/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_sitemap_lists_the_home_page(client) -> None:
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert "<loc>http://localhost/</loc>" in response.content.decode()


def test_home_page_is_served_in_chinese(client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "引流健康" in response.content.decode()


def test_admin_login_defaults_to_simplified_chinese(client) -> None:
    response = client.get("/admin/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html


def test_admin_user_can_switch_to_english(client, django_user_model) -> None:
    # given an editor whose admin preference is English (offered in account settings)
    user = django_user_model.objects.create_user("editor", password="pw", is_superuser=True)
    UserProfile.get_for_user(user).__class__.objects.filter(user=user).update(
        preferred_language="en"
    )
    client.force_login(user)

    # when they open the admin
    response = client.get("/admin/")

    # then it speaks English
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
