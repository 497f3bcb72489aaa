"""A page past its scheduled take-down (过期时间, `expire_at`) is neither served nor listed,
before Wagtail's `publish_scheduled` unpublishes it (round-34 verification F15: /lp/hair-loss/
answered 200 and stayed in the sitemap until the minute task ran; indefinitely with beat
down). Landing pages: tests/landing/test_certificate_cache.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, rich

pytestmark = pytest.mark.django_db


def _live_article() -> ArticlePage:
    page = draft(
        hub(),
        ArticlePage(
            title="熬夜与脱发",
            slug="late",
            layer="science",
            body=[{"type": "paragraph", "value": rich("规律作息有助于头发健康。")}],
        ),
    )
    page.save_revision().publish()
    return ArticlePage.objects.get(pk=page.pk)


def _expire(page, *, ago: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    type(page).objects.filter(pk=page.pk).update(expire_at=timezone.now() - ago)


def test_an_article_past_its_expiry_answers_404_and_leaves_the_sitemap(client) -> None:
    article = _live_article()
    assert client.get(article.url).status_code == 200
    assert article.full_url in client.get("/sitemap.xml").content.decode()

    _expire(article)

    assert ArticlePage.objects.get(pk=article.pk).live  # the minute task has not run
    assert client.get(article.url).status_code == 404
    assert article.full_url not in client.get("/sitemap.xml").content.decode()


def test_an_article_whose_expiry_is_ahead_is_served(client) -> None:
    article = _live_article()
    ArticlePage.objects.filter(pk=article.pk).update(
        expire_at=timezone.now() + dt.timedelta(hours=1)
    )

    assert client.get(article.url).status_code == 200
