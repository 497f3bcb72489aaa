"""Issue 17: the shortcuts that make a page render cheaper find and show exactly what
Wagtail's own routing and `{% image %}` tag would."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import Http404
from django.template import engines
from django.test import RequestFactory
from wagtail.images.models import Image
from wagtail.models import Page

from cms.models import ArticlePage, HomePage

pytestmark = pytest.mark.django_db


def _components(page: Page, home: Page) -> list[str]:
    return [part for part in page.url_path[len(home.url_path) :].split("/") if part]


def _default_route(home: HomePage, request, components: list[str]):
    """Wagtail's own Page.route, step by step (what HomePage.route replaces)."""
    return Page.route(home, request, components)


def test_every_seeded_page_routes_to_what_wagtails_route_finds(seeded) -> None:
    home = HomePage.objects.get()
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    pages = Page.objects.live().filter(depth__gt=home.depth).order_by("path")
    assert pages.filter(depth=home.depth + 2).count() > 10  # articles, videos, stories, doctors
    for page in pages:
        components = _components(page, home)
        ours = home.route(request, components)[0]
        theirs = _default_route(home, request, components)[0]
        assert (type(ours), ours.pk) == (type(theirs), theirs.pk), page.url_path
        assert type(ours) is page.specific_class


def test_an_unpublished_article_or_unknown_slug_is_not_found_as_before(seeded) -> None:
    home = HomePage.objects.get()
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    article = ArticlePage.objects.live().order_by("path").first()
    components = _components(article, home)
    article.unpublish()
    for path in (components, [components[0], "no-such-article"]):
        with pytest.raises(Http404):
            _default_route(home, request, path)
        with pytest.raises(Http404):
            home.route(request, path)


def test_an_article_under_an_unpublished_hub_is_still_served_as_wagtail_does(
    client, seeded
) -> None:
    # Wagtail's route only requires the last page to be live; the shortcut keeps that.
    article = ArticlePage.objects.live().order_by("path").first()
    url = article.url
    article.get_parent().unpublish()
    assert client.get(url).status_code == 200


def test_rendition_img_renders_what_the_image_tag_renders(seeded) -> None:
    image = Image.objects.order_by("pk").first()
    context = {"image": image, "name": "张医生 <b>"}
    ours = engines["django"].from_string(
        '{% load cms_tags %}{% rendition_img image "fill-760x400" alt="" %}'
        '{% rendition_img image "fill-128x128" alt=name %}'
    )
    wagtails = engines["django"].from_string(
        '{% load wagtailimages_tags %}{% image image fill-760x400 alt="" %}'
        "{% image image fill-128x128 alt=name %}"
    )
    expected = wagtails.render(context)
    assert "<img" in expected
    assert ours.render(context) == expected  # from the renditions cache Wagtail filled
    image.renditions.all().delete()
    cache.clear()
    created = ours.render(context)  # created afresh (new file names) ...
    assert image.renditions.count() == 2
    assert created == wagtails.render(context)  # ... the ones Wagtail's tag then finds
    assert ours.render({"image": None}) == ""
