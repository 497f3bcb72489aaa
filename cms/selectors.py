"""Reads for content pages, written so a page renders in a handful of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.utils import timezone
from wagtail.models import Page

from funnel.models import ServicePackage


def specialty_hubs():
    from cms.models import SpecialtyPage

    return SpecialtyPage.objects.live().public().select_related("specialty", "hero_image")


def science_layers() -> list[tuple[str, str]]:
    """The article layers a health-science page may list: (value, label) of every layer but
    转化 (《广告法》第十九条: a 科普 page neither shows nor links a medical ad)."""
    from cms.models import ArticlePage

    return [c for c in ArticlePage.Layer.choices if c[0] != ArticlePage.Layer.CONVERSION]


def hub_items(*, hub, layer: str = "") -> list[Page]:
    """Health-science articles (optionally one layer), videos and stories of a hub, newest
    first. A hub is a 科普 page: 转化 articles are never listed, and a `layer` that is not a
    science layer (`?layer=conversion`, a typo) lists everything the hub may list."""
    from cms.models import ArticlePage, PatientStoryPage, VideoPage

    articles = (
        ArticlePage.objects.child_of(hub)
        .live()
        .public()
        .exclude(layer=ArticlePage.Layer.CONVERSION)
        .select_related("cover")
    )
    if layer in {value for value, _ in science_layers()}:
        articles = articles.filter(layer=layer)
        return list(articles.order_by("-first_published_at"))
    videos = VideoPage.objects.child_of(hub).live().public().select_related("cover")
    stories = PatientStoryPage.objects.child_of(hub).live().public().select_related("cover")
    items = chain(articles, videos, stories)
    # a page made live by a script or import may carry neither date: it sorts last
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(
        items,
        key=lambda p: p.first_published_at or p.latest_revision_created_at or oldest,
        reverse=True,
    )


def doctors_for(*, specialty_id: int):
    from cms.models import DoctorPage

    return (
        DoctorPage.objects.live()
        .public()
        .exclude(expire_at__lte=timezone.now())  # past its 过期时间 (`BasePage.past_expiry`)
        .filter(specialties=specialty_id)
        .select_related("photo")
        .distinct()
    )


def articles_reviewed_by(*, doctor) -> list:
    """The live public health-science articles a doctor reviewed, newest first (the doctor
    page lists them: the same doctor, the same credentials, on every page that names them).
    转化 articles are left out: the doctor page is a 科普 page (《广告法》第十九条); so are
    aliases (the same article under a second hub, whose canonical is the original)."""
    from cms.models import ArticlePage

    return list(
        ArticlePage.objects.live()
        .public()
        .filter(reviewer=doctor, alias_of__isnull=True)
        .exclude(layer=ArticlePage.Layer.CONVERSION)
        .select_related("cover")
        .order_by("-first_published_at", "pk")
    )


def packages_for(*, specialty_id: int):
    return (
        ServicePackage.objects.on_sale()
        .filter(specialty_id=specialty_id)
        .order_by("sort_order", "pk")
    )


# What an article's render reads of the doctor who reviewed it (name, 职称, link; whether it is
# live: a doctor page not live holds its draft on the row, round 13 verification F1) and of its
# cover (a rendition: the cache key needs id and file hash, the crop the focal point; the alt
# text falls back to title/description). Everything else on those joined rows is deferred:
# compiling and decoding ~40 unused columns per request cost more than the query itself.
REVIEWER_FIELDS = frozenset(
    {"id", "page_ptr", "path", "depth", "title", "url_path", "content_type", "locale",
     "translation_key", "rank", "live", "expire_at"}
)  # fmt: skip  (expire_at: `DoctorPage.shown_publicly` reads it, round 35)
COVER_DEFERRED = ("collection", "created_at", "uploaded_by_user", "file_size")


def article_for_render():
    """ArticlePage rows with the cover and reviewer joined, narrowed to what the article
    template and its JSON-LD read (a deferred column read later costs one query: the
    render's query-count test catches that)."""
    from cms.models import ArticlePage, DoctorPage

    deferred = [
        f"reviewer__{field.name}"
        for field in DoctorPage._meta.concrete_fields
        if field.name not in REVIEWER_FIELDS
    ]
    deferred += [f"cover__{name}" for name in COVER_DEFERRED]
    return ArticlePage.objects.select_related("cover", "reviewer").defer(*deferred)


def article_for_route(*, url_path: str, slug: str):
    """The article at `url_path` (Wagtail's stored path, e.g. "/home/hub/article/") ready
    to render, or None when no article lives there (any page type may: the caller then
    routes the usual way). `slug` (the last path segment) lets the lookup use its index."""
    return article_for_render().filter(slug=slug, url_path=url_path).first()


def article_context(*, page, request=None) -> dict[str, Any]:
    """Hub, related reading and (转化 articles only) the specialty's packages for an article
    page, in few queries: the breadcrumb trail is built from the site root Wagtail already
    loaded and the hub. A health-science article's related reading lists science layers
    only (《广告法》第十九条: no link to a 转化 article)."""
    from wagtail.models import Site

    from cms.models import ArticlePage, SpecialtyPage

    hub = SpecialtyPage.objects.select_related("specialty").get(path=page.path[: -page.steplen])
    related = ArticlePage.objects.child_of(hub).live().public().exclude(pk=page.pk)
    if page.is_health_science():
        related = related.exclude(layer=ArticlePage.Layer.CONVERSION)
    related = (
        related.order_by("-first_published_at")
        # the list shows a title and a link (pageurl reads url_path): nothing else
        .only("title", "url_path", "path", "depth")[:4]
    )
    if not page.alias_of_id:
        # an alias is about its original's condition (`ArticlePage.condition_name`)
        page._condition_name = hub.specialty.name
    site = Site.find_for_request(request) if request is not None else None
    if site is not None and site.root_page.path == hub.path[: -hub.steplen]:
        page._breadcrumbs = [site.root_page, hub, page]
    return {
        "hub": hub,
        "related": list(related),
        # 科普/专家IP/互动 articles never show packages (《广告法》第十九条): no query for them
        "packages": (
            list(packages_for(specialty_id=hub.specialty_id)[:3])
            if page.layer == ArticlePage.Layer.CONVERSION
            else []
        ),
        "content_id": page.pk,
    }


def pages_search(*, query: str, limit: int = 50) -> list[Page]:
    """Live public 科普 pages matching `query`, best first, at most `limit`; never raises for
    any query string.

    Found by three paths (cms/search.py cuts the query like the index): pages holding every
    word of the query; and, beside them, pages holding every character of it (a query word
    inside a longer word of a text: 助眠 in 助眠药物, or spanning two of a text's words), kept
    where each word is in a row in their text; when neither finds any, pages holding any of
    the words. Characters jieba left apart in the query (掉发 → 掉 / 发, `query_runs`) must be
    in a row in a page on every path. Pages whose title or description contains the query as
    typed are always added (a fragment of a word the index kept whole). Medical ads and
    aliases are left out before a path is judged empty, so ads never hide a 科普 page
    (seventeenth verification B-S2). However a page was found, one whose title contains the
    query (`cms.search.compact`: traditional/simplified, width, case, spaces aside) comes
    first; then pages whose title holds more of the query's words; then the order found (the
    backend's ranking, which differs between SQLite's bm25 and PostgreSQL's ts_rank)."""
    from django.db.models import Q

    from cms.search import (
        compact,
        holds_in_a_row,
        indexed_text,
        query_characters,
        query_runs,
        query_terms,
        query_text,
    )

    terms = query_terms(query)
    text = query_text(query)
    if not terms:
        # only stop words, punctuation or symbols (的, 怎么办, 🙂): nothing to look for, not
        # every title holding a 的 (eighteenth verification B-F11)
        return []
    live = Page.objects.live().public().filter(depth__gt=1)

    def shown(pages) -> list[Page]:
        # The site search is part of the health-science site: it lists 科普 content only, no
        # medical ad (landing pages, 转化 articles), or its results page would carry
        # lead-capture links (review of issue 17; 《广告法》第十九条). An alias is its
        # original's content at a second address: the original is the result (filtered
        # here: Wagtail's search backends filter only on the index's FilterFields, and Page
        # declares none for alias_of).
        return [page for page in pages if _is_science_content(page) and not page.alias_of_id]

    found: list[Page] = []
    if terms:
        runs = query_runs(query)
        found = shown(live.specific().search(" ".join(terms), operator="and")[:limit])
        if runs:
            found = [page for page in found if holds_in_a_row(indexed_text(page), runs)]
        characters = query_characters(terms)
        if characters != terms:
            # every character somewhere is not the word: keep the pages holding it in a row
            seen = {page.pk for page in found}
            by_characters = live.specific().search(" ".join(characters), operator="and")
            found += [
                page
                for page in shown(by_characters[:limit])
                if page.pk not in seen and holds_in_a_row(indexed_text(page), [*terms, *runs])
            ]
        # any of the words when no page holds them all, but not a lone character or digit:
        # 「GLP-1」 listed every page with a 1, 「倒班族」 every 家族史 (eighteenth
        # verification B-F2, B-F6)
        words = [term for term in terms if len(term) > 1]
        if not found and len(terms) > 1 and words:
            found = shown(live.specific().search(" ".join(words), operator="or")[:limit])
    if text:
        # Not bounded by what the full-text search found: a titled page must not be crowded
        # out by `limit` pages that only mention the query.
        seen = {page.pk for page in found}
        found.extend(
            page
            for page in shown(
                live.filter(
                    Q(title__icontains=text) | Q(search_description__icontains=text)
                ).specific()[:limit]
            )
            if page.pk not in seen
        )
    phrase = compact(query)

    def rank(page: Page) -> tuple[bool, int]:
        title = compact(page.title)
        return (not (phrase and phrase in title), -sum(term in title for term in terms))

    found.sort(key=rank)
    return found[:limit]


def _is_science_content(page) -> bool:
    """A content page of the site (BasePage) that is not a medical ad. Pages of other kinds
    are left out too: the landing pages' folder (/lp/, 专科咨询) is a plain Page that only
    exists to hold the ads (review of issue 17, round 2)."""
    from cms.models.base import BasePage

    return isinstance(page, BasePage) and not page.is_medical_ad()


def ad_review_expired_pages() -> list[Page]:
    """Pages (any app's `BasePage`) the daily sweep flagged and took down for an expired
    医疗广告审查证明, as their specific classes, longest flagged first. A page leaves the list
    when a reviewer records a new certificate (the flag is cleared)."""
    from cms.services.ad_review import gated_page_models

    flagged: list[Page] = []
    for model in gated_page_models():
        flagged.extend(
            model.objects.filter(ad_review_expired_at__isnull=False).exclude(
                ad_review_certificate=""
            )
        )
    return sorted(flagged, key=lambda page: (page.ad_review_expired_at, page.pk))


def ad_review_expired_packages():
    """Service packages the daily sweep flagged and took down for an expired 医疗广告审查证明
    (the same sweep, `cms.services.ad_review.ad_review_expired_flag`), longest flagged first;
    one leaves the list when a reviewer records a new certificate (round 13 verification,
    F6: the reviewer's list named pages only, while the staff notice named packages too)."""
    from funnel.models import ServicePackage

    return list(
        ServicePackage.objects.filter(ad_review_expired_at__isnull=False)
        .exclude(ad_review_certificate="")
        .order_by("ad_review_expired_at", "pk")
    )


# --- the medical ads that show a specialty ------------------------------------------------


def _certified_drafts(revision_ids: list[int]) -> dict[int, dict]:
    """{revision id: content} of those revisions that carry a certificate number (a draft
    that goes live later on it)."""
    from wagtail.models import Revision

    contents = Revision.objects.filter(pk__in=[i for i in revision_ids if i]).values_list(
        "pk", "content"
    )
    return {pk: c for pk, c in contents if (c.get("ad_review_certificate") or "").strip()}


def ads_under_hub(*, hub) -> list[str]:
    """Titles of the 转化 articles under `hub` (a SpecialtyPage) that show its specialty (the
    「有X困扰？在线咨询」 link to a live landing page of it, its package cards, the JSON-LD
    condition): live ones, and drafts of a 转化 article carrying a certificate number (they go
    live on it later, showing whatever the hub's specialty is then). Ordered by tree
    position."""
    from cms.models import ArticlePage

    conversion = ArticlePage.Layer.CONVERSION
    articles = list(
        ArticlePage.objects.filter(path__startswith=hub.path, depth=hub.depth + 1)
        .order_by("path")
        .only("title", "layer", "live", "latest_revision_id")
    )
    drafts = _certified_drafts([a.latest_revision_id for a in articles])
    return [
        a.title
        for a in articles
        if (a.live and a.layer == conversion)
        or drafts.get(a.latest_revision_id, {}).get("layer") == conversion
    ]


def ads_showing_specialty(*, specialty_id: int) -> list[str]:
    """Labels (「转化文章“…”」, 「服务包“…”」) of the medical ads that show the specialty's name:
    the 转化 articles under its hub (`ads_under_hub`: 「有X困扰？」 and the JSON-LD condition)
    and its service packages on sale or with a certified draft (the package page reads
    「X · 服务周期 N 天」, the comparison page 「X服务包对比」). Landing pages are not among
    them: they show no specialty name (their text is their own; `/lp/<slug>/` is the slug)."""
    from cms.models import SpecialtyPage

    labels = []
    hub = SpecialtyPage.objects.filter(specialty_id=specialty_id).only("path", "depth").first()
    if hub is not None:
        labels += [f"转化文章“{title}”" for title in ads_under_hub(hub=hub)]
    packages = list(
        ServicePackage.objects.filter(specialty_id=specialty_id)
        .order_by("sort_order", "pk")
        .only("name", "live", "is_active", "ad_review_valid_until", "latest_revision_id")
    )
    drafts = _certified_drafts([p.latest_revision_id for p in packages])
    labels += [
        f"服务包“{p.name}”"
        for p in packages
        if p.is_on_sale() or drafts.get(p.latest_revision_id, {}).get("is_active")
    ]
    return labels


# --- the ad reviewer's queue --------------------------------------------------------------

# What a page's last stored gate decision (`compliance_result["decision"]`, written after every
# admin save and publication) or a package's certificate says the reviewer must do, in words.
REVIEW_WAITING = {
    "no_certificate": "待记录审查证明",
    "content_changed": "内容已改动，待重新确认审查证明",
    "uncovered": "出现新的问题，待重新确认",
    "not_reviewer": "证明不是审查人员记录的，待重新记录",
    "expired": "审查证明已过期，待记录新证明",
    "not_ruled": "科普页面有阻止发布的问题，待确认是否误报（或退回编辑修改）",
}


@dataclass(frozen=True)
class ReviewItem:
    """One thing waiting for the medical-ad reviewer: what it is, why, where to act."""

    kind: str  # 落地页 / 文章 / 服务包
    title: str
    why: str
    edit_url: str
    changed_at: object  # aware datetime of the latest edit, or None


def ads_awaiting_review(*, limit: int = 30) -> list[ReviewItem]:
    """The pages and service packages waiting for a medical-ad reviewer, oldest edit first: a
    page whose last stored gate decision is one only she can lift (`REVIEW_WAITING`: no or a
    stale certificate, an expired one, a 科普 finding to rule on), a package whose latest
    version is offered and not covered by its certificate. Pages are read from the stored
    decision (no check runs here); packages have no stored decision and are judged by their
    certificate record (`gate.certificate_problem_of`), a handful of rows."""
    from django.urls import reverse

    from cms.compliance.gate import ad_taken_down, certificate_problem_of
    from cms.services.ad_review import gated_page_models

    items: list[ReviewItem] = []
    for model in gated_page_models():
        rows = model.objects.filter(compliance_result__decision__in=list(REVIEW_WAITING))
        for page in rows.order_by("latest_revision_created_at", "pk")[:limit]:
            decision = (page.compliance_result or {}).get("decision", "")
            items.append(
                ReviewItem(
                    kind=str(model._meta.verbose_name),
                    title=page.title,
                    why=REVIEW_WAITING[decision],
                    edit_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                    changed_at=page.latest_revision_created_at,
                )
            )
    for package in ServicePackage.objects.order_by("pk"):
        latest = package.get_latest_revision_as_object()
        if ad_taken_down(latest):
            continue  # taken down (下架): no reviewer needed
        problem = certificate_problem_of(latest)
        if problem is None or problem not in REVIEW_WAITING:
            continue
        revision = package.latest_revision
        items.append(
            ReviewItem(
                kind="服务包",
                title=latest.name,
                why=REVIEW_WAITING[problem],
                edit_url=reverse("wagtailsnippets_funnel_servicepackage:edit", args=[package.pk]),
                changed_at=revision.created_at if revision else None,
            )
        )
    items.sort(key=lambda item: (item.changed_at is None, item.changed_at or 0))
    return items[:limit]
