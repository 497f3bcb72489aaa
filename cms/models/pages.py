"""Public content pages: home, specialty hubs, articles, videos, doctors, patient stories."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from cms.blocks import ArticleStreamBlock
from cms.links import absolute_url
from cms.models.base import BasePage, plain, site_name_for
from cms.search import SegmentedSearchField

PAGE_SIZE = 10


class HomePage(BasePage):
    """The site root. Specialty hubs and the doctor team hang below it."""

    intro = RichTextField(blank=True, verbose_name="简介")

    content_panels = [*BasePage.content_panels, FieldPanel("intro")]
    # the intro is read like a body (twentieth verification C: 一对一 found nothing)
    search_fields = [*BasePage.search_fields, SegmentedSearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def meta_title(self) -> str:
        """The site root is called by the site's name (设置 → 站点 → 站点名称) unless the
        editor wrote an SEO title: its page title is the demo's brand, and a clinic that
        renames its site should not find 「引流健康 | 安心皮肤诊所」 on its home page."""
        return self.seo_title

    def share_title(self, site_name: str) -> str:
        return super().share_title(site_name) or site_name

    class Meta:
        verbose_name = "首页"

    # `route` answers what Page.route answers (below): `cms.links` may read a path's page
    # from the stored url_paths instead of routing it
    ROUTES_BY_URL_PATH = True

    def route(self, request, path_components):
        """Like Page.route, but a page two levels down is found by its stored url_path: an
        article in one query (with what its template shows joined), a video, story or
        doctor in three, instead of four (parent by slug, parent's specific row, page by
        slug, page's specific row). Equivalent for these types only: their parents (hub,
        doctor team) can only sit under the home page and do not reroute, and the default
        route only requires the last page to be live. Anything else (the landing folder
        reroutes) goes the usual way."""
        if len(path_components) == 2:
            page = _page_two_levels_down(self, *path_components)
            if page is not None:
                return page.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import specialty_hubs

        context = super().get_context(request, *args, **kwargs)
        context["hubs"] = specialty_hubs()
        return context

    def is_health_science(self) -> bool:
        """The home page lists the health-science hubs
        (《广告法》第十九条): no conversion element here."""
        return True

    def json_ld_main(self, request) -> dict[str, Any]:
        return {
            "@context": "https://schema.org",
            "@type": "MedicalClinic",
            "name": self.title,
            "url": self.get_full_url(request),
            "description": plain(self.intro),
        }


def _page_two_levels_down(home: HomePage, parent_slug: str, slug: str) -> BasePage | None:
    """The article, video, story or doctor page at /<parent_slug>/<slug>/ below `home`,
    else None (not one of these types, or nothing there)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    from cms.selectors import article_for_route

    url_path = f"{home.url_path}{parent_slug}/{slug}/"
    article = article_for_route(url_path=url_path, slug=slug)
    if article is not None:
        return article
    found = Page.objects.filter(slug=slug, url_path=url_path).values_list("pk", "content_type_id")
    for pk, content_type_id in found[:1]:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model in (VideoPage, PatientStoryPage, DoctorPage):
            return model.objects.get(pk=pk)
    return None


class SpecialtyPage(BasePage):
    """专科 / 单病种 hub: its articles, videos and doctors (service packages live on 转化
    articles and landing pages, not on a health-science hub)."""

    specialty = models.OneToOneField(
        "funnel.Specialty", on_delete=models.PROTECT, related_name="hub", verbose_name="专科"
    )
    intro = RichTextField("导语", blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="头图",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("specialty"),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
    ]
    search_fields = [*BasePage.search_fields, SegmentedSearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage", "cms.VideoPage", "cms.PatientStoryPage"]

    class Meta:
        verbose_name = "专科主页"

    ROUTES_BY_URL_PATH = True  # as HomePage's: the same answers as Page.route

    def route(self, request, path_components):
        """Like Page.route, but the child article arrives with its cover and reviewer joined,
        which keeps an article's render within its query budget."""
        if not path_components:
            return super().route(request, path_components)
        child_slug, *remaining = path_components
        child = self.get_children().filter(slug=child_slug).first()
        if child is None:
            raise Http404
        if child.specific_class is ArticlePage:
            from cms.selectors import article_for_render

            page = article_for_render().get(pk=child.pk)
        else:
            page = child.specific_class.objects.get(pk=child.pk)
        return page.route(request, remaining)

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        layer = request.GET.get("layer", "")
        items = selectors.hub_items(hub=self, layer=layer)
        # get_page: a junk `p` shows page 1, one past the end the last page (never a 500)
        page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("p"))
        context["page_obj"] = page_obj
        # This list page as its own URL says it, for its canonical and its pager: the page
        # actually shown (not a junk or out-of-range `p`), page 1 without `p`, a known layer.
        # (a layer the hub does not filter on, 转化 included, lists everything: no layer)
        science = {value for value, _ in selectors.science_layers()}
        query = {"layer": layer} if layer in science else {}
        context["list_query"] = query
        context["canonical_query"] = (
            {**query, "p": page_obj.number} if page_obj.number > 1 else query
        )
        context["doctors"] = selectors.doctors_for(specialty_id=self.specialty_id)
        context["layers"] = selectors.science_layers()  # a hub has no 转化 tab
        return context

    def is_health_science(self) -> bool:
        """A hub presents its specialty's health science
        (《广告法》第十九条): no conversion element here."""
        return True

    def json_ld_main(self, request) -> dict[str, Any]:
        return {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            # the page's name, not its <title>: an SEO title ends with the site's name for
            # Baidu (「脱发的原因…｜引流健康」)
            "name": self.share_title(site_name_for(request)),
            "url": self.canonical(request),
            "about": {"@type": "MedicalCondition", "name": self.specialty.name},
            "description": self.meta_description() or plain(self.intro),
            "inLanguage": "zh-CN",
        }


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(BasePage):
    """Health-science article in one of the four content layers."""

    og_type = "article"

    class Layer(models.TextChoices):
        SCIENCE = "science", "科普"
        EXPERT = "expert", "专家IP"
        INTERACTIVE = "interactive", "互动"
        CONVERSION = "conversion", "转化"

    layer = models.CharField("内容层", max_length=20, choices=Layer.choices, default=Layer.SCIENCE)
    summary = models.CharField("摘要", max_length=300, blank=True, default="")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面",
    )
    reviewer = models.ForeignKey(
        "cms.DoctorPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核医生",
    )
    published_on = models.DateField("发布日期", null=True, blank=True)
    body = StreamField(ArticleStreamBlock(), verbose_name="正文", blank=True)
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True, verbose_name="标签")

    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("layer"),
                FieldPanel("summary"),
                FieldPanel("cover"),
                FieldPanel("reviewer"),
                FieldPanel("published_on"),
                FieldPanel("tags"),
            ],
            heading="文章信息",
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        SegmentedSearchField("summary"),
        SegmentedSearchField("body"),
        # the editor's 标签 (「防脱洗发水」「熬夜」) find the article as its words do
        index.RelatedFields("tags", [SegmentedSearchField("name")]),
        index.FilterField("layer"),
    ]
    parent_page_types = ["cms.SpecialtyPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "文章"

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import article_context

        context = super().get_context(request, *args, **kwargs)
        context.update(article_context(page=self, request=request))
        return context

    def card_label(self) -> str:
        return self.get_layer_display()

    def condition_name(self) -> str:
        """The condition the article is about: its hub's specialty (脱发, not 脱发专科); for
        an alias, its original's hub's (the alias is the original's content at a second
        address: the 脱发 article aliased under 失眠 is still about 脱发). `article_context`
        sets it from the hub it loads anyway; else one query (two for an alias)."""
        if not hasattr(self, "_condition_name"):
            from wagtail.models import Page

            path = self.path
            if self.alias_of_id:
                original = Page.objects.filter(pk=self.alias_of_id).values_list("path", flat=True)
                path = original.first() or path
            hub = SpecialtyPage.objects.select_related("specialty").get(path=path[: -self.steplen])
            self._condition_name = hub.specialty.name
        return self._condition_name

    def faq_items(self) -> list[tuple[str, str]]:
        return [
            (item["question"], item["answer"].source)
            for block in self.body
            if block.block_type == "faq"
            for item in block.value["items"]
        ]

    def is_health_science(self) -> bool:
        """Every layer but 转化 is health science (科普, 专家IP, 互动: self-tests included);
        only 转化 articles may carry the consultation link and package cards."""
        return self.layer != self.Layer.CONVERSION

    def is_medical_ad(self) -> bool:
        """A 转化 article brings patients to a consultation: a medical ad."""
        return self.layer == self.Layer.CONVERSION

    def json_ld_main(self, request) -> dict[str, Any]:
        published = self.published_on or (
            self.first_published_at.date() if self.first_published_at else None
        )
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "headline": self.share_title(site_name_for(request)),
            "name": self.title,
            "url": self.canonical(request),
            "description": self.meta_description() or self.summary,
            "inLanguage": "zh-CN",
            "datePublished": published.isoformat() if published else None,
            "dateModified": self.last_published_at.isoformat() if self.last_published_at else None,
            "about": {"@type": "MedicalCondition", "name": self.condition_name()},
        }
        if self.reviewer_id and self.reviewer.shown_publicly:
            data["reviewedBy"] = {"@type": "Physician", "name": self.reviewer.title}
        return {k: v for k, v in data.items() if v is not None}

    def json_ld_extra(self, request) -> list[dict[str, Any]]:
        faqs = self.faq_items()
        if not faqs:
            return []
        return [
            {
                "@context": "https://schema.org",
                "@type": "FAQPage",
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": q,
                        "acceptedAnswer": {"@type": "Answer", "text": plain(a, 1000)},
                    }
                    for q, a in faqs
                ],
            }
        ]


class VideoPage(BasePage):
    """A short video: an uploaded file (Wagtail document) or a player URL, with transcript."""

    og_type = "video.other"

    video_file = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="视频文件",
    )
    # A path on our media host or a full player URL (platform players are iframes).
    video_url = models.CharField("视频地址", max_length=500, blank=True, default="")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面",
    )
    duration_seconds = models.PositiveIntegerField("时长（秒）", default=0)
    summary = models.CharField("简介", max_length=300, blank=True, default="")
    transcript = models.TextField("字幕文稿", blank=True, default="")
    published_on = models.DateField("发布日期", null=True, blank=True)

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("video_file"),
        FieldPanel("video_url"),
        FieldPanel("cover"),
        FieldPanel("duration_seconds"),
        FieldPanel("summary"),
        FieldPanel("transcript"),
        FieldPanel("published_on"),
    ]
    search_fields = [
        *BasePage.search_fields,
        SegmentedSearchField("summary"),
        SegmentedSearchField("transcript"),
    ]
    parent_page_types = ["cms.SpecialtyPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "视频"

    def clean(self) -> None:
        from cms.blocks import VIDEO_FILE_MISSING, VIDEO_URL_REFUSED
        from cms.links import static_file_missing, video_player

        super().clean()
        self.video_url = (self.video_url or "").strip()
        if not self.video_file_id and not self.video_url:
            raise ValidationError("请上传视频文件或填写视频地址")
        # the article's video block's rule (review of issue 17, round 2, H3): another host's
        # file can be swapped for a promotion with a QR code at any time, unread by the gate
        if self.video_url and not video_player(self.video_url):
            raise ValidationError({"video_url": VIDEO_URL_REFUSED})
        if self.video_url and static_file_missing(self.video_url):
            raise ValidationError({"video_url": VIDEO_FILE_MISSING})

    def card_label(self) -> str:
        return "视频"

    def player(self) -> str:
        """How the page shows its video: "own" (our file, played in <video>), "player" (an
        allowed platform's player, framed) or "" (nothing: an address off the allow-list that
        reached the stored value some other way is never shown)."""
        if self.video_file_id:
            return "own"
        from cms.links import video_player

        return video_player(self.video_url or "")

    def source_url(self) -> str:
        """The address played or framed; "" when the stored address is not allowed."""
        if not self.player():
            return ""
        return self.video_file.url if self.video_file_id else self.video_url

    def is_health_science(self) -> bool:
        """A video is health science (videos have no layer)
        (《广告法》第十九条): no conversion element here."""
        return True

    def json_ld_main(self, request) -> dict[str, Any]:
        minutes, seconds = divmod(self.duration_seconds, 60)
        data = {
            "@context": "https://schema.org",
            "@type": "VideoObject",
            "name": self.title,
            "description": self.summary or self.meta_description() or self.title,
            "duration": f"PT{minutes}M{seconds}S",
            "contentUrl": absolute_url(request, self.source_url())
            if self.player() == "own"
            else None,
            "embedUrl": self.source_url() if self.player() == "player" else None,
            "uploadDate": (
                self.published_on
                or (self.first_published_at.date() if self.first_published_at else None)
            ),
            "thumbnailUrl": self._thumbnail_url(request),
            "transcript": self.transcript[:2000] or None,
        }
        if data["uploadDate"]:
            data["uploadDate"] = data["uploadDate"].isoformat()
        return {k: v for k, v in data.items() if v}

    def _thumbnail_url(self, request) -> str | None:
        """The cover's 640×360 rendition on the site base URL, or None when there is no
        cover or its file is gone from storage (a lost file was a 500 on the video page;
        twenty-first verification C): Wagtail's own not-found rendition is never saved."""
        from wagtail.images.shortcuts import get_rendition_or_not_found

        if not self.cover_id:
            return None
        thumbnail = get_rendition_or_not_found(self.cover, "fill-640x360")
        return absolute_url(request, thumbnail.url) if thumbnail.pk else None


class DoctorIndexPage(BasePage):
    """医生团队: lists the doctors."""

    intro = RichTextField("简介", blank=True)
    content_panels = [*BasePage.content_panels, FieldPanel("intro")]
    search_fields = [*BasePage.search_fields, SegmentedSearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.DoctorPage"]
    max_count = 1
    # Doctors are public or not published (`DoctorPage.private_page_options`).
    private_page_options: list[str] = []

    class Meta:
        verbose_name = "医生团队"

    def is_health_science(self) -> bool:
        """The doctor team presents the doctors
        (《广告法》第十九条): no conversion element here."""
        return True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["doctors"] = (
            DoctorPage.objects.child_of(self)
            .live()
            .public()
            .exclude(expire_at__lte=timezone.now())  # past its 过期时间: 404, not listed
            .select_related("photo")
            .prefetch_related("specialties")
        )
        return context


class DoctorPage(BasePage):
    """A doctor: credentials shown as trust signals (职称, 医院, 执业证号)."""

    og_type = "profile"

    rank = models.CharField("职称", max_length=50)
    hospital = models.CharField("执业医院", max_length=100)
    licence_number = models.CharField("医师执业证书编码", max_length=40)
    specialties = ParentalManyToManyField("funnel.Specialty", blank=True, verbose_name="擅长专科")
    biography = RichTextField("简介", blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="照片",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("rank"),
        FieldPanel("hospital"),
        FieldPanel("licence_number"),
        FieldPanel("specialties"),
        FieldPanel("photo"),
        FieldPanel("biography"),
    ]
    search_fields = [
        *BasePage.search_fields,
        SegmentedSearchField("hospital"),
        SegmentedSearchField("biography"),
    ]
    parent_page_types = ["cms.DoctorIndexPage"]
    subpage_types: list[str] = []
    # A doctor page is public or not published: Wagtail's 隐私 dialog offers no password,
    # login or group restriction here. Her page is the register ads and 科普 bylines are
    # checked against; making it private would leave live pages naming a doctor the public
    # cannot look up, while taking her off the site is 取消发布, which the gate refuses as long
    # as a live page names her (`gate.doctor_removal_refused`; nineteenth session's note).
    private_page_options: list[str] = []

    class Meta:
        verbose_name = "医生"

    # 医师执业证书编码: 15 digits (the national physician registration code, as printed on
    # 《医师执业证书》 and looked up on the NHC's 医师执业注册信息查询).
    LICENCE_FORMAT = re.compile(r"[0-9]{15}")

    @cached_property
    def shown_publicly(self) -> bool:
        """A doctor the public may be shown: her page is live and readable by anyone (no
        password, login or group restriction on it or above it). Wherever a doctor is shown
        (a landing page's doctor block, an article's 审核医生 byline and its JSON-LD
        `reviewedBy`, a doctor card), the rule is the doctors index's: a doctor whose page
        the public can read (nineteenth verification C-F2: a password-protected doctor's
        name, 职称 and licence stayed on ads, linking to 「需要密码」).

        Wagtail's `get_view_restrictions()` asks twice (the ancestors, then their
        restrictions); an article's byline asks this on every render, so here it is one query
        with the same rule: the restrictions of the page and its ancestors, an alias's being its
        source's, followed two aliases deep (the ancestors' paths are prefixes of this page's
        treebeard path). Nor a page past its 过期时间 (`past_expiry`: it answers 404 at once;
        round 35, second tester F5.1: her name and licence stayed on an ad, linking to it)."""
        if not self.live or self.past_expiry():
            return False
        from django.db.models.functions import Coalesce
        from wagtail.models import Page, PageViewRestriction

        steps = range(Page.steplen, len(self.path) + 1, Page.steplen)
        sources = (
            Page.objects.filter(path__in=[self.path[:end] for end in steps])
            .annotate(source=Coalesce("alias_of__alias_of_id", "alias_of_id", "id"))
            .values("source")
        )
        return not PageViewRestriction.objects.filter(page_id__in=sources).exists()

    def clean(self) -> None:
        super().clean()
        number = (self.licence_number or "").strip()
        if not self.LICENCE_FORMAT.fullmatch(number):
            raise ValidationError({"licence_number": "医师执业证书编码为 15 位数字，请按证书填写"})
        self.licence_number = number
        from cms.compliance.doctors import rank_problem

        if problem := rank_problem(self.rank):
            raise ValidationError({"rank": problem})

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import articles_reviewed_by

        context = super().get_context(request, *args, **kwargs)
        context["reviewed_articles"] = articles_reviewed_by(doctor=self)
        return context

    def is_health_science(self) -> bool:
        """A doctor's page presents the doctor and the articles they reviewed
        (《广告法》第十九条): no conversion element here."""
        return True

    def json_ld_main(self, request) -> dict[str, Any]:
        return {
            "@context": "https://schema.org",
            "@type": "Physician",
            "name": self.title,
            "url": self.canonical(request),
            "jobTitle": self.rank,
            "worksFor": {"@type": "Hospital", "name": self.hospital},
            "medicalSpecialty": [s.name for s in self.specialties.all()],
            "description": plain(self.biography),
        }


class PatientStoryPage(BasePage):
    """A patient's own account. Publishable only with the patient's recorded consent."""

    og_type = "article"

    patient_alias = models.CharField("患者称呼（化名）", max_length=30)
    consent_recorded = models.BooleanField("已取得患者书面同意", default=False)
    consent_reference = models.CharField(
        "同意书编号", max_length=60, blank=True, default="", help_text="纸质或电子同意书的编号"
    )
    consent_date = models.DateField("同意日期", null=True, blank=True)
    body = RichTextField("内容")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面",
    )

    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("patient_alias"),
                FieldPanel("consent_recorded"),
                FieldPanel("consent_reference"),
                FieldPanel("consent_date"),
            ],
            heading="患者同意",
        ),
        FieldPanel("cover"),
        FieldPanel("body"),
    ]
    search_fields = [*BasePage.search_fields, SegmentedSearchField("body")]
    parent_page_types = ["cms.SpecialtyPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "患者故事"

    def card_label(self) -> str:
        return "患者故事"

    def clean(self) -> None:
        super().clean()
        if self.live and not (
            self.consent_recorded and self.consent_reference and self.consent_date
        ):
            raise ValidationError("患者故事须先记录患者同意（勾选、同意书编号与日期）")

    def is_health_science(self) -> bool:
        """A patient's story is read as health content
        (《广告法》第十九条): no conversion element here."""
        return True

    def json_ld_main(self, request) -> dict[str, Any]:
        return {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": self.title,
            "url": self.canonical(request),
            "inLanguage": "zh-CN",
            "description": self.meta_description() or plain(self.body),
        }
