"""Issue 13, point 9: a page served from the landing cache carries the same security headers
as the fresh render (the consent checkbox must not be framable on a cache hit)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = (
    "X-Frame-Options",
    "Content-Security-Policy",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "Cross-Origin-Opener-Policy",
)


def _pages(landing) -> list[tuple[str, dict]]:
    return [
        ("/lp/hair-loss/", {}),  # landing page, default hero
        ("/lp/hair-loss/", {"utm_term": "脂溢性脱发"}),  # a keyword variant
        (f"/packages/{landing.package.slug}/", {}),  # package detail
        (f"/packages/compare/{landing.package.specialty.slug}/", {}),  # package comparison
    ]


def _headers(response) -> dict[str, str | None]:
    return {name: response.get(name) for name in SECURITY_HEADERS}


def test_every_cached_page_type_keeps_the_security_headers_on_a_hit(client, landing) -> None:
    for url, params in _pages(landing):
        # given a page rendered once (a miss that fills the cache)
        fresh = client.get(url, params)
        # when the next visitor gets it from the cache
        hit = client.get(url, params)
        # then the hit carries exactly the fresh page's security headers
        assert (url, fresh["X-Page-Cache"], hit["X-Page-Cache"]) == (url, "MISS", "HIT")
        assert _headers(hit) == _headers(fresh)
        assert hit["X-Frame-Options"] == "DENY"
        assert hit["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert hit["X-Content-Type-Options"] == "nosniff"
        assert hit["Referrer-Policy"] == "same-origin"
