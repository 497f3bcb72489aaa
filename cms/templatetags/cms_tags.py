from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from cms import links

register = template.Library()


@register.simple_tag
def package_url(package, page=None) -> str:
    return links.package_url(package, page)


@register.simple_tag
def consult_url(specialty, page=None) -> str:
    return links.consult_url(specialty, page)


@register.simple_tag(takes_context=True)
def json_ld(context, page) -> str:
    request = context["request"]
    if not hasattr(page, "json_ld_script"):
        return ""
    return mark_safe(  # noqa: S308  json_ld_script escapes "</" so the script cannot be closed
        f'<script type="application/ld+json">{page.json_ld_script(request)}</script>'
    )


@register.filter
def duration(seconds: int) -> str:
    minutes, rest = divmod(int(seconds or 0), 60)
    return f"{minutes}:{rest:02d}"


@register.filter
def canonical(page, request) -> str:
    return page.canonical(request) if hasattr(page, "canonical") else ""
