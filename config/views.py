from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cms.links import absolute_url
from config.health import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", **report}, status=200 if healthy else 503
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # On the configured site base URL, like every URL the sitemap lists.
    sitemap = absolute_url(request, "/sitemap.xml")
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /api/",
        "Disallow: /channels/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: with manifest storage the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
