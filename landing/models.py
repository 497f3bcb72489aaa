"""Landing pages (SEM/SEO), consent texts, A/B tests and care plans.

Page classes keep Wagtail idioms only; what happens on submit, on publish and on every cached
request lives in `landing/services/`, and reads in `landing/selectors.py`.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import FormMixin
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from cms.models import BasePage
from landing.storage import careplan_photo_path, private_photo_storage

KEYWORD_PARAMS = ("utm_term", "kw", "keyword")


class ConsentText(models.Model):
    """The separate health-information consent (PIPL Art. 28-29), one row per text version.

    A lead records the version it agreed to; a form showing an older version is refused so
    nobody is held to a text they did not see.
    """

    version = models.CharField("版本号", max_length=40, unique=True)
    title = models.CharField("标题", max_length=100, default="健康信息授权")
    text = models.TextField("授权文本")
    is_current = models.BooleanField("当前生效", default=False)
    published_at = models.DateTimeField("生效时间", auto_now_add=True)

    class Meta:
        verbose_name = "授权文本"
        verbose_name_plural = "授权文本"
        ordering = ["-published_at", "-pk"]
        constraints = [
            # Exactly one text is offered at a time.
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="consenttext_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.version}"


class TrustDoctorBlock(blocks.StructBlock):
    """A doctor from the doctor pages: name, 职称, hospital and licence number are read from
    the DoctorPage, so a landing page can neither differ from it nor show a doctor who
    has no page."""

    doctor = blocks.PageChooserBlock(page_type="cms.DoctorPage", label="医生")
    intro = blocks.TextBlock(label="本页补充介绍", required=False)

    class Meta:
        label = "医生"
        template = "landing/blocks/doctor.html"


class TrustReviewBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label="评价")
    author = blocks.CharBlock(label="署名（已脱敏）", help_text="如：张女士，32 岁")
    consent_on_file = blocks.BooleanBlock(
        label="已取得患者书面同意", required=True, help_text="未取得同意的评价不得发布"
    )

    class Meta:
        label = "患者评价"
        template = "landing/blocks/review.html"


class LandingIndexPage(Page):
    """The `/lp/` folder. `/lp/<specialty slug>/` reaches that specialty's landing page even
    when the page itself has another slug (content pages link by specialty)."""

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["landing.LandingPage"]
    max_count = 1

    class Meta:
        verbose_name = "落地页目录"

    def route(self, request, path_components):
        if path_components:
            from landing.selectors import landing_page_for_specialty

            child = self.get_children().filter(slug=path_components[0]).live().first()
            if child is None:
                page = landing_page_for_specialty(slug=path_components[0])
                if page is not None:
                    return page.specific.route(request, path_components[1:])
        return super().route(request, path_components)

    # The folder itself only redirects home: no breadcrumb names it (a crawler would follow a
    # redirect; nineteenth verification C-F4), and no sitemap lists it.
    in_breadcrumbs = False

    def serve(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        return redirect("/")

    def get_sitemap_urls(self, request=None):
        # a sitemap lists pages that answer 200
        return []


class LandingPage(FormMixin, BasePage):
    """One SEM/SEO landing page per specialty (or per campaign). The form is fixed (name,
    phone, age, gender, concern, consent); submissions go to `landing_form_submit`."""

    specialty = models.ForeignKey(
        "funnel.Specialty", on_delete=models.PROTECT, related_name="+", verbose_name="专科"
    )
    headline = models.CharField("默认主标题", max_length=80)
    subheadline = models.CharField("副标题", max_length=160, blank=True, default="")
    hero_body = RichTextField("首屏正文", blank=True, features=["bold", "ol", "ul", "link"])
    package = models.ForeignKey(
        "funnel.ServicePackage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="默认服务包",
    )
    clinic_licence = models.CharField("医疗机构执业许可证号", max_length=80, blank=True)
    trust = StreamField(
        [("doctor", TrustDoctorBlock()), ("review", TrustReviewBlock())],
        blank=True,
        verbose_name="信任背书",
    )
    form_title = models.CharField("表单标题", max_length=60, default="免费预约医助一对一咨询")
    submit_label = models.CharField("按钮文字", max_length=20, default="提交预约")
    thank_you_text = models.CharField(
        "提交后提示", max_length=200, default="提交成功，医助会在工作时间内尽快与您联系。"
    )

    # FormMixin brings its own form class; landing copy goes through the compliance gate too.
    base_form_class = BasePage.base_form_class
    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("specialty"),
                FieldPanel("headline"),
                FieldPanel("subheadline"),
                FieldPanel("hero_body"),
                FieldPanel("package"),
            ],
            heading="首屏",
        ),
        InlinePanel("keyword_variants", label="关键词匹配版本"),
        MultiFieldPanel(
            # the review certificate shown is the gate's (医疗广告合规 panel): one field
            [FieldPanel("clinic_licence"), FieldPanel("trust")],
            heading="信任背书",
        ),
        MultiFieldPanel(
            [FieldPanel("form_title"), FieldPanel("submit_label"), FieldPanel("thank_you_text")],
            heading="表单",
        ),
    ]
    parent_page_types = ["landing.LandingIndexPage"]
    subpage_types: list[str] = []
    template = "landing/landing_page.html"
    landing_page_template = "landing/thank_you.html"

    class Meta:
        verbose_name = "落地页"
        verbose_name_plural = "落地页"

    # --- the form page extension point -----------------------------------------------------
    def get_form_fields(self):
        return []

    def get_form_class(self):
        from landing.forms import LeadForm

        return LeadForm

    def get_form(self, *args, page=None, user=None, **kwargs):
        return self.get_form_class()(*args, **kwargs)

    # 医疗机构执业许可证 登记号: letters and digits as printed (e.g. PDY00012331010417A1002).
    CLINIC_LICENCE_FORMAT = re.compile(r"[0-9A-Za-z]{6,40}")

    def clean(self) -> None:
        super().clean()
        licence = (self.clinic_licence or "").strip()
        if licence and not self.CLINIC_LICENCE_FORMAT.fullmatch(licence):
            message = "医疗机构执业许可证号为证书上印的登记号（字母和数字），请按证书填写"
            raise ValidationError({"clinic_licence": message})
        self.clinic_licence = licence

    def is_medical_ad(self) -> bool:
        """A landing page is an ad for the clinic's consultation (SEM / SEO traffic)."""
        return True

    def compliance_extra_texts(self):
        """(path, text) of the running A/B test's B arm (headline, subheadline, and the
        service package it offers: its name, summary and contents): half the visitors read
        them on this ad, so they are its text for the check and for the certificate's
        digest (`cms.compliance.extract.page_texts`); the B arm is served only while the
        certificate covers them (`landing.selectors.test_for_visit`). A B package was
        outside the digest: another specialty's package reached half the visitors of a
        certified page at once (sixteenth verification H3)."""
        from cms.compliance.extract import model_texts

        if self.pk is None:
            return
        test = (
            self.ab_tests.filter(status=ABTest.Status.RUNNING)
            .select_related("package_b")
            .order_by("pk")
            .first()
        )
        if test is None:
            return
        for name in ("headline_b", "subheadline_b"):
            if value := getattr(test, name):
                yield f"ab_test.{name}", value
        if test.package_b is not None:
            yield from model_texts(test.package_b, "ab_test.package_b.", follow_relations=False)

    def serve(self, request, *args, **kwargs):
        from landing import rendering

        if request.method == "POST":
            return rendering.landing_post(page=self, request=request)
        return rendering.landing_get(page=self, request=request)


class KeywordVariant(Orderable):
    """An SEM keyword group: when the search keyword contains one of `keywords`, this
    headline, body and package replace the defaults (the page matches the search)."""

    page = ParentalKey(LandingPage, on_delete=models.CASCADE, related_name="keyword_variants")
    keywords = models.CharField("关键词（逗号分隔）", max_length=300)
    headline = models.CharField("主标题", max_length=80)
    body = models.TextField("正文", blank=True, default="")
    package = models.ForeignKey(
        "funnel.ServicePackage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="服务包",
    )

    panels = [
        FieldPanel("keywords"),
        FieldPanel("headline"),
        FieldPanel("body"),
        FieldPanel("package"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "关键词版本"

    def keyword_list(self) -> list[str]:
        parts = self.keywords.replace("，", ",").split(",")
        return [p.strip().lower() for p in parts if p.strip()]


class ABTest(models.Model):
    """An A/B test of a landing page: arm A is the page as published, arm B overrides the
    headline, hero text and/or offer. Fixed horizon: decided once both arms reach `horizon`
    visitors, with a two-proportion z-test (landing.stats)."""

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        FINISHED = "finished", "已结束"

    page = models.ForeignKey(LandingPage, on_delete=models.CASCADE, related_name="ab_tests")
    name = models.CharField("名称 / 假设", max_length=120)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    headline_b = models.CharField("B 版主标题", max_length=80, blank=True, default="")
    subheadline_b = models.CharField("B 版副标题", max_length=160, blank=True, default="")
    package_b = models.ForeignKey(
        "funnel.ServicePackage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="B 版服务包",
    )
    horizon = models.PositiveIntegerField("每组样本量（访客）", default=1000)
    alpha = models.DecimalField("显著性水平", max_digits=4, decimal_places=3, default=0.05)
    winner = models.CharField("胜出", max_length=10, blank=True, default="")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    panels = [
        FieldPanel("page", heading="落地页"),
        FieldPanel("name"),
        FieldPanel("status"),
        FieldPanel("headline_b"),
        FieldPanel("subheadline_b"),
        FieldPanel("package_b"),
        FieldPanel("horizon"),
        FieldPanel("alpha"),
    ]

    class Meta:
        verbose_name = "A/B 测试"
        verbose_name_plural = "A/B 测试"
        constraints = [
            # One running test a page: visitors are split once, results stay readable.
            models.UniqueConstraint(
                fields=["page"],
                condition=models.Q(status="running"),
                name="abtest_one_running",
                # the form's error (seventeenth verification F3-3: 「约束…是无效的」 before)
                violation_error_message=(
                    "该落地页已有一个进行中的 A/B 测试：请先结束它，再开始新的测试"
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ABArmStat(models.Model):
    """Visitor and conversion counters per arm, incremented with an atomic upsert."""

    test = models.ForeignKey(ABTest, on_delete=models.CASCADE, related_name="arms")
    arm = models.CharField(max_length=1)
    visitors = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["test", "arm"], name="abarmstat_unique")]

    def __str__(self) -> str:
        return f"{self.test_id}/{self.arm}: {self.conversions}/{self.visitors}"


class ABVisitor(models.Model):
    """A visitor the server assigned (signed cookie) and counted in a test, once: the unique
    constraint, not a check, keeps a second beacon or a second lead from counting again.
    `arm` is empty for a visitor who came after their arm reached the horizon (outside the
    sample: their conversion is not counted either)."""

    test = models.ForeignKey(ABTest, on_delete=models.CASCADE, related_name="visitors")
    visitor = models.CharField(max_length=64)
    arm = models.CharField(max_length=1, blank=True, default="")
    converted = models.BooleanField(default=False)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["test", "visitor"], name="abvisitor_once_per_test")
        ]

    def __str__(self) -> str:
        return f"{self.test_id}/{self.visitor}: {self.arm or '-'}"


class CarePlan(ClusterableModel):
    """治疗计划: what the patient sees on the signed H5 link (calendar, photos, therapist)."""

    lead = models.ForeignKey(
        "funnel.Lead", on_delete=models.CASCADE, related_name="care_plans", verbose_name="患者"
    )
    title = models.CharField("标题", max_length=100)
    therapist = models.ForeignKey(
        "funnel.Assistant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="理疗师 / 医助",
    )
    therapist_intro = models.TextField("理疗师介绍", blank=True, default="")
    goal = models.CharField("阶段目标", max_length=200, blank=True, default="")
    articles = models.ManyToManyField(
        "wagtailcore.Page", blank=True, related_name="+", verbose_name="推荐阅读"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every patient link carries the version it was issued under: revoking bumps it, so all
    # links issued before answer 410 while a new link works (`careplan_link_revoke`).
    link_version = models.PositiveIntegerField("链接版本", default=0, editable=False)
    link_revoked_at = models.DateTimeField("链接撤销时间", null=True, blank=True, editable=False)

    panels = [
        FieldPanel("lead"),
        FieldPanel("title"),
        FieldPanel("goal"),
        FieldPanel("therapist"),
        FieldPanel("therapist_intro"),
        FieldPanel("articles"),
        InlinePanel("items", label="日程"),
        InlinePanel("photos", label="进展照片"),
    ]

    class Meta:
        verbose_name = "治疗计划"
        verbose_name_plural = "治疗计划"

    def __str__(self) -> str:
        return self.title


class CarePlanItem(Orderable):
    class Kind(models.TextChoices):
        THERAPY = "therapy", "理疗"
        DIET = "diet", "饮食"
        MEDICATION = "medication", "用药"
        REVISIT = "revisit", "复诊"

    plan = ParentalKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    day = models.DateField("日期")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    title = models.CharField("事项", max_length=100)
    note = models.CharField("说明", max_length=200, blank=True, default="")

    panels = [FieldPanel("day"), FieldPanel("kind"), FieldPanel("title"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = "日程"


class CarePlanPhoto(Orderable):
    plan = ParentalKey(CarePlan, on_delete=models.CASCADE, related_name="photos")
    month = models.DateField("月份")
    angle = models.CharField("角度", max_length=20, default="正面")
    # A patient's photo: private storage, never a Wagtail image (see landing/storage.py).
    photo = models.ImageField(
        "照片", storage=private_photo_storage, upload_to=careplan_photo_path, max_length=200
    )

    panels = [FieldPanel("month"), FieldPanel("angle"), FieldPanel("photo")]

    class Meta(Orderable.Meta):
        verbose_name = "进展照片"
