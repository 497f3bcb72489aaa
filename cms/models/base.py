"""The abstract base page every public page inherits: SEO fields, share image, JSON-LD."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page

from cms.compliance.forms import CompliancePageForm
from cms.compliance.panels import CompliancePanel
from cms.html_text import html_blocks
from cms.search import SegmentedAutocompleteField, SegmentedSearchField


class SeoMixin(models.Model):
    """SEO for Baidu and share cards for WeChat. Page already has `seo_title` and
    `search_description`; this adds the canonical URL and the share image."""

    canonical_url = models.URLField(
        "规范链接", blank=True, default="", help_text="留空则使用本页地址"
    )
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="分享图（微信 / Open Graph）",
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title"),
                FieldPanel("search_description"),
                FieldPanel("canonical_url"),
                FieldPanel("share_image"),
            ],
            heading="搜索与分享",
        ),
        FieldPanel("show_in_menus"),
    ]

    class Meta:
        abstract = True

    def clean(self) -> None:
        from cms.links import canonical_url_problem

        super().clean()
        errors: dict[str, str] = {}
        problem = canonical_url_problem(self.canonical_url)
        if problem:
            errors["canonical_url"] = problem
        # every text an editor types, not only the title (a summary is a hub card's and a
        # share card's text; eighth verification): one line where the field is one line
        for field in self._meta.concrete_fields:
            if not field.editable or not isinstance(field, models.CharField | models.TextField):
                continue
            shown = control_characters_problem(
                getattr(self, field.attname, "") or "",
                multiline=isinstance(field, models.TextField),
            )
            if shown:
                errors[field.name] = shown
        if errors:
            raise ValidationError(errors)


def control_characters_problem(text: str, *, multiline: bool = False) -> str:
    """A message naming the first control character (Unicode category Cc) in `text`, or "".
    Why: a title is shown in the browser tab, the sitemap's XML (which forbids most C0
    characters), WeChat's share card and channel drafts; a pasted BEL or vertical tab shows as
    nothing or breaks them. Line breaks and tabs are allowed where `multiline` (a description)."""
    allowed = "\n\r\t" if multiline else ""
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in allowed:
            return f"含有不可见的控制字符（U+{ord(ch):04X}），请删除后再保存"
    return ""


class BasePage(SeoMixin, Page):
    """Abstract: what every public page shares. Subclasses add `json_ld_main(request)`."""

    # The medical-ad compliance gate (cms/compliance, docs/compliance.md). The certificate
    # and who recorded it travel with each revision, so the gate judges exactly what is
    # published; the last check result is written back after every save and publish.
    ad_review_certificate = models.CharField(
        "医疗广告审查证明文号",
        max_length=80,
        blank=True,
        default="",
        help_text="如：（京）医广【2026】第01-23-001号。仅“医疗广告审查”组成员可填写",
    )
    ad_review_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name="审查证明记录人",
    )
    ad_review_recorded_at = models.DateTimeField("审查证明记录时间", null=True, editable=False)
    # 医疗广告审查证明 is valid for one year (《医疗广告管理办法》第十三条): the gate refuses to
    # publish with an expired one and the daily sweep flags live pages still showing one.
    # Required with a number (the form and `page_ad_review_record`); null only on rows and
    # revisions recorded before it was, read as a year from `ad_review_recorded_at`.
    ad_review_valid_until = models.DateField(
        "审查证明有效期至",
        null=True,
        blank=True,
        help_text="证明上印的有效期截止日；填写审查证明文号时必填",
    )
    ad_review_expired_at = models.DateTimeField(
        "审查证明过期标记时间", null=True, blank=True, editable=False
    )
    # The blocking findings ("rule:text") the reviewer saw when recording the certificate:
    # a violation added later is not covered by it.
    ad_review_scope = models.JSONField("审查覆盖的问题", default=list, blank=True, editable=False)
    # The digest of the text the check read when the certificate was recorded
    # (`cms.compliance.page.checked_text_digest`): the certificate approves that text only.
    # Its name ends in _hash, so the check never reads it as page text.
    ad_review_text_hash = models.CharField(
        "审查内容摘要", max_length=64, blank=True, default="", editable=False
    )
    compliance_result = models.JSONField(
        "最近一次合规检查", default=dict, blank=True, editable=False
    )

    # The medical-ad reviewer's record and the last check: not content. A copy is new
    # content in a new place and earns its own check and certificate; a doctor's approval
    # treats a later revision adding only these as what was submitted (`cms.workflows`).
    REVIEW_RECORD_FIELDS = (
        "ad_review_certificate",
        "ad_review_recorded_by",
        "ad_review_recorded_at",
        "ad_review_valid_until",
        "ad_review_expired_at",
        "ad_review_scope",
        "ad_review_text_hash",
        "compliance_result",
    )
    exclude_fields_in_copy = list(REVIEW_RECORD_FIELDS)
    base_form_class = CompliancePageForm
    # The title is indexed as words too (cms/search.py), next to Page's own fields, which
    # stay as they are (Wagtail checks that every page type keeps them); so are the SEO
    # title and description an editor writes for Baidu (「冬季脱发高发？」 is what she
    # expects the site's own search to know the page by; twentieth session's leftover).
    search_fields = [
        *Page.search_fields,
        SegmentedSearchField("title", boost=2),
        SegmentedAutocompleteField("title"),
        SegmentedSearchField("seo_title"),
        SegmentedSearchField("search_description"),
    ]
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                CompliancePanel(),
                FieldPanel("ad_review_certificate"),
                FieldPanel("ad_review_valid_until"),
                FieldPanel("ad_review_confirm"),
            ],
            heading="医疗广告合规",
            classname="collapsible",
        ),
    ]
    promote_panels = SeoMixin.promote_panels

    class Meta:
        abstract = True

    # Pages that present health knowledge (《广告法》第十九条, 《互联网广告管理办法》第八条) carry
    # no conversion element: no consultation or landing link, QR code, contact or price.
    # Conversion lives on 转化-layer articles and landing pages only. The gate checks such a
    # page with the 科普 rules (cms.compliance.page.page_scopes), fields and served HTML alike.
    # A subclass that presents health knowledge says so; the default (landing pages, any
    # page type another app adds) is a page the 第十九条 rules do not apply to.
    def is_health_science(self) -> bool:
        """True when the page presents health knowledge and may show no conversion element."""
        return False

    def is_medical_ad(self) -> bool:
        """True when the page as a whole is a medical ad (a landing page, a 转化 article): the
        gate publishes it only on a reviewer's 医疗广告审查证明 for its text, even when no
        rule finds anything (《医疗广告管理办法》第三条、第八条)."""
        return False

    def publish(self, revision, user=None, **kwargs):
        """Every publication made in code (revision.publish(), workflows, scheduled and
        bulk publishing) passes the compliance gate; the edit view is gated by the form."""
        from cms.compliance.gate import (
            current_review_record,
            page_compliance_store,
            page_publish_gate,
            review_record_onto,
        )
        from cms.compliance.page import check_revision

        # Judge the revision's content (what goes live), not this possibly stale instance,
        # with the current review record: a scheduled revision older than the reviewer's
        # withdrawal carries the certificate she withdrew (eighteenth verification F3).
        candidate = revision.as_object()
        current_review_record(candidate)
        report = page_publish_gate(page=candidate, user=user, report=check_revision(revision))
        # ... and goes live showing that record (nineteenth verification B-F1)
        review_record_onto(revision)
        result = super().publish(revision, user=user, **kwargs)
        self.compliance_result = page_compliance_store(
            page=candidate, report=report, state="published"
        )
        return result

    def get_lock(self):
        """Wagtail's lock; a medical ad's scheduled lock lets the reviewer in to withdraw
        its certificate (`funnel.ad_gate.ScheduledAdLock`)."""
        from wagtail.locks import ScheduledForPublishLock

        from funnel.ad_gate import ScheduledAdLock

        lock = super().get_lock()
        if isinstance(lock, ScheduledForPublishLock) and self.is_medical_ad():
            return ScheduledAdLock(self)
        return lock

    def ad_review_ends_at(self):
        """The instant the certificate stops being shown (aware datetime): the Asia/Shanghai
        midnight after its last valid day; None without a dated certificate. Page caches end
        there too (`landing.rendering`), so no cached copy shows an expired certificate."""
        from cms.compliance.gate import certificate_valid_until

        until = certificate_valid_until(self) if self.ad_review_certificate else None
        if until is None:
            return None
        next_day = until + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(next_day, dt.time.min))

    def past_expiry(self) -> bool:
        """The page's scheduled take-down (过期时间, `expire_at`) has passed: Wagtail's
        `publish_scheduled` (every minute from beat) unpublishes it, and until it has, it
        is not served nor listed (`cms.compliance.wagtail_hooks.refuse_past_expiry`;
        round-34 verification F15: /lp/hair-loss/ answered 200 past its expiry until the
        minute task ran, and indefinitely with beat down)."""
        return self.expire_at is not None and self.expire_at <= timezone.now()

    def get_sitemap_urls(self, request=None):
        """Wagtail's entry, except for a page past its scheduled expiry (`past_expiry`), and
        for a medical ad whose certificate has expired: it answers
        the 404 「该页面暂停展示」 (`cms.compliance.wagtail_hooks.refuse_expired_ad`, the same
        reading) until the daily sweep unpublishes it, and a sitemap lists only pages that
        answer 200 (review of issue 17, round 2, L4); and except for a page whose canonical
        is not its own URL (an editor's canonical to another page or host, an alias): a
        sitemap lists canonical URLs only, and one that contradicts the page's
        <link rel=canonical> is a mixed signal a crawler may resolve against the original."""
        from cms.compliance.gate import certificate_expired, is_medical_ad

        if self.past_expiry() or (is_medical_ad(self) and certificate_expired(self)):
            return []
        if self.alias_of_id:
            return []  # the original is listed; an alias is its copy at a second address
        entries = super().get_sitemap_urls(request)
        # `canonical` is what the page serves (a stored value it refuses is not served):
        # compared with the sitemap's own location, as written, not normalised
        if any(entry["location"] != self.canonical(request) for entry in entries):
            return []
        return entries

    def ad_review_current(self) -> bool:
        """A certificate is on the page and not past its validity (what the public is shown)."""
        from cms.compliance.gate import certificate_expired

        return bool(self.ad_review_certificate) and not certificate_expired(self)

    # --- SEO helpers used by templates/base.html -----------------------------------------
    # Open Graph type: a page of one piece of content is an article; hubs, the home page, the
    # doctor team and landing pages are "website" (review of issue 17).
    og_type = "website"

    def meta_title(self) -> str:
        return self.seo_title or self.title

    def share_title(self, site_name: str) -> str:
        """The share card's title (og:title): `meta_title` without a trailing site name.
        SEO titles end with it for Baidu (「脱发的原因…｜引流健康」); WeChat shows the source
        next to a card's title, so the card named the site twice. A title that is only the
        site name (the home page) stays."""
        return without_site_name(self.meta_title(), site_name)

    def meta_description(self) -> str:
        return self.search_description or self.description_fallback()

    def description_fallback(self) -> str:
        """The page's own short text when the editor wrote no search description."""
        for name in ("summary", "subheadline", "intro", "biography", "body"):
            value = getattr(self, name, "")
            if isinstance(value, str) and value:
                return plain(value)
        return ""

    # The image a share card (WeChat, Open Graph) shows: the share image, else the page's
    # own picture; templates fall back to the site's default image after that.
    og_image_fields = ("share_image", "cover", "hero_image", "photo")

    def og_image(self):
        for name in self.og_image_fields:
            if getattr(self, f"{name}_id", None):
                return getattr(self, name)
        return None

    def canonical(self, request) -> str:
        """The canonical URL: the editor's, when it is one this site may declare
        (`cms.links.canonical_url_problem`; a value stored before the check is ignored),
        else the page's own full URL."""
        from cms.links import canonical_url_problem

        if self.canonical_url and not canonical_url_problem(self.canonical_url):
            return self.canonical_url
        if self.alias_of_id:
            # An alias serves its original's content at a second address: the original is
            # the one a crawler should index (Wagtail copies the original's fields, an
            # editor's canonical included, to its aliases; this is the case with none)
            original = Page.objects.filter(pk=self.alias_of_id).first()
            if original is not None and original.url_path != self.url_path:
                return original.get_full_url(request) or self.get_full_url(request)
        return self.get_full_url(request)

    # A page type that only redirects (a folder) sets this False: no breadcrumb names it.
    in_breadcrumbs = True

    def breadcrumbs(self) -> list[Page]:
        # Used by the template and by JSON-LD in the same request: fetch the ancestors once.
        if not hasattr(self, "_breadcrumbs"):
            self._breadcrumbs = _trail(self.get_ancestors(inclusive=True))
        return self._breadcrumbs

    def structured_breadcrumbs(self) -> list[Page]:
        """The trail the JSON-LD BreadcrumbList names: the page's own (`breadcrumbs`, which
        the visible trail shows too); for an alias, its original's, the page its canonical
        names (an alias's structured data describes the original, the one to index)."""
        if self.alias_of_id:
            original = Page.objects.filter(pk=self.alias_of_id).first()
            if original is not None:
                return _trail(original.get_ancestors(inclusive=True))
        return self.breadcrumbs()

    def json_ld_main(self, request) -> dict[str, Any] | None:
        return None

    def json_ld(self, request) -> list[dict[str, Any]]:
        crumbs = self.structured_breadcrumbs()
        graph: list[dict[str, Any]] = []
        main = self.json_ld_main(request)
        if main:
            graph.append(main)
        graph.append(
            {
                "@context": "https://schema.org",
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": i + 1,
                        "name": page.title,
                        "item": page.get_full_url(request),
                    }
                    for i, page in enumerate(crumbs)
                ],
            }
        )
        graph.extend(self.json_ld_extra(request))
        return graph

    def json_ld_extra(self, request) -> list[dict[str, Any]]:
        return []

    def json_ld_script(self, request) -> str:
        """Serialized for a <script type="application/ld+json">; `</` escaped so text
        from editors can never close the script element."""
        return json.dumps(self.json_ld(request), ensure_ascii=False).replace("</", "<\\/")


# The clinic's name when its Wagtail Site names none (设置 → 站点 → 站点名称).
DEFAULT_SITE_NAME = "引流健康"


def site_name_for(request) -> str:
    """The clinic's name as set in the admin for the request's Wagtail Site (the header brand,
    og:site_name, the suffix of a page's <title>); DEFAULT_SITE_NAME when it has none or there
    is no request."""
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    return (site.site_name if site is not None else "") or DEFAULT_SITE_NAME


# Between a title and the site name: 「…｜引流健康」「… | 引流健康」「… - 引流健康」「…——引流健康」;
# 丨 (U+4E28, the character Chinese titles often use as a bar), ‖, │, ┃, slashes and tildes
# (twentieth verification C). Beyond the list, any dash (Unicode Pd: ―), mathematical bar or
# arrow (Sm: ∣ > ＞ →) or box-drawing stroke (━ ┃ …) is read as a separator too: an editor
# picks whichever bar her input method offers, and the list cannot name them all (twenty-first
# session). Not + or = (a title may end 「维生素B+」), nor quotation marks (「医生说“别熬夜”」).
SITE_NAME_SEPARATORS = "|｜-－—–_·•:：丨‖│┃/／\\~～・︱︲»«›‹ー，,、；;"
_SEPARATOR_CATEGORIES = {"Pd", "Sm"}
_NOT_SEPARATORS = "+＋=＝±"


def _is_separator(ch: str) -> bool:
    return (
        ch.isspace()
        or ch in SITE_NAME_SEPARATORS
        or (unicodedata.category(ch) in _SEPARATOR_CATEGORIES and ch not in _NOT_SEPARATORS)
        or "\u2500" <= ch <= "\u257f"  # box drawing
    )


def _strip_separators(text: str) -> str:
    end = len(text)
    while end and _is_separator(text[end - 1]):
        end -= 1
    return text[:end]


# What may sit inside a typed site name without changing it: spaces and the invisible
# characters a paste brings (zero-width space/joiners, word joiner, BOM).
_NAME_GAP = r"[\s\u200b-\u200d\u2060\ufeff]*"
# What may follow it at the end of a title: the same, and a closing full stop or mark.
_NAME_TAIL = r"[\s\u200b-\u200d\u2060\ufeff。.．!！]*$"


def site_name_pattern(site_name: str) -> re.Pattern[str] | None:
    """The site name as editors type it inside a title: case aside (「yinliu health」 names
    「Yinliu Health」, twenty-first verification C), with spaces or zero-width characters
    between its letters (「引流 健康」, 「引流\u200b健康」: twenty-third verification B). None
    for a name without letters."""
    letters = [ch for ch in (site_name or "") if not ch.isspace()]
    if not letters:
        return None
    return re.compile(_NAME_GAP.join(re.escape(ch) for ch in letters), re.IGNORECASE)


def names_site(title: str, site_name: str) -> bool:
    """Whether `title` names the site anywhere, as `site_name_pattern` reads it."""
    pattern = site_name_pattern(site_name)
    return bool(pattern and pattern.search(title or ""))


def without_site_name(title: str, site_name: str) -> str:
    """`title` (stripped) without a trailing `site_name` and the separator before it
    (SITE_NAME_SEPARATORS and their Unicode kin, `_is_separator`); the name is recognised
    as `site_name_pattern` reads it, a closing full stop after it included. A title that is
    only the site name is the site name as configured; one that does not end with it is
    returned as it is."""
    title = (title or "").strip()
    pattern = site_name_pattern(site_name)
    if pattern is None:
        return title
    trailing_name = re.compile(pattern.pattern + _NAME_TAIL, re.IGNORECASE)
    # the name may have been typed twice (「冬季睡眠 | 引流健康 | 引流健康」)
    while match := trailing_name.search(title):
        stripped = _strip_separators(title[: match.start()])
        if not stripped:
            return site_name
        title = stripped
    return title


# A block ending in one of these needs no separator before the next block.
_BLOCK_END = re.compile(r"[。！？!?；;：:，,、…]$")


def plain(text: str, limit: int = 160) -> str:
    """`text` (rich text HTML or plain) as one line of at most `limit` characters for a
    description (meta, og, JSON-LD): blocks read as blocks (`cms.html_text`), a space
    between two where the first ends without punctuation, so a heading, paragraph or list
    item is not glued to the next (twentieth verification C: 「…做三件事早上测空腹血糖晚饭后
    散步…」 on WeChat's card)."""
    parts: list[str] = []
    for block in html_blocks(text or ""):
        if parts and not _BLOCK_END.search(parts[-1]):
            parts.append(" ")
        parts.append(block.text)
    return "".join(parts)[:limit]


def _trail(ancestors) -> list[Page]:
    """The pages a breadcrumb names: below the root, not a folder that only redirects
    (`in_breadcrumbs`; the page type is known from its content type, no query)."""
    return [
        p for p in ancestors if p.depth > 1 and getattr(p.specific_class, "in_breadcrumbs", True)
    ]
