"""A real headless Chromium opens a published article and a specialty hub."""

from __future__ import annotations

import io
import json

import pytest

from cms import seed as cms_seed
from funnel import seed as funnel_seed
from tests.conftest import ensure_site_tree

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def content(transactional_db) -> None:
    ensure_site_tree()
    funnel_seed._packages(funnel_seed._specialties())
    cms_seed.seed_pages(stdout=io.StringIO())


@pytest.mark.parametrize(
    ("path", "ld_types"),
    [
        ("/diabetes/diabetes-science-1/", {"MedicalWebPage", "BreadcrumbList", "FAQPage"}),
        ("/diabetes/", {"MedicalWebPage", "BreadcrumbList"}),
    ],
)
def test_page_renders_without_console_errors_with_seo(
    live_server, phone_page, content, path, ld_types
) -> None:
    phone_page.goto(f"{live_server.url}{path}")

    assert phone_page.locator("h1").count() == 1
    scripts = phone_page.locator('script[type="application/ld+json"]').all_inner_texts()
    graph = json.loads(scripts[0])
    assert {node["@type"] for node in graph} == ld_types
    assert phone_page.locator('meta[name="description"]').get_attribute("content")
    assert phone_page.locator('link[rel="canonical"]').get_attribute("href").endswith(path)
    assert phone_page.locator('meta[property="og:title"]').count() == 1
    assert phone_page.console_errors == []
