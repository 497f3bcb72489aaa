from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from wagtail.images.models import Filter
from wagtail.images.shortcuts import get_rendition_or_not_found

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


@register.simple_tag(takes_context=True)
def canonical_href(context, page) -> str:
    """The page's canonical URL; for a page of a paginated or filtered list the view puts
    `canonical_query` in the context ({"p": 2}, {"layer": "science"}) and each list page
    names itself, page number included (Google Search Central, «Pagination, incremental page
    loading»: do not use the first page as the canonical of the others)."""
    from urllib.parse import urlencode

    request = context.get("request")
    href = canonical(page, request)
    query = context.get("canonical_query")
    if href and query:
        href = f"{href.split('?')[0]}?{urlencode(query)}"
    return href


@register.simple_tag
def list_page_query(query: dict | None, number: int) -> str:
    """The query string of page `number` of a list filtered by `query`: `?` alone for an
    unfiltered page 1 (the list's own URL), else `?layer=…&p=…` without p=1."""
    from urllib.parse import urlencode

    params = {**(query or {}), **({"p": number} if number > 1 else {})}
    return f"?{urlencode(params)}" if params else "?"


# Shown by a share card when a page has no picture of its own (a committed static file).
DEFAULT_SHARE_IMAGE = "img/share-default.png"
SHARE_RENDITION = "fill-1200x630"


def rendition(image, spec: str):
    """The rendition of `image` for the filter `spec` (e.g. "fill-760x400"), created when
    missing; a "not-found" placeholder when the original file is gone (as `{% image %}`).

    A hit in the renditions cache costs one round trip: Wagtail's `get_rendition` (behind
    `{% image %}`) also writes the rendition back to the cache on every call, two round
    trips per image per request. On a miss (or with prefetched renditions) Wagtail's own
    path runs: it finds or creates the rendition and caches it."""
    if image._get_prefetched_renditions() is None:
        Rendition = image.get_rendition_model()
        filter = image.clean_filter_for_svg(Filter(spec=spec))
        key = Rendition.construct_cache_key(image, filter.get_cache_key(image), filter.spec)
        cached = Rendition.cache_backend.get(key)
        if cached is not None:
            cached.image = image  # as Wagtail does: this instance's alt text etc.
            return cached
    return get_rendition_or_not_found(image, spec)


@register.simple_tag
def rendition_img(image, spec: str, **attrs) -> str:
    """`{% rendition_img page.cover "fill-760x400" alt="" %}`: the same <img> as
    `{% image page.cover fill-760x400 alt="" %}`, in one cache round trip (see rendition)."""
    if not image:
        return ""
    return rendition(image, spec).img_tag(attrs)


@register.simple_tag(takes_context=True)
def og_image_url(context, page) -> str:
    """Absolute URL of the page's share image (share image, else its cover / hero / photo,
    else the site's default), on the configured site base URL."""
    request = context.get("request")
    image = page.og_image() if hasattr(page, "og_image") else None
    path = rendition(image, SHARE_RENDITION).url if image is not None else None
    return links.absolute_url(request, path or static(DEFAULT_SHARE_IMAGE))


@register.simple_tag(takes_context=True)
def absolute(context, path: str) -> str:
    """`path` on the configured site base URL (canonical and share URLs of non-page views)."""
    return links.absolute_url(context.get("request"), path)


def _site_name(context) -> str:
    from cms.models.base import site_name_for

    return site_name_for(context.get("request"))


@register.simple_tag(takes_context=True)
def site_name(context) -> str:
    """The clinic's name as set in the admin (设置 → 站点 → 站点名称, the request's Wagtail
    Site), for the header brand and og:site_name; 引流健康 when the site has none."""
    return _site_name(context)


# The footer under every public page. A landing page, a 转化 article and the service-package
# pages are medical ads: calling them 科普 was a disguised ad; an ad must say it is one
# (《广告法》第十四条: 广告应当具有可识别性). Review of issue 17, round 2, L8.
FOOTER_SCIENCE = "本站内容仅供健康科普参考，不能替代医生面诊。如有不适请及时就医。"
FOOTER_AD = "本页为医疗服务广告。诊疗方案因人而异，以医生面诊为准；如有不适请及时就医。"
# The non-page views that show service packages or follow an ad's form (landing/urls.py:
# names only, cms does not import landing).
AD_VIEWS = frozenset({"package_detail", "package_compare", "package_reserve", "thanks"})


@register.simple_tag(takes_context=True)
def footer_note(context) -> str:
    """The footer's sentence: FOOTER_AD on a medical ad (a page whose `is_medical_ad()` says
    so, or one of AD_VIEWS), FOOTER_SCIENCE elsewhere."""
    page = context.get("page")
    check = getattr(page, "is_medical_ad", None)
    if callable(check) and check():
        return FOOTER_AD
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in AD_VIEWS:
        return FOOTER_AD
    return FOOTER_SCIENCE


@register.simple_tag(takes_context=True)
def share_title(context, page) -> str:
    """The page's og:title: its title without the site name an SEO title ends with."""
    return page.share_title(_site_name(context))


@register.simple_tag(takes_context=True)
def title_with_site(context, title: str) -> str:
    """`title | 引流健康`: one separator on every page. A title that already ends with the
    site name (SEO titles do, for Baidu: 「…｜引流健康」「… - 引流健康」) has its own separator
    replaced; one that names the site elsewhere is left whole: a crawler should not see the
    site name twice."""
    from cms.models.base import names_site, without_site_name

    name = _site_name(context)
    title = without_site_name(title, name)
    if not title or title == name:
        return name
    return title if names_site(title, name) else f"{title} | {name}"
