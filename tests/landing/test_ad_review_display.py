"""A landing page shows one review certificate: the one the compliance gate checked, with
its validity, and only while it is valid."""

from __future__ import annotations

import datetime

from cms.compliance.gate import today
from landing.models import LandingPage
from landing.services.cache import page_cache_purge


def test_a_landing_page_shows_the_gates_certificate_while_it_is_valid(client, landing) -> None:
    # given the landing page with its certificate, valid for a year
    page = landing.page
    until = page.ad_review_valid_until
    assert until == today() + datetime.timedelta(days=365)

    # when a patient opens it, and again after the certificate expired
    shown = client.get(page.url).content.decode()
    LandingPage.objects.filter(pk=page.pk).update(
        ad_review_valid_until=today() - datetime.timedelta(days=1)
    )
    page_cache_purge()
    refused = client.get(page.url)
    hidden = refused.content.decode()

    # then the certificate and its validity are shown, and once expired the page is not
    # served at all (issue 17 review round 2, M7): the neutral page, 404, no ad, no number
    date = f"{until.year}年{until.month}月{until.day}日"
    number = f"<span data-ad-review-number>{page.ad_review_certificate}</span>"
    assert f"医疗广告审查证明：{number}（有效期至 {date}）" in shown
    assert refused.status_code == 404
    assert "该页面暂停展示" in hidden
    assert "医疗广告审查证明" not in hidden
    assert page.headline not in hidden
