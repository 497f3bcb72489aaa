"""The abstract base page every public page inherits: SEO fields, share image, JSON-LD."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.html import strip_tags
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page


class SeoMixin(models.Model):
    """SEO for Baidu and share cards for WeChat. Page already has `seo_title` and
    `search_description`; this adds the canonical URL and the share image."""

    canonical_url = models.URLField(
        "规范链接", blank=True, default="", help_text="留空则使用本页地址"
    )
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="分享图（微信 / Open Graph）",
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title"),
                FieldPanel("search_description"),
                FieldPanel("canonical_url"),
                FieldPanel("share_image"),
            ],
            heading="搜索与分享",
        ),
        FieldPanel("show_in_menus"),
    ]

    class Meta:
        abstract = True


class BasePage(SeoMixin, Page):
    """Abstract: what every public page shares. Subclasses add `json_ld_main(request)`."""

    promote_panels = SeoMixin.promote_panels

    class Meta:
        abstract = True

    # --- SEO helpers used by templates/base.html -----------------------------------------
    def meta_title(self) -> str:
        return self.seo_title or self.title

    def meta_description(self) -> str:
        return self.search_description or ""

    def canonical(self, request) -> str:
        return self.canonical_url or self.get_full_url(request)

    def breadcrumbs(self) -> list[Page]:
        return [p for p in self.get_ancestors(inclusive=True) if p.depth > 1]

    def json_ld_main(self, request) -> dict[str, Any] | None:
        return None

    def json_ld(self, request) -> list[dict[str, Any]]:
        crumbs = self.breadcrumbs()
        graph: list[dict[str, Any]] = []
        main = self.json_ld_main(request)
        if main:
            graph.append(main)
        graph.append(
            {
                "@context": "https://schema.org",
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": i + 1,
                        "name": page.title,
                        "item": page.get_full_url(request),
                    }
                    for i, page in enumerate(crumbs)
                ],
            }
        )
        graph.extend(self.json_ld_extra(request))
        return graph

    def json_ld_extra(self, request) -> list[dict[str, Any]]:
        return []

    def json_ld_script(self, request) -> str:
        """Serialized for a <script type="application/ld+json">; `</` escaped so text
        from editors can never close the script element."""
        return json.dumps(self.json_ld(request), ensure_ascii=False).replace("</", "<\\/")


def plain(text: str, limit: int = 160) -> str:
    return " ".join(strip_tags(text or "").split())[:limit]
