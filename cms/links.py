"""Links from content toward lead capture carry the content page's id (`?content=<id>`), so
the funnel's touchpoints and the growth reports can credit the piece that converted."""

from __future__ import annotations

from urllib.parse import urlencode


def with_content(path: str, page_id: int | None) -> str:
    if not page_id:
        return path
    return f"{path}?{urlencode({'content': page_id})}"


def package_url(package, page=None) -> str:
    return with_content(f"/packages/{package.slug}/", getattr(page, "pk", None))


def consult_url(specialty, page=None) -> str:
    return with_content(f"/lp/{specialty.slug}/", getattr(page, "pk", None))


def site_root_url(request=None) -> str:
    """The configured base URL of the public site: the Wagtail Site serving `request` (the
    default Site without one), whose root URL `seed_demo` aligns with WAGTAILADMIN_BASE_URL.
    Canonical links, share images, video files and the sitemap all use it, so a crawler
    sees one host whatever Host header reached us."""
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    return site.root_url if site is not None else ""


def absolute_url(request, path: str) -> str:
    """`path` (a site path or an already absolute URL) on the configured base URL."""
    if path.startswith(("http://", "https://")):
        return path
    return site_root_url(request) + path
