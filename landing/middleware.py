"""Serve cached anonymous landing and package pages before sessions, auth, CSRF and Wagtail's
page routing run: a hit costs two cache reads and no database query."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from landing.models import KEYWORD_PARAMS
from landing.services.ab import (
    VISITOR_COOKIE,
    arm_for,
    visitor_cookie_value,
    visitor_from_cookie,
    visitor_new,
)
from landing.services.cache import alias_lookup, entry_lookup

CACHED_PREFIXES = ("/lp/", "/packages/")


class LandingCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "GET"
            or not request.path.startswith(CACHED_PREFIXES)
            or settings.SESSION_COOKIE_NAME in request.COOKIES  # staff: always fresh
        ):
            return self.get_response(request)
        keyword = ""
        for name in KEYWORD_PARAMS:
            if request.GET.get(name):
                keyword = request.GET[name][:100]
                break
        alias = alias_lookup(path=request.path, keyword=keyword)
        if alias is None:
            return self.get_response(request)
        visitor = visitor_from_cookie(request.COOKIES.get(VISITOR_COOKIE)) or ""
        new_visitor = False
        arm = "-"
        if alias.test_id:
            if not visitor:
                visitor, new_visitor = visitor_new(), True
            arm = arm_for(test_id=alias.test_id, visitor=visitor)
        html = entry_lookup(path=request.path, alias=alias, arm=arm)
        if html is None:
            return self.get_response(request)
        response = HttpResponse(html)
        response["X-Page-Cache"] = "HIT"
        if new_visitor:
            response.set_cookie(
                VISITOR_COOKIE,
                visitor_cookie_value(visitor),
                max_age=180 * 24 * 3600,
                samesite="Lax",
            )
        return response
