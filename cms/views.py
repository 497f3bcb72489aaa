"""Site search (Wagtail search over live public pages)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from wagtail.models import Page


def search(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:100]
    results = (
        Page.objects.live().public().specific().search(query) if query else Page.objects.none()
    )
    page_obj = Paginator(results, 10).get_page(request.GET.get("p"))
    return TemplateResponse(request, "cms/search.html", {"query": query, "page_obj": page_obj})
