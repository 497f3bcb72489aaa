"""The header of a medical-ad page (a landing page under /lp/ and the thank-you page after its
form) names the clinic and offers no search of the 科普 site; 科普 pages keep the search
(docs/landing.md, "Header"). Pages are served through the test client, as a patient gets them."""

from __future__ import annotations

import re

import pytest

from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db


def _header(html: str) -> str:
    (header,) = re.findall(r'<header class="site-header">(.*?)</header>', html, re.S)
    return header


def test_a_landing_page_shows_the_clinic_name_and_no_site_search(client, landing):
    response = client.get("/lp/hair-loss/")

    html = response.content.decode()
    header = _header(html)
    assert response.status_code == 200
    assert 'class="brand"' in header
    assert "搜索" not in header
    assert 'role="search"' not in html
    assert 'action="/search/"' not in html
    # the ad's own form is still there
    assert 'id="lead-form"' in html


def test_the_thank_you_page_after_the_ad_form_has_no_site_search(client, landing):
    sent = client.post("/lp/hair-loss/", form_data(idem="k-header"))
    response = client.get(sent["Location"])

    html = response.content.decode()
    assert sent.status_code == 302
    assert response.status_code == 200
    assert 'class="brand"' in _header(html)
    assert 'role="search"' not in html
    assert "搜索科普内容" not in html


def test_a_science_page_keeps_the_site_search(client, landing):
    # the home page (a 科普 hub) under which the landing folder sits
    response = client.get("/")

    header = _header(response.content.decode())
    assert response.status_code == 200
    assert 'role="search"' in header
    assert 'placeholder="搜索科普内容"' in header


def test_package_pages_have_no_site_search(client, landing):
    # the package page and the comparison: medical ads like the landing page
    for url in (
        f"/packages/{landing.package.slug}/",
        f"/packages/compare/{landing.specialty.slug}/",
    ):
        response = client.get(url)

        assert response.status_code == 200, url
        assert 'class="brand"' in _header(response.content.decode()), url
        assert 'role="search"' not in response.content.decode(), url


def test_a_conversion_article_has_no_site_search_and_a_science_one_keeps_it(client, landing):
    from django.utils.timezone import now

    from cms.models import ArticlePage
    from tests.cms.compliance_support import hub

    home = hub()  # articles live under a specialty hub
    for slug, layer in (("offer", "conversion"), ("basics", "science")):
        # added live directly: the gate is not under test here, the header is
        home.add_child(
            instance=ArticlePage(
                title=f"{layer}文章", slug=slug, layer=layer, first_published_at=now()
            )
        )

    conversion = client.get(f"{home.url}offer/").content.decode()
    science = client.get(f"{home.url}basics/").content.decode()

    assert 'role="search"' not in conversion
    assert 'class="brand"' in _header(conversion)
    assert 'role="search"' in _header(science)


def test_the_funnel_error_page_has_no_site_search(client, landing):
    # a bad or expired thank-you link answers the funnel's 「提示」 page, inside the ad
    response = client.get("/lp/thanks/not-a-token/")

    html = response.content.decode()
    assert response.status_code in (400, 403, 404, 410)
    assert 'class="brand"' in _header(html)
    assert 'role="search"' not in html
