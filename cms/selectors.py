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


def article_context(*, page) -> dict[str, Any]:
    """Hub, related reading and the specialty's packages for an article page."""
    from cms.models import ArticlePage, SpecialtyPage

    hub = SpecialtyPage.objects.select_related("specialty").get(pk=page.get_parent().pk)
    related = (
        ArticlePage.objects.child_of(hub)
        .live()
        .public()
        .exclude(pk=page.pk)
        .select_related("cover")
        .order_by("-first_published_at")[:4]
    )
    return {
        "hub": hub,
        "related": list(related),
        "packages": list(packages_for(specialty_id=hub.specialty_id)[:3]),
        "content_id": page.pk,
    }
