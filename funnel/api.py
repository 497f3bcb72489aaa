"""The lead API (django-ninja, which Wagtail 8 already depends on)."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Yinliu lead API",
    version="1",
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
