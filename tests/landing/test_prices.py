"""Prices and stock stay true on cached pages (issue 15 point 7)."""

from __future__ import annotations

import datetime as dt
import time
import types
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.compliance.gate import REVIEWER_GROUP
from funnel.models import ServicePackage
from landing.services.cache import cache_seconds
from tests.cms.compliance_support import certificate_for, printed_until
from tests.funnel.factories import PackageFactory

pytestmark = pytest.mark.django_db
LANDING = "/lp/hair-loss/"


def urls(landing) -> list[str]:
    return [
        LANDING,
        f"/packages/{landing.package.slug}/",
        f"/packages/compare/{landing.specialty.slug}/",
    ]


def warm(client, landing) -> None:
    for url in urls(landing):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "HIT"


def test_editing_a_package_in_the_admin_purges_every_page_showing_it(
    client, landing, django_capture_on_commit_callbacks
):
    # given the landing page, the package page and the comparison are cached at ¥1980.00
    warm(client, landing)
    package = landing.package
    form = {
        "specialty": package.specialty_id,
        "name": package.name,
        "slug": package.slug,
        "summary": "",
        "includes": "",
        "list_price": "2680.00",
        "promo_price": "1680.00",
        "duration_days": "90",
        "stock": "3",
        "deadline": "",
        "is_active": "on",
        "sort_order": "0",
    }
    edit = f"/admin/snippets/funnel/servicepackage/edit/{package.pk}/"
    # when the growth lead saves a new price and stock in the admin (a draft) …
    lead = type(client)()
    lead.force_login(get_user_model().objects.create_superuser("lead", "lead@example.com", "pw"))
    assert lead.post(edit, form).status_code == 302
    # … and the clinic's reviewer confirms it (a package is a medical ad: it goes live on a
    # reviewer's certificate, issue 17 review round 2, H4; she confirms what another wrote)
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    staff.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    admin = type(client)()
    admin.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            edit,
            {
                **form,
                "ad_review_certificate": certificate_for(package),
                "ad_review_valid_until": printed_until().isoformat(),
                "ad_review_confirm": "on",
                "action-publish": "publish",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    # then every page is rendered again with the new price and stock
    for url in urls(landing):
        fresh = client.get(url)
        assert fresh["X-Page-Cache"] == "MISS", url
        assert "¥1680.00" in fresh.content.decode(), url
        assert "¥1980.00" not in fresh.content.decode(), url
    assert "本期剩余名额：3" in client.get(f"/packages/{package.slug}/").content.decode()


def test_cache_lifetime_is_cut_at_the_first_deadline_shown(settings):
    settings.LANDING_CACHE_SECONDS = 600
    now = timezone.now()
    assert cache_seconds(deadlines=[], now=now) == 600
    assert cache_seconds(deadlines=[None, now + dt.timedelta(seconds=90)], now=now) == 90
    assert cache_seconds(deadlines=[now - dt.timedelta(seconds=5)], now=now) == 600
    assert cache_seconds(deadlines=[now + dt.timedelta(hours=2)], now=now) == 600


def test_a_promo_ends_at_its_deadline_on_a_cached_page(client, landing, monkeypatch):
    # given a promo ending in 90 s, the page cached with the promo and its strike-through
    deadline = timezone.now() + dt.timedelta(seconds=90)
    ServicePackage.objects.filter(pk=landing.package.pk).update(deadline=deadline)
    url = f"/packages/{landing.package.slug}/"
    before = client.get(url).content.decode()
    assert "¥1980.00" in before
    assert "原价 ¥2680.00" in before
    assert f'data-promo-until="{timezone.localtime(deadline).isoformat()}"' in before
    assert client.get(url)["X-Page-Cache"] == "HIT"
    # when the deadline has passed (nobody edited anything: no purge)
    later = deadline + dt.timedelta(seconds=1)
    real = time.time
    monkeypatch.setattr(
        "landing.services.cache.time",
        types.SimpleNamespace(time=lambda: real() + 91, monotonic=time.monotonic),
    )
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = client.get(url)
    # then the cached copy has expired and the page shows the list price alone
    body = after.content.decode()
    assert after["X-Page-Cache"] == "MISS"
    assert "¥2680.00" in body
    assert "¥1980.00" not in body
    assert "原价" not in body
    assert "优惠截止" not in body


def test_the_price_property_and_sibling_offers_end_the_promo_too(client, landing):
    # given a sibling package whose promo already ended
    past = timezone.now() - dt.timedelta(minutes=1)
    sibling = PackageFactory(
        specialty=landing.specialty,
        name="脱发6个月套餐",
        list_price="4800.00",
        promo_price="3800.00",
    )
    ServicePackage.objects.filter(pk=sibling.pk).update(deadline=past)
    sibling.refresh_from_db()
    assert sibling.price == Decimal("4800.00")
    body = client.get(f"/packages/{landing.package.slug}/").content.decode()
    assert "¥4800.00" in body
    assert "¥3800.00" not in body
