"""A cached landing page never shows its 医疗广告审查证明 past the certificate's last valid day
(issue 17 point 4; review): the cached copy's lifetime ends at the Asia/Shanghai midnight after
it, as it ends at a promo's deadline; nor past the page's scheduled take-down (`expire_at`,
round-34 verification F15), before `publish_scheduled` unpublishes it."""

from __future__ import annotations

import datetime as dt
import time
import types
from zoneinfo import ZoneInfo

from django.utils import timezone

from landing.models import LandingPage

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_cached_landing_page_drops_the_certificate_at_its_expiry(
    client, landing, settings, monkeypatch
):
    settings.LANDING_CACHE_SECONDS = 600
    # given a certificate whose last valid day is today, at 23:59 in Shanghai
    evening = dt.datetime.now(SHANGHAI).replace(hour=23, minute=59, second=0, microsecond=0)
    LandingPage.objects.filter(pk=landing.page.pk).update(ad_review_valid_until=evening.date())
    monkeypatch.setattr(timezone, "now", lambda: evening)
    url = landing.page.url
    certificate = landing.page.ad_review_certificate
    first = client.get(url)
    assert certificate in first.content.decode()
    assert client.get(url)["X-Page-Cache"] == "HIT"

    # when the night passes midnight (nobody edited anything: no purge)
    real = time.time
    monkeypatch.setattr(
        "landing.services.cache.time",
        types.SimpleNamespace(time=lambda: real() + 91, monotonic=time.monotonic),
    )
    monkeypatch.setattr(timezone, "now", lambda: evening + dt.timedelta(seconds=91))
    after = client.get(url)

    # then the cached copy is gone and the fresh page shows no expired certificate
    assert after.get("X-Page-Cache") != "HIT"
    assert after.status_code == 404  # the ad is not served (issue 17 review round 2, M7)
    assert certificate not in after.content.decode()
    assert "医疗广告审查证明" not in after.content.decode()


def test_a_landing_page_past_its_expiry_is_suspended(client, landing) -> None:
    from landing.services.cache import page_cache_purge

    LandingPage.objects.filter(pk=landing.page.pk).update(
        expire_at=timezone.now() - dt.timedelta(minutes=1)
    )
    page_cache_purge()

    response = client.get(landing.page.url)

    assert response.status_code == 404
    assert landing.page.headline not in response.content.decode()


def test_a_cached_landing_page_ends_at_its_expiry(client, landing, settings, monkeypatch):
    from landing.services.cache import page_cache_purge

    settings.LANDING_CACHE_SECONDS = 600
    # given a landing page scheduled to go a minute and a half from now, cached
    now = timezone.now()
    LandingPage.objects.filter(pk=landing.page.pk).update(expire_at=now + dt.timedelta(seconds=90))
    page_cache_purge()
    url = landing.page.url
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "HIT"

    # when the expiry passes (nobody edited anything: no purge, the minute task not run)
    real = time.time
    monkeypatch.setattr(
        "landing.services.cache.time",
        types.SimpleNamespace(time=lambda: real() + 91, monotonic=time.monotonic),
    )
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(seconds=91))
    after = client.get(url)

    # then the cached copy is gone and the page is not served
    assert after.get("X-Page-Cache") != "HIT"
    assert after.status_code == 404


def test_an_expiry_written_without_a_publish_ends_the_cached_copy(
    client, landing, settings, django_capture_on_commit_callbacks
):
    """Round 35 (third tester): a script or a data migration sets `expire_at` on a live page
    through the ORM, no publish, no purge call: the next visit is not served the cached ad."""
    settings.LANDING_CACHE_SECONDS = 600
    url = landing.page.url
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "HIT"

    page = LandingPage.objects.get(pk=landing.page.pk)
    page.expire_at = timezone.now() - dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        page.save()
    after = client.get(url)

    assert after.get("X-Page-Cache") != "HIT"
    assert after.status_code == 404


def test_a_base_page_row_saved_ends_the_cached_copy(
    client, landing, settings, django_capture_on_commit_callbacks
):
    """The same through Wagtail's base row (`Page`, as a data migration's historical model or a
    generic script holds it)."""
    from wagtail.models import Page

    settings.LANDING_CACHE_SECONDS = 600
    url = landing.page.url
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "HIT"

    base = Page.objects.get(pk=landing.page.pk)
    base.expire_at = timezone.now() - dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        base.save()

    assert client.get(url).status_code == 404


def test_another_row_saved_keeps_the_cached_copy(
    client, landing, settings, django_capture_on_commit_callbacks
):
    """Only page rows purge: a lead or a user saved does not empty the cache (cached pages are
    what keeps an ad's landing page fast under a campaign's traffic)."""
    from django.contrib.auth import get_user_model

    settings.LANDING_CACHE_SECONDS = 600
    url = landing.page.url
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "HIT"

    with django_capture_on_commit_callbacks(execute=True):
        get_user_model().objects.create_user(username="someone_else", password="x-1234567")

    assert client.get(url)["X-Page-Cache"] == "HIT"
