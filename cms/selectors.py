"""Reads for content pages, written so a page renders in a handful of queries."""

from __future__ import annotations

from itertools import chain
from typing import Any

from wagtail.models import Page

from funnel.models import ServicePackage


def specialty_hubs():
    from cms.models import SpecialtyPage

    return SpecialtyPage.objects.live().public().select_related("specialty", "hero_image")


def hub_items(*, hub, layer: str = "") -> list[Page]:
    """Articles (optionally one layer), videos and stories of a hub, newest first."""
    from cms.models import ArticlePage, PatientStoryPage, VideoPage

    articles = ArticlePage.objects.child_of(hub).live().public().select_related("cover")
    if layer:
        articles = articles.filter(layer=layer)
        return list(articles.order_by("-first_published_at"))
    videos = VideoPage.objects.child_of(hub).live().public().select_related("cover")
    stories = PatientStoryPage.objects.child_of(hub).live().public().select_related("cover")
    items = chain(articles, videos, stories)
    return sorted(
        items, key=lambda p: p.first_published_at or p.latest_revision_created_at, reverse=True
    )


def doctors_for(*, specialty_id: int):
    from cms.models import DoctorPage

    return (
        DoctorPage.objects.live()
        .public()
        .filter(specialties=specialty_id)
        .select_related("photo")
        .distinct()
    )


def packages_for(*, specialty_id: int):
    return ServicePackage.objects.filter(specialty_id=specialty_id, is_active=True).order_by(
        "sort_order", "pk"
    )


def article_context(*, page, request=None) -> dict[str, Any]:
    """Hub, related reading and the specialty's packages for an article page, in few queries:
    the breadcrumb trail is built from the site root Wagtail already loaded and the hub."""
    from wagtail.models import Site

    from cms.models import ArticlePage, SpecialtyPage

    hub = SpecialtyPage.objects.select_related("specialty").get(path=page.path[: -page.steplen])
    related = (
        ArticlePage.objects.child_of(hub)
        .live()
        .exclude(pk=page.pk)
        .select_related("cover")
        .order_by("-first_published_at")[:4]
    )
    site = Site.find_for_request(request) if request is not None else None
    if site is not None and site.root_page.path == hub.path[: -hub.steplen]:
        page._breadcrumbs = [site.root_page, hub, page]
    return {
        "hub": hub,
        "related": list(related),
        "packages": list(packages_for(specialty_id=hub.specialty_id)[:3]),
        "content_id": page.pk,
    }


def pages_search(*, query: str) -> list[Page]:
    """Wagtail search, plus a substring match on titles and descriptions.

    The database search backend tokenizes on spaces and punctuation, so a Chinese phrase
    inside a longer run of characters is not a token of its own; the substring match finds
    it. Production sites with much content should use Wagtail's Elasticsearch backend with a
    Chinese analyzer instead (see README)."""
    from django.db.models import Q

    query = query.strip()
    if not query:
        return []
    live = Page.objects.live().public().filter(depth__gt=1)
    found = list(live.specific().search(query)[:50])
    seen = {page.pk for page in found}
    extra = (
        live.filter(Q(title__icontains=query) | Q(search_description__icontains=query))
        .exclude(pk__in=seen)
        .specific()[:50]
    )
    return found + list(extra)
