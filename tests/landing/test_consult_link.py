"""A live 转化 article's 「在线咨询」 link leads to a landing page a patient can open: never to
one unpublished, deleted, whose 医疗广告审查证明 has expired (not yet swept), whose scheduled
expiry has passed (not yet unpublished) or behind a view restriction. It goes to the next
servable landing page of the article's specialty, else the article shows no link (it did link
/lp/<specialty>/ whatever answered there: a 404)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from wagtail.models import PageViewRestriction

from cms.compliance.gate import page_ad_review_record
from cms.html_text import parse_html
from cms.models import ArticlePage
from cms.seed import publish_ad_page
from landing.models import LandingIndexPage, LandingPage
from landing.services.cache import page_cache_purge
from tests.cms.compliance_support import certificate_for, hub, printed_until, reviewer, rich

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
CTA = "有脱发困扰？在线咨询"
GONE = ["unpublished", "deleted", "certificate_expired", "schedule_expired", "private"]


def _conversion() -> ArticlePage:
    """A 转化 article under the 脱发 hub (the landing fixture's specialty), live on its own
    certificate."""
    page = ArticlePage(
        title="脱发调理方案",
        slug="hair-plan",
        layer="conversion",
        body=[{"type": "paragraph", "value": rich("三个月头皮管理。")}],
        live=False,
    )
    hub("hair-loss", "脱发").add_child(instance=page)
    page_ad_review_record(
        page=page,
        user=reviewer("shencha-article"),
        certificate=certificate_for(page),
        valid_until=printed_until(),
    ).publish()
    return ArticlePage.objects.get(pk=page.pk)


def _second_landing(landing, slug: str = "hair-loss-b") -> LandingPage:
    page = LandingPage(
        title="脱发咨询（二）",
        slug=slug,
        specialty=landing.specialty,
        headline="掉发多？先查清原因",
        package=landing.package,
    )
    LandingIndexPage.objects.get().add_child(instance=page)
    publish_ad_page(page)
    return LandingPage.objects.get(pk=page.pk)


def _consult_hrefs(client, article: ArticlePage) -> list[str]:
    """The hrefs of the article's 「在线咨询」 links as a patient gets the article."""
    page_cache_purge()
    response = client.get(article.url)
    assert response.status_code == 200
    return [
        link.href for link in parse_html(response.content.decode()).links if "在线咨询" in link.text
    ]


def _expire(page) -> None:
    """The certificate's printed last day was yesterday (Shanghai); the daily sweep has not
    run, so the page is still live."""
    yesterday = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    type(page).objects.filter(pk=page.pk).update(ad_review_valid_until=yesterday)
    revision = page.get_latest_revision()
    revision.content["ad_review_valid_until"] = yesterday.isoformat()
    revision.save(update_fields=["content"])


def _past_expire_at(page) -> None:
    """The editor's 过期时间 passed a minute ago; `publish_scheduled` has not run yet."""
    type(page).objects.filter(pk=page.pk).update(
        expire_at=dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=1)
    )


def _make_unservable(page: LandingPage, gone: str) -> None:
    """One of the ways (`GONE`) a landing page stops answering a patient."""
    if gone == "unpublished":
        page.unpublish()
    elif gone == "deleted":
        page.delete()
    elif gone == "certificate_expired":
        _expire(page)
    elif gone == "schedule_expired":
        _past_expire_at(page)
    else:
        PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )


def _serves(client, href: str, page: LandingPage) -> bool:
    """`href` answers 200 with `page` (by its headline): what the patient gets on the click."""
    page_cache_purge()
    response = client.get(href)
    return response.status_code == 200 and page.headline in response.content.decode()


def test_a_live_landing_page_is_linked_and_opens(client, landing) -> None:
    article = _conversion()

    (href,) = _consult_hrefs(client, article)

    assert f"content={article.pk}" in href
    assert _serves(client, href, landing.page)


@pytest.mark.parametrize("gone", GONE)
def test_no_link_when_the_only_landing_page_cannot_be_opened(client, landing, gone) -> None:
    article = _conversion()
    _make_unservable(landing.page, gone)

    html = client.get(article.url).content.decode()

    assert _consult_hrefs(client, article) == []
    assert CTA not in html
    assert "/lp/" not in html
    assert article.title in html  # the article itself is still served


@pytest.mark.parametrize("gone", GONE)
def test_the_link_falls_back_to_the_next_landing_page_of_the_specialty(
    client, landing, gone
) -> None:
    article = _conversion()
    fallback = _second_landing(landing)
    _make_unservable(landing.page, gone)

    (href,) = _consult_hrefs(client, article)

    assert _serves(client, href, fallback)


def test_a_landing_page_at_the_specialtys_own_address_is_skipped_when_expired(
    client, landing
) -> None:
    # /lp/hair-loss/ routes to the child with that slug first: expired, it answers 404 even
    # though another landing page of the specialty is valid
    article = _conversion()
    at_specialty = _second_landing(landing, slug="hair-loss")
    _expire(at_specialty)

    (href,) = _consult_hrefs(client, article)

    assert _serves(client, href, landing.page)


def test_a_landing_page_of_another_specialty_is_never_linked(client, landing) -> None:
    from tests.landing.conftest import build_landing

    article = _conversion()
    build_landing(slug="insomnia", name="失眠")
    landing.page.unpublish()

    assert _consult_hrefs(client, article) == []
