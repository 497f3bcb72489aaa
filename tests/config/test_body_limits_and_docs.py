"""Issue 13, point 25: the API docs load their assets from this site, not a foreign CDN
(the 413 half: tests/landing/test_body_limits.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_api_docs_load_their_assets_from_this_site(client) -> None:
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert any("swagger-ui-bundle.js" in s for s in sources)
    # and the assets are there to be served
    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui.css")
