"""The service-package pages and their per-specialty comparisons in the sitemap, next to
Wagtail's pages (config/urls.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from wagtail.contrib.sitemaps import Sitemap

from cms.links import absolute_url
from funnel.models import ServicePackage
from landing.selectors import compared_specialty_slugs


class PackageSitemap(Sitemap):
    """Active packages' detail pages (/packages/<slug>/), on the configured site base URL
    like the pages' entries. A Wagtail Sitemap subclass only to receive the request."""

    def items(self):
        return ServicePackage.objects.on_sale().order_by("sort_order", "pk")

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict[str, Any]]:
        return [
            {
                "item": package,
                "location": absolute_url(
                    self.request, reverse("landing:package_detail", args=[package.slug])
                ),
                "lastmod": None,
                "changefreq": None,
                "priority": None,
                "alternates": [],
            }
            for package in self.paginator.page(page).object_list
        ]


class PackageCompareSitemap(Sitemap):
    """The comparison page of each specialty with active packages
    (/packages/compare/<specialty>/), on the configured site base URL."""

    def items(self) -> list[str]:
        return compared_specialty_slugs()

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict[str, Any]]:
        return [
            {
                "item": slug,
                "location": absolute_url(
                    self.request, reverse("landing:package_compare", args=[slug])
                ),
                "lastmod": None,
                "changefreq": None,
                "priority": None,
                "alternates": [],
            }
            for slug in self.paginator.page(page).object_list
        ]
