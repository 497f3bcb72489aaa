"""A medical ad whose 医疗广告审查证明 has expired is not served (issue 17 review round 2, M7):
from the Asia/Shanghai midnight after its printed last day, a landing page, a 转化 article and
a package page answer the neutral 「该页面暂停展示」 page (404); the daily task unpublishes
them, logs and notifies. Every medical-ad page shows the number and validity the gate
checked, from one include. Run on SQLite and PostgreSQL (dates compare as Shanghai dates)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cms.compliance.gate import page_ad_review_record
from cms.models import ArticlePage
from cms.services.ad_review import EXPIRED_NOTICE_TITLE
from cms.tasks import ad_review_expiry_sweep_task
from funnel.models import Notification, ServicePackage
from landing.models import LandingPage
from landing.services.cache import page_cache_purge
from tests.cms.compliance_support import certificate_for, hub, printed_until, reviewer, rich

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _conversion(landing) -> ArticlePage:
    """A 转化 article, live on its own certificate, under a specialty hub."""
    page = ArticlePage(
        title="脱发调理方案",
        slug="hair-plan",
        layer="conversion",
        body=[{"type": "paragraph", "value": rich("三个月头皮管理。")}],
        live=False,
    )
    hub().add_child(instance=page)
    user = reviewer("shencha-article")
    page_ad_review_record(
        page=page, user=user, certificate=certificate_for(page), valid_until=printed_until()
    ).publish()
    return ArticlePage.objects.get(pk=page.pk)


def _certified(package: ServicePackage) -> ServicePackage:
    user = reviewer("shencha-package")
    page_ad_review_record(
        page=package, user=user, certificate=certificate_for(package), valid_until=printed_until()
    ).publish()
    return ServicePackage.objects.get(pk=package.pk)


def _ads(landing) -> dict[str, object]:
    return {
        landing.page.url: landing.page,
        _conversion(landing).url: ArticlePage.objects.get(slug="hair-plan"),
        f"/packages/{landing.package.slug}/": _certified(landing.package),
    }


def _last_day(ad, day: dt.date) -> None:
    """The certificate's printed last day is `day` (on the row and its live revision)."""
    type(ad).objects.filter(pk=ad.pk).update(ad_review_valid_until=day)
    revision = ad.get_latest_revision()
    revision.content["ad_review_valid_until"] = day.isoformat()
    revision.save(update_fields=["content"])


def test_every_medical_ad_page_shows_the_certificate_the_gate_checked(client, landing) -> None:
    ads = _ads(landing)
    page_cache_purge()
    for url, ad in ads.items():
        ad.refresh_from_db()
        html = client.get(url).content.decode()
        until = ad.ad_review_valid_until
        shown = (
            f"医疗广告审查证明：<span data-ad-review-number>{ad.ad_review_certificate}</span>"
            f"（有效期至 {until.year}年{until.month}月{until.day}日）"
        )
        assert html.count(shown) == 1, url
    # the comparison shows each package's own
    compare = client.get(f"/packages/compare/{landing.specialty.slug}/").content.decode()
    assert landing.package.slug in compare
    assert ServicePackage.objects.get(pk=landing.package.pk).ad_review_certificate in compare


@pytest.mark.parametrize(
    ("shanghai", "served"),
    [
        (dt.time(0, 0, 30), True),  # the last valid day begins (16:00 UTC the day before)
        (dt.time(23, 59, 30), True),  # its last minute (15:59 UTC)
        ("next", False),  # 00:00:30 the next day (16:00 UTC the same UTC date)
    ],
)
def test_an_expired_ad_is_not_served_from_the_shanghai_midnight(
    client, landing, monkeypatch, shanghai, served
) -> None:
    # given three live ads whose certificates' last printed day is today (Shanghai)
    ads = _ads(landing)
    last_day = dt.datetime.now(SHANGHAI).date()
    for ad in ads.values():
        _last_day(ad, last_day)
    if shanghai == "next":
        moment = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 0, 30), SHANGHAI)
    else:
        moment = dt.datetime.combine(last_day, shanghai, SHANGHAI)
    now = moment.astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    page_cache_purge()

    # when a patient opens each
    for url, ad in ads.items():
        response = client.get(url)
        html = response.content.decode()

        # then it is served while valid, and after that midnight refused with the neutral page
        if served:
            assert response.status_code == 200, url
            assert ad.ad_review_certificate in html
        else:
            assert response.status_code == 404, url
            assert "该页面暂停展示" in html
            assert ad.ad_review_certificate not in html
            assert str(ad) not in html or url.startswith("/lp/")


def test_the_daily_task_takes_expired_ads_down_and_tells_staff(landing) -> None:
    # given three live ads whose certificates ended yesterday, and one valid
    ads = _ads(landing)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for ad in ads.values():
        _last_day(ad, yesterday)
    valid = ServicePackage.objects.create(
        specialty=landing.specialty, name="复诊包", slug="revisit", list_price="99.00"
    )
    valid = _certified(valid)

    # when the task runs (twice: it is idempotent)
    first = ad_review_expiry_sweep_task.apply().get()
    second = ad_review_expiry_sweep_task.apply().get()

    # then the three are unpublished and flagged, staff notified once, the valid one untouched
    assert (first, second) == (3, 0)
    assert not LandingPage.objects.get(pk=landing.page.pk).live
    assert not ArticlePage.objects.get(slug="hair-plan").live
    package = ServicePackage.objects.get(pk=landing.package.pk)
    assert not package.live
    assert package.ad_review_expired_at is not None
    assert ServicePackage.objects.get(pk=valid.pk).live
    notice = Notification.objects.get()
    assert notice.title == EXPIRED_NOTICE_TITLE
    assert package.ad_review_certificate in notice.body


def test_an_expired_ad_leaves_the_sitemap_before_the_sweep(client, landing) -> None:
    """issue 17 review round 2, L4: the sitemap reads "on sale / not expired" as the pages do:
    an ad past its certificate's last day (not yet unpublished by the daily task) answers
    404 and is not listed; a valid one is."""
    ads = _ads(landing)
    listed = client.get("/sitemap.xml").content.decode()
    for url in ads:
        assert url in listed, url

    yesterday = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    for ad in ads.values():
        _last_day(ad, yesterday)
    page_cache_purge()
    listed = client.get("/sitemap.xml").content.decode()

    for url, ad in ads.items():
        type(ad).objects.filter(pk=ad.pk, live=True).get()  # still live: the sweep has not run
        assert client.get(url).status_code == 404, url
        assert url not in listed, url
    compare = f"/packages/compare/{landing.specialty.slug}/"
    assert (compare in listed) == (client.get(compare).status_code == 200)


def test_the_daily_sweep_runs_as_a_command_too(landing) -> None:
    """Seventeenth verification F3-2: `manage.py ad_review_expiry_sweep` (cron without beat)."""
    from io import StringIO

    from django.core.management import call_command

    ads = _ads(landing)
    for ad in ads.values():
        _last_day(ad, timezone.localdate() - dt.timedelta(days=1))
    out = StringIO()

    call_command("ad_review_expiry_sweep", stdout=out)
    call_command("ad_review_expiry_sweep", stdout=out)

    assert out.getvalue().splitlines() == [
        "审查证明过期下线：3 个广告",
        "审查证明过期下线：0 个广告",
    ]
    assert not LandingPage.objects.get(pk=landing.page.pk).live
