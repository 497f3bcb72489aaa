"""Security headers every response carries, however it was produced.

The landing page cache answers anonymous visitors before most middleware runs
(`landing.middleware.LandingCacheMiddleware`), so the header middlewares sit outside it in
settings.MIDDLEWARE: a cached page is framed, sniffed and referred exactly like a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

FRAME_ANCESTORS = {"DENY": "frame-ancestors 'none'", "SAMEORIGIN": "frame-ancestors 'self'"}


class FrameAncestorsMiddleware:
    """`Content-Security-Policy: frame-ancestors` matching `X-Frame-Options` (set by Django's
    XFrameOptionsMiddleware, inside this one): browsers that honour only CSP get the same
    rule. A response with its own CSP, or exempted from framing rules, is left as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = FRAME_ANCESTORS.get(response.get("X-Frame-Options", "").upper())
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
