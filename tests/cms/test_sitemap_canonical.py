"""/sitemap.xml lists canonical URLs only: a page whose <link rel=canonical> names another
address (an editor's canonical to another page or another host, a Wagtail alias) is left out;
a page whose canonical is its own URL, or whose stored canonical is not served, is listed."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from wagtail.models import Page

from cms.models import ArticlePage, HomePage, SpecialtyPage
from funnel.models import Specialty

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def hub(db) -> SpecialtyPage:
    home = HomePage.objects.get()
    specialty, _ = Specialty.objects.get_or_create(slug="insomnia", defaults={"name": "失眠"})
    page = SpecialtyPage(
        title="失眠专科", slug="insomnia", specialty=specialty, intro="<p>导语</p>"
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _sitemap(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    # our own response, not untrusted input
    tree = ElementTree.fromstring(response.content)  # noqa: S314
    return [loc.text for loc in tree.findall("s:url/s:loc", NS)]


def _served_canonical(client, page: Page) -> str:
    html = client.get(page.url).content.decode()
    (href,) = re.findall(r'<link rel="canonical" href="([^"]*)">', html)
    return href


def _article(hub: Page, slug: str, canonical_url: str = "") -> ArticlePage:
    return _publish(
        hub,
        ArticlePage(
            title=f"睡眠卫生 {slug}",
            slug=slug,
            layer="science",
            body=[],
            canonical_url=canonical_url,
        ),
    )


def test_a_page_whose_canonical_is_another_page_of_ours_is_not_listed(client, hub) -> None:
    original = _article(hub, "original")
    copy = _article(hub, "copy", canonical_url=original.get_full_url())

    locations = _sitemap(client)

    assert _served_canonical(client, copy) == original.get_full_url()
    assert original.get_full_url() in locations
    assert copy.get_full_url() not in locations


def test_a_page_whose_canonical_is_on_another_host_is_not_listed(client, hub) -> None:
    # allowed by canonical_url_problem: a clinic may name its main domain
    syndicated = _article(hub, "syndicated", canonical_url="https://main-clinic.example/sleep/")

    assert _served_canonical(client, syndicated) == "https://main-clinic.example/sleep/"
    assert syndicated.get_full_url() not in _sitemap(client)


def test_a_hub_whose_canonical_is_elsewhere_is_not_listed_either(client, hub) -> None:
    # every page type has the canonical field; the rule is the page's, not the article's
    hub.canonical_url = "https://main-clinic.example/insomnia/"
    hub.save_revision().publish()
    hub.refresh_from_db()
    article = _article(hub, "kept")

    locations = _sitemap(client)

    assert hub.get_full_url() not in locations
    assert article.get_full_url() in locations


def test_a_page_whose_canonical_is_its_own_url_is_listed(client, hub) -> None:
    page = _article(hub, "self")
    page.canonical_url = page.get_full_url()
    page.save_revision().publish()

    assert _served_canonical(client, page) == page.get_full_url()
    assert page.get_full_url() in _sitemap(client)


def test_a_stored_canonical_that_is_not_served_leaves_the_page_listed(client, hub) -> None:
    # a value stored before the check (a 404 of ours) is ignored: the page's own URL is its
    # canonical, so the sitemap lists the page as its <link rel=canonical> says
    page = _article(hub, "stale")
    ArticlePage.objects.filter(pk=page.pk).update(
        canonical_url=page.get_full_url().replace("/stale/", "/no-such-page/")
    )

    assert _served_canonical(client, page) == page.get_full_url()
    assert page.get_full_url() in _sitemap(client)


def test_an_alias_is_not_listed_and_its_original_is(client, hub) -> None:
    original = _article(hub, "aliased")
    home = HomePage.objects.get()
    other_specialty, _ = Specialty.objects.get_or_create(
        slug="diabetes", defaults={"name": "糖尿病"}
    )
    other_hub = _publish(
        home, SpecialtyPage(title="糖尿病专科", slug="diabetes", specialty=other_specialty)
    )
    alias = original.create_alias(parent=other_hub, update_slug="aliased-copy")

    locations = _sitemap(client)

    assert _served_canonical(client, alias) == original.get_full_url()
    assert original.get_full_url() in locations
    assert alias.get_full_url() not in locations


def test_the_alias_of_a_page_with_a_canonical_elsewhere_is_not_listed(client, hub) -> None:
    # Wagtail copies the original's fields, its canonical included, to the alias: neither
    # names itself
    original = _article(hub, "moved", canonical_url="https://main-clinic.example/moved/")
    alias = original.create_alias(update_slug="moved-copy")

    locations = _sitemap(client)

    assert original.get_full_url() not in locations
    assert alias.get_full_url() not in locations
