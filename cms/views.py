"""Site search (Wagtail search over live public pages)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from cms.search import query_text
from cms.selectors import pages_search


def search(request: HttpRequest) -> HttpResponse:
    # Shown back to the reader, so cleaned like the query itself (no control characters).
    query = query_text(request.GET.get("q") or "")[:100]
    results = pages_search(query=query)
    page_obj = Paginator(results, 10).get_page(request.GET.get("p"))
    return TemplateResponse(request, "cms/search.html", {"query": query, "page_obj": page_obj})
