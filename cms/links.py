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
