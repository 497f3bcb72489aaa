"""The anonymous page cache: hits skip the database, attribution is ignored, publish purges."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.seed import publish_ad_page

pytestmark = pytest.mark.django_db
URL = "/lp/hair-loss/"


def test_second_request_is_a_hit_without_queries_and_ignores_attribution(client, landing) -> None:
    first = client.get(URL, {"utm_term": "脂溢性脱发", "bd_vid": "A1", "utm_source": "baidu"})
    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL, {"utm_term": "脂溢性脱发", "bd_vid": "B2", "clickid": "x"})
    assert first["X-Page-Cache"] == "MISS"
    assert second["X-Page-Cache"] == "HIT"
    assert len(queries) == 0
    assert first.content == second.content
    assert "A1" not in first.content.decode()  # attribution never enters the cached HTML


def test_keyword_variant_is_part_of_the_key(client, landing) -> None:
    matched = client.get(URL, {"utm_term": "脂溢性脱发"}).content.decode()
    default = client.get(URL).content.decode()
    assert "头皮出油、掉发多？先查清是不是脂溢性脱发" in matched
    assert "脱发困扰？先弄清原因再调理" in default
    # another search term that matches the same variant is served the same entry after one miss
    other = client.get(URL, {"kw": "头油掉发"})
    assert "头皮出油、掉发多？先查清是不是脂溢性脱发" in other.content.decode()


def test_publish_purges_the_cache(client, landing) -> None:
    client.get(URL)
    assert client.get(URL)["X-Page-Cache"] == "HIT"
    # when an editor publishes a new headline
    landing.page.headline = "新标题：脱发先检测再调理"
    publish_ad_page(landing.page)  # the reviewer approves the new text, then it goes live
    # then the next request renders the new version
    fresh = client.get(URL)
    assert fresh["X-Page-Cache"] == "MISS"
    assert "新标题：脱发先检测再调理" in fresh.content.decode()


def test_signed_in_staff_always_get_a_fresh_page(client, landing, admin_user) -> None:
    client.get(URL)
    client.force_login(admin_user)
    assert client.get(URL)["X-Page-Cache"] == "MISS"


def test_package_pages_are_cached(client, landing) -> None:
    url = f"/packages/{landing.package.slug}/"
    assert client.get(url)["X-Page-Cache"] == "MISS"
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(url)
    assert hit["X-Page-Cache"] == "HIT"
    assert len(queries) == 0
    assert "¥1980.00" in hit.content.decode()


def test_local_copy_serves_hits_and_is_dropped_on_purge(client, landing, settings) -> None:
    from landing.services.cache import page_cache_purge

    settings.LANDING_CACHE_LOCAL_SECONDS = 30
    page_cache_purge()
    client.get(URL)
    assert client.get(URL)["X-Page-Cache"] == "HIT"
    landing.page.headline = "本地副本也随发布失效"
    publish_ad_page(landing.page)
    fresh = client.get(URL)
    assert fresh["X-Page-Cache"] == "MISS"
    assert "本地副本也随发布失效" in fresh.content.decode()
