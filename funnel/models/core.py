"""The funnel's core: specialty, package, assistants, lead, touchpoint, event, order.

PII columns are encrypted (funnel.crypto); the phone is found by its HMAC. Channels, landing
and cms build on these; intake (raw records) and ad spend sit beside them in this package.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from wagtail.models import DraftStateMixin, RevisionMixin

from funnel.crypto import EncryptedJSONField, EncryptedTextField


class Specialty(models.Model):
    """专科 / 单病种: hubs content, packages and routing."""

    name = models.CharField("名称", max_length=50, unique=True)
    slug = models.SlugField("标识", max_length=50, unique=True)
    description = models.TextField("简介", blank=True, default="")

    class Meta:
        verbose_name = "专科"
        verbose_name_plural = "专科"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Refuses a rename while medical ads show the name (`funnel.ad_gate`): the admin
        form says so through `clean`; this is the guard for every other path (a script, the
        shell, a service). Raises ValidationError({"name": [why]})."""
        from django.core.exceptions import ValidationError

        from funnel.ad_gate import specialty_rename_refused

        if why := specialty_rename_refused(self):
            raise ValidationError({"name": [why]})
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """The name and description are shown on 科普 pages (the doctor pages, every article's
        metadata): they pass the 科普 check (seventh verification of issue 17: 「脱发
        加微信yinliu2024」 was saved unchecked). A rename is refused while medical ads show
        the name (`funnel.ad_gate.specialty_rename_refused`). Raises ValidationError per field."""
        from django.core.exceptions import ValidationError

        from funnel.ad_gate import specialty_rename_refused
        from funnel.public_text import science_text_problems

        errors = {}
        for field in ("name", "description"):
            problems = science_text_problems(getattr(self, field) or "")
            if problems is None:
                errors[field] = "合规检查未启用，无法保存"
            elif problems:
                errors[field] = "科普页面会展示此内容，不得包含：" + "；".join(problems[:3])
        if "name" not in errors and (why := specialty_rename_refused(self)):
            errors["name"] = why
        if errors:
            raise ValidationError(errors)


class ServicePackageQuerySet(models.QuerySet):
    def on_sale(self) -> ServicePackageQuerySet:
        """What the public may be shown and offered: published (live), 上架, and not past
        its certificate's printed validity (Asia/Shanghai date). A package never published
        holds its draft on the row, so `is_active` alone is not enough."""
        today = timezone.localdate()
        return self.filter(live=True, is_active=True).exclude(ad_review_valid_until__lt=today)


class ServicePackage(DraftStateMixin, RevisionMixin, models.Model):
    """服务包: a priced bundle; stock and deadline are shown only when set (honest urgency).

    A package page is a medical ad (a priced medical service, 《医疗广告管理办法》第三条、第八条):
    edits are drafts (Wagtail revisions) and go live only through the medical-ad gate
    (`funnel.ad_gate`, registered by cms), which requires a reviewer's 医疗广告审查证明 for
    exactly that text and those prices. The row holds the live version while `live` is True
    (Wagtail leaves a live row alone until a revision is published); public surfaces show
    only live packages, and the price a patient pays is the row's (live) price."""

    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="packages")
    name = models.CharField("名称", max_length=100)
    slug = models.SlugField("标识", max_length=80, unique=True)
    summary = models.CharField("一句话介绍", max_length=200, blank=True, default="")
    includes = models.TextField("包含内容（每行一项）", blank=True, default="")
    # Text fields written one item a line (shown as a list): read as items by the
    # compliance check (cms reads this name; funnel imports nothing of cms).
    ITEM_PER_LINE_FIELDS = ("includes",)
    list_price = models.DecimalField("原价（元）", max_digits=10, decimal_places=2)
    promo_price = models.DecimalField(
        "优惠价（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    duration_days = models.PositiveIntegerField("服务天数", default=30)
    stock = models.PositiveIntegerField("剩余名额", null=True, blank=True)
    deadline = models.DateTimeField("优惠截止", null=True, blank=True)
    is_active = models.BooleanField("上架", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    # The certificate fields, as on every gated page (`cms.models.base.BasePage`, whose
    # comments explain each); funnel cannot import cms, so they are declared here.
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
    ad_review_valid_until = models.DateField(
        "审查证明有效期至",
        null=True,
        blank=True,
        help_text="证明上印的有效期截止日；填写审查证明文号时必填",
    )
    ad_review_expired_at = models.DateTimeField(
        "审查证明过期标记时间", null=True, blank=True, editable=False
    )
    ad_review_scope = models.JSONField("审查覆盖的问题", default=list, blank=True, editable=False)
    ad_review_text_hash = models.CharField(
        "审查内容摘要", max_length=64, blank=True, default="", editable=False
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="servicepackage")

    objects = ServicePackageQuerySet.as_manager()

    class Meta:
        verbose_name = "服务包"
        verbose_name_plural = "服务包"
        ordering = ["specialty", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(list_price__gte=0), name="servicepackage_price_nonnegative"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def revisions(self):
        return self._revisions

    def is_medical_ad(self) -> bool:
        """A package page is a medical ad whatever its wording (see the class docstring)."""
        return True

    def ad_review_facts(self) -> list[tuple[str, str]]:
        """What the certificate approves besides the text: everything a patient is shown or
        reaches the package by ((field, value) pairs; money in yuan as written): the prices,
        the service period, the promo deadline, the remaining places (「剩余 N」 is a claim of
        scarcity), the specialty (which comparison page and specialty the ad is sold under)
        and the slug (its URL), and that it is 上架 (offered). Review of issue 17, round 2,
        H2: a package moved to another specialty with a new slug and 「剩余 1」 went live on
        the certificate of the old one. Not `sort_order`: the order of packages on a list
        claims nothing about any of them, so staff reorder without a reviewer."""
        deadline = self.deadline.isoformat() if self.deadline else ""
        promo = str(self.promo_price) if self.promo_price is not None else ""
        stock = str(self.stock) if self.stock is not None else ""
        return [
            ("list_price", str(self.list_price)),
            ("promo_price", promo),
            ("duration_days", str(self.duration_days)),
            ("deadline", deadline),
            ("stock", stock),
            ("specialty", str(self.specialty_id or "")),
            ("slug", self.slug),
            ("is_active", "1" if self.is_active else "0"),
        ]

    def is_on_sale(self, *, on=None) -> bool:
        """This row as `ServicePackageQuerySet.on_sale` reads it: published (live), 上架 and
        not past its certificate's printed validity on `on` (today, Asia/Shanghai). What a
        page reads before it shows the package: a row not live holds its draft (round 13
        verification, F2: a 转化 article's package card showed an unpublished draft's
        「保证治愈」 and price under the article's certificate)."""
        on = on or timezone.localdate()
        expired = self.ad_review_valid_until is not None and self.ad_review_valid_until < on
        return bool(self.live and self.is_active and not expired)

    def ad_is_offered(self) -> bool:
        """Whether this version offers the package to the public (上架). One that does not is
        an ad taken down: the gate lets it go live without a reviewer (taking an ad down
        never waits for one), and its publication ends the certificate's approval (see
        `publish`), so putting it up again needs the reviewer."""
        return self.is_active

    def publish(self, revision, user=None, **kwargs):
        """Every publication (the editor's 发布, revision.publish(), scheduled publishing,
        reverting) passes the medical-ad gate first; raises PermissionDenied when refused.

        A version taken down (下架) goes live with the approval of its text cleared in the
        revision itself (`ad_review_text_hash`, which the next draft starts from): the
        certificate number and validity stay on record, but the reviewer confirms again
        before the package is put up (review of issue 17, round 2, H2)."""
        from funnel.ad_gate import ad_publish_check

        candidate = revision.as_object()
        ad_publish_check(candidate, user, revision)
        if not candidate.ad_is_offered() and revision.content.get("ad_review_text_hash"):
            revision.content["ad_review_text_hash"] = ""
            revision.save(update_fields=["content"])
        return super().publish(revision, user=user, **kwargs)

    def get_lock(self):
        """Wagtail's scheduled lock, which the medical-ad reviewer may pass to withdraw the
        certificate (`funnel.ad_gate.ScheduledAdLock`)."""
        from wagtail.locks import ScheduledForPublishLock

        from funnel.ad_gate import ScheduledAdLock

        lock = super().get_lock()
        return ScheduledAdLock(self) if isinstance(lock, ScheduledForPublishLock) else lock

    def ad_review_current(self) -> bool:
        """A certificate is recorded and its printed validity has not passed (Asia/Shanghai)."""
        until = self.ad_review_valid_until
        return bool(self.ad_review_certificate) and (until is None or until >= timezone.localdate())

    def ad_review_ends_at(self) -> dt.datetime | None:
        """The Asia/Shanghai midnight after the certificate's last valid day (aware), where
        a cached package page must end; None without a dated certificate."""
        if not (self.ad_review_certificate and self.ad_review_valid_until):
            return None
        next_day = self.ad_review_valid_until + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(next_day, dt.time.min))

    def promo_active(self, now: dt.datetime | None = None) -> bool:
        """A promo price below the list price, until its deadline (when one is set)."""
        if self.promo_price is None or self.promo_price >= self.list_price:
            return False
        return self.deadline is None or self.deadline > (now or timezone.now())

    @property
    def price(self) -> Decimal:
        """The price a patient pays now (yuan): the promo ends at its deadline."""
        return self.promo_price if self.promo_active() else self.list_price


def supervisor_field() -> models.ForeignKey:
    """The user who answers for leads of a clinic or pool (alerted on a missed SLA)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="主管",
    )


class Clinic(models.Model):
    """门店 / 机构: a physical location; assistants belong to one."""

    name = models.CharField("名称", max_length=100, unique=True)
    city = models.CharField("城市", max_length=50, blank=True, default="")
    # Who hears of a lead its pool cannot place (a missed 加微 SLA with everyone at cap) when
    # the lead's pool names no supervisor of its own.
    supervisor = supervisor_field()

    class Meta:
        verbose_name = "门店"
        verbose_name_plural = "门店"

    def __str__(self) -> str:
        return self.name


class Assistant(models.Model):
    """医助 / 理疗师: owns routed leads. Weight and daily cap drive the 活码 distribution."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistant",
    )
    name = models.CharField("姓名", max_length=50)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="assistants"
    )
    specialties = models.ManyToManyField(Specialty, blank=True, verbose_name="擅长专科")
    daily_cap = models.PositiveIntegerField("每日上限", null=True, blank=True)
    is_active = models.BooleanField("在职", default=True)
    on_duty = models.BooleanField("当班", default=True)
    work_start = models.TimeField("上班时间", null=True, blank=True)
    work_end = models.TimeField("下班时间", null=True, blank=True)
    wecom_userid = models.CharField("企业微信 userid", max_length=64, blank=True, default="")
    wecom_qr_url = models.URLField("企业微信联系我二维码", max_length=500, blank=True, default="")
    title = models.CharField("职称 / 介绍", max_length=100, blank=True, default="")

    class Meta:
        verbose_name = "医助"
        verbose_name_plural = "医助"
        ordering = ["pk"]
        constraints = [
            # One WeCom member is one assistant: the board finds KPIs, contacts and transfers
            # by this userid (WeCom's userids ignore case, 成员 UserID 不区分大小写).
            models.UniqueConstraint(
                Lower("wecom_userid"),
                condition=~models.Q(wecom_userid=""),
                name="assistant_wecom_userid_unique",
                violation_error_message="该企业微信 userid 已属于另一位医助",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AssistantPool(models.Model):
    """活码: hands leads to its members by weight; overflow takes over when all are full."""

    name = models.CharField("名称", max_length=100)
    slug = models.SlugField("标识", max_length=80, unique=True)
    overflow = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="溢出活码"
    )
    sla_minutes = models.PositiveIntegerField("加微时限（分钟）", default=30)
    is_active = models.BooleanField("启用", default=True)
    # The lead's supervisor: alerted when a missed SLA finds nobody to take the lead over.
    # Empty → the supervisor of the assistant's clinic.
    supervisor = supervisor_field()

    class Meta:
        verbose_name = "活码"
        verbose_name_plural = "活码"

    def __str__(self) -> str:
        return self.name


class PoolMember(models.Model):
    """One assistant in one pool. `current_weight` is the smooth weighted round-robin state,
    kept in the database and changed only under a row lock so many workers stay exact."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    pool = models.ForeignKey(AssistantPool, on_delete=models.CASCADE, related_name="members")
    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="memberships")
    weight = models.PositiveIntegerField("权重", default=1)
    current_weight = models.IntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "活码成员"
        verbose_name_plural = "活码成员"
        constraints = [
            models.UniqueConstraint(fields=["pool", "assistant"], name="poolmember_unique"),
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="poolmember_weight_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} · {self.assistant} ×{self.weight}"


class AssistantDayLoad(models.Model):
    """How many leads an assistant got on one (Asia/Shanghai) day: the daily-cap counter."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="day_loads")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assistant", "day"], name="assistantdayload_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assistant} {self.day}: {self.count}"


class PrivateGroup(models.Model):
    """私域社群: a WeCom group or a time-boxed camp (e.g. 13 天控糖营) run by an assistant."""

    class Kind(models.TextChoices):
        GROUP = "group", "长期社群"
        CAMP = "camp", "限时训练营"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.GROUP)
    specialty = models.ForeignKey(
        Specialty, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="专科"
    )
    owner = models.ForeignKey(
        Assistant, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="群主医助"
    )
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="门店"
    )
    capacity = models.PositiveIntegerField("容量", default=200)
    opens_on = models.DateField("开营日期", null=True, blank=True)
    closes_on = models.DateField("结营日期", null=True, blank=True)
    wecom_chat_id = models.CharField("企业微信群 ID", max_length=64, blank=True, default="")
    # Current members, changed only by funnel.services.groups under this row's lock; the
    # constraint below is the last word on capacity, whatever path writes.
    member_count = models.PositiveIntegerField("当前人数", default=0, editable=False)

    class Meta:
        verbose_name = "私域社群"
        verbose_name_plural = "私域社群"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member_count__lte=models.F("capacity")),
                name="privategroup_within_capacity",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(opens_on__isnull=True)
                | models.Q(closes_on__gte=models.F("opens_on")),
                name="privategroup_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk and self.capacity < self.member_count:
            raise ValidationError({"capacity": f"容量不能小于当前人数（{self.member_count}）"})


class GroupMembership(models.Model):
    """One stay of a lead in a group or camp: joined, and left (null while still in).
    A lead may re-join after leaving (a new row); at most one open stay per group and lead."""

    wagtail_reference_index_ignore = True

    group = models.ForeignKey(
        PrivateGroup, on_delete=models.CASCADE, related_name="memberships", verbose_name="社群"
    )
    lead = models.ForeignKey(
        "Lead", on_delete=models.CASCADE, related_name="group_memberships", verbose_name="线索"
    )
    source = models.CharField("入群方式", max_length=20, default="manual")  # manual | rule
    joined_at = models.DateTimeField("入群时间")
    left_at = models.DateTimeField("退群时间", null=True, blank=True)

    class Meta:
        verbose_name = "社群成员"
        verbose_name_plural = "社群成员"
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "lead"],
                condition=models.Q(left_at__isnull=True),
                name="groupmembership_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · 线索 #{self.lead_id}"


class ScoringRule(models.Model):
    """One rule of the lead score; the lead keeps the list of rules that fired."""

    class Kind(models.TextChoices):
        SPECIALTY_MATCH = "specialty_match", "专科匹配"
        COMPLETENESS = "completeness", "资料完整度"
        CHANNEL = "channel", "渠道"
        KEYWORD_INTENT = "keyword_intent", "关键词意向"
        AGE_BAND = "age_band", "年龄段"
        REPEAT_TOUCH = "repeat_touch", "重复触达"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    # channel: {"channels": [...]}; keyword_intent: {"words": [...]}; age_band: {"min", "max"}
    params = models.JSONField("参数", default=dict, blank=True)
    points = models.IntegerField("分值")
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评分规则"
        verbose_name_plural = "评分规则"
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Ordered: the first active rule whose conditions all hold picks package and pool."""

    name = models.CharField("名称", max_length=100)
    priority = models.PositiveIntegerField("优先级（小者先）", default=100)
    is_active = models.BooleanField("启用", default=True)
    specialty = models.ForeignKey(
        Specialty, null=True, blank=True, on_delete=models.CASCADE, verbose_name="专科"
    )
    channel = models.CharField("渠道", max_length=20, blank=True, default="")
    city = models.CharField("城市", max_length=50, blank=True, default="")
    keyword_contains = models.CharField("关键词包含", max_length=100, blank=True, default="")
    min_age = models.PositiveSmallIntegerField("最小年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("最大年龄", null=True, blank=True)
    min_score = models.IntegerField("最低评分", null=True, blank=True)
    package = models.ForeignKey(
        ServicePackage, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="推荐服务包"
    )
    pool = models.ForeignKey(AssistantPool, on_delete=models.PROTECT, verbose_name="活码")
    group = models.ForeignKey(
        PrivateGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name="加入社群 / 训练营",
        help_text="匹配的线索同时加入此社群（满员或已结营则不加入，时间线有记录）",
    )

    class Meta:
        verbose_name = "分配规则"
        verbose_name_plural = "分配规则"
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    """Where a lead can come from: the ad platforms the connectors speak to, and our own
    sources (landing form, lead API, CSV import, referral). Defined here, in the funnel's
    vocabulary, because intake, touchpoints, spend and reports all key on it."""

    DOUYIN = "douyin", "抖音（巨量引擎）"
    XIAOHONGSHU = "xiaohongshu", "小红书（聚光）"
    BAIDU = "baidu", "百度（营销）"
    LANDING = "landing", "落地页表单"
    API = "api", "线索 API"
    CSV = "csv", "CSV 导入"
    REFERRAL = "referral", "转介绍"
    WECOM = "wecom", "企业微信"  # private-domain events (add / delete contact), not ad leads


class Stage(models.TextChoices):
    NEW = "new", "新线索"
    CONTACTED = "contacted", "已加微"
    PROFILED = "profiled", "已建档"
    CONSULTED = "consulted", "已问诊"
    PRESCRIBED = "prescribed", "已开方"
    PAID = "paid", "已支付"
    REPURCHASED = "repurchased", "已复购"
    INVALID = "invalid", "无效"
    LOST = "lost", "流失"


# The main path in order (invalid and lost are side exits): transitions, report ranks and the
# funnel's columns all read it from here.
STAGE_MAIN_PATH = [
    Stage.NEW,
    Stage.CONTACTED,
    Stage.PROFILED,
    Stage.CONSULTED,
    Stage.PRESCRIBED,
    Stage.PAID,
    Stage.REPURCHASED,
]


class ShanghaiDate(models.Func):
    """The Asia/Shanghai calendar day of a UTC timestamp, as SQL both databases accept in a
    generated column (a fixed +8 h on SQLite: Shanghai has kept no DST since 1991)."""

    output_field = models.DateField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((%(expressions)s) AT TIME ZONE 'Asia/Shanghai')::date",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s, '+8 hours')", **extra_context
        )


class Lead(models.Model):
    """One person, identified by phone (线索 / 患者)."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    phone_hash = models.CharField("手机号指纹", max_length=64, unique=True, editable=False)
    phone = EncryptedTextField("手机号", editable=False)  # E.164, encrypted
    name = EncryptedTextField("姓名", blank=True, default="")
    wechat_id = EncryptedTextField("微信号", blank=True, default="")
    answers = EncryptedJSONField("健康问答", null=True, blank=True)  # sensitive (PIPL Art. 28)
    # stored as intake reads it ("m" / "f", `services.ingest.GENDERS`), shown in Chinese
    gender = models.CharField(
        "性别", max_length=1, blank=True, default="", choices=[("m", "男"), ("f", "女")]
    )
    age = models.PositiveSmallIntegerField("年龄", null=True, blank=True)
    city = models.CharField("城市", max_length=50, blank=True, default="")
    specialty = models.ForeignKey(
        Specialty, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    stage = models.CharField(
        "阶段", max_length=20, choices=Stage.choices, default=Stage.NEW, db_index=True
    )
    birthday = models.DateField("生日", null=True, blank=True)
    score = models.IntegerField("评分", default=0)
    score_explanation = models.JSONField("评分说明", default=list, blank=True)
    pool = models.ForeignKey(
        AssistantPool, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="活码"
    )
    assignee = models.ForeignKey(
        Assistant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name="医助",
    )
    assigned_at = models.DateTimeField("分配时间", null=True, blank=True)
    recommended_package = models.ForeignKey(
        ServicePackage, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="推荐服务包"
    )
    referral_code = models.CharField(
        "推荐码", max_length=16, null=True, blank=True, unique=True, editable=False
    )
    referred_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referees",
        verbose_name="推荐人",
    )
    consent_version = models.CharField("授权文本版本", max_length=40, blank=True, default="")
    consent_given_at = models.DateTimeField("授权时间", null=True, blank=True)
    consent_source = models.CharField("授权来源", max_length=40, blank=True, default="")
    consent_withdrawn_at = models.DateTimeField("撤回授权时间", null=True, blank=True)
    anonymized_at = models.DateTimeField("匿名化时间", null=True, blank=True)
    last_touch_at = models.DateTimeField("最近触达", null=True, blank=True)
    # When the person first submitted, as the source says (a platform's submit time, our form's
    # arrival): the day reports count the lead on. Ingest sets it; other writers get "now".
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Report facts: copies of what the stage events and the first touchpoint say,
    # kept by funnel.services.lead_facts so the growth reports read one table, not 5 M events.
    furthest_rank = models.PositiveSmallIntegerField(
        "最远阶段序号", default=0, editable=False, help_text="0 新线索 … 6 已复购（退出不降级）"
    )
    first_channel = models.CharField("首次触达渠道", max_length=20, default="", editable=False)
    first_campaign_id = models.CharField(
        "首次触达计划 ID", max_length=64, default="", editable=False
    )
    first_content_page_id = models.IntegerField("首次触达内容页 ID", null=True, editable=False)
    # The local creation day, kept by the database itself: reports group a million leads by
    # day/week/month, and a stored date is 3× cheaper to group by than converting every row.
    created_day = models.GeneratedField(
        expression=ShanghaiDate("created_at"), output_field=models.DateField(), db_persist=True
    )

    class Meta:
        verbose_name = "线索"
        verbose_name_plural = "线索"
        permissions = [
            ("reveal_pii", "可查看完整手机号与姓名"),
            ("assign_lead", "可分配 / 改派线索"),
            # PIPL Art. 15 on a patient's request: irreversible, so its own permission.
            ("withdraw_consent", "可撤回患者授权并匿名化"),
        ]
        indexes = [
            # Covers the report's scan: window on created_at, every group key and the reach,
            # so a year of a million leads is an index-only scan of ~60 bytes a lead.
            models.Index(
                fields=["created_at"],
                include=[
                    "id",
                    "created_day",
                    "first_channel",
                    "first_campaign_id",
                    "first_content_page_id",
                    "assignee",
                    "specialty",
                    "furthest_rank",
                ],
                name="lead_report_cover",
            )
        ]

    def __str__(self) -> str:
        return f"线索 #{self.pk}"


class Touchpoint(models.Model):
    """One arrival of a lead (触点). First and last touch drive attribution."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touchpoints")
    # One touchpoint per inbound record: an enriched re-send updates it instead of adding one.
    inbound = models.OneToOneField(
        "funnel.InboundLead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoint",
    )
    channel = models.CharField("渠道", max_length=20, db_index=True)
    account_name = models.CharField("账户", max_length=80, blank=True, default="")
    campaign_id = models.CharField("计划 ID", max_length=64, blank=True, default="", db_index=True)
    campaign_name = models.CharField("计划名称", max_length=200, blank=True, default="")
    adgroup_id = models.CharField("单元 ID", max_length=64, blank=True, default="")
    ad_id = models.CharField("广告 ID", max_length=64, blank=True, default="")
    creative_id = models.CharField("创意 ID", max_length=64, blank=True, default="")
    keyword = models.CharField("关键词", max_length=200, blank=True, default="")
    click_ids = models.JSONField("点击 ID", default=dict, blank=True)
    utm = models.JSONField("UTM", default=dict, blank=True)
    content_page_id = models.IntegerField("内容页 ID", null=True, blank=True, db_index=True)
    landing_page_id = models.IntegerField("落地页 ID", null=True, blank=True)
    referrer = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="referred_touchpoints"
    )
    is_first = models.BooleanField("首次触达", default=False)
    occurred_at = models.DateTimeField("发生时间", db_index=True)

    class Meta:
        verbose_name = "触点"
        verbose_name_plural = "触点"
        ordering = ["occurred_at", "pk"]
        constraints = [
            # At most one first touch per lead: attribution never double-counts a person.
            models.UniqueConstraint(
                fields=["lead"], condition=models.Q(is_first=True), name="touchpoint_one_first"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.campaign_name or self.campaign_id} {self.keyword}".strip()


class LeadEvent(models.Model):
    """Append-only history of a lead (事件): stage changes, assignments, reveals, notes."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        STAGE = "stage", "阶段变更"
        ASSIGN = "assign", "分配"
        REVEAL = "reveal", "查看完整信息"
        NOTE = "note", "备注"
        MERGE = "merge", "合并"
        CONSENT = "consent", "授权"
        TOUCH = "touch", "再次触达"
        SCORE = "score", "评分"
        RESERVE = "reserve", "预约服务包"
        GROUP = "group", "社群"
        FOLLOWUP = "followup", "跟进"
        CHURN = "churn", "流失信号"  # e.g. the patient deleted the assistant on WeCom

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, db_index=True)
    from_stage = models.CharField("原阶段", max_length=20, blank=True, default="")
    to_stage = models.CharField("新阶段", max_length=20, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("操作方", max_length=100, blank=True, default="")
    # Free text about a patient's health (staff, the API, stage changes): PII, encrypted.
    note = EncryptedTextField("备注", blank=True, default="")
    data = models.JSONField("数据", default=dict, blank=True)
    # When it happened (a new lead's event: when the person submitted); writers may say so.
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "线索事件"
        verbose_name_plural = "线索事件"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["lead", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_stage}→{self.to_stage}".strip()


class Order(models.Model):
    """A paid package (订单). Revenue for ROI; a lead's second paid order is a repurchase."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="orders")
    package = models.ForeignKey(
        ServicePackage, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField("支付时间", db_index=True)
    external_id = models.CharField("外部单号", max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "订单"
        verbose_name_plural = "订单"
        ordering = ["paid_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="order_amount_nonneg")
        ]

    def __str__(self) -> str:
        return f"订单 #{self.pk} ¥{self.amount}"


class DistinctLeadPair(models.Model):
    """Staff said these two leads are different people: never merge them."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    lead_low = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    lead_high = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead_low", "lead_high"], name="distinctpair_unique"),
            models.CheckConstraint(
                condition=models.Q(lead_low__lt=models.F("lead_high")), name="distinctpair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_low_id} ≠ {self.lead_high_id}"


class FollowUp(models.Model):
    """跟进: a due task. Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, never ETA tasks."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        REVISIT = "revisit", "复诊提醒"
        BIRTHDAY = "birthday", "生日关怀"
        REFILL = "refill", "续方提醒"
        PAYMENT_CHASE = "payment_chase", "催付"
        SLA_CHECK = "sla_check", "加微时限检查"
        CHURN = "churn", "被删除挽回"  # the patient deleted the assistant on WeCom
        # A reassigned patient's WeCom contact could not be transferred (the platform's limit,
        # a refusal): the new assistant asks them to add him or her.
        WECOM_READD = "wecom_readd", "请患者添加新医助"

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        QUEUED = "queued", "提醒待发送"  # its notification waits for the notifier
        SENT = "sent", "已提醒"  # the notifier confirmed delivery
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已取消"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="followups")
    assignee = models.ForeignKey(
        Assistant, null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    # A supervisor's task (被删除挽回: the patient deleted the assistant) belongs to a user,
    # not an assistant: shown on that user's admin home (「待我跟进」), not the assistant's page.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_followups",
        verbose_name="负责主管",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField("到期时间", db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # May carry what staff wrote about the patient: encrypted like every free text.
    note = EncryptedTextField("说明", max_length=200, blank=True, default="")
    sent_at = models.DateTimeField("提醒时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "跟进"
        verbose_name_plural = "跟进"
        ordering = ["due_at", "pk"]
        constraints = [
            # Rules may fire twice (retries, replays): the same reminder exists once.
            models.UniqueConstraint(fields=["lead", "kind", "due_at"], name="followup_unique")
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d}"


class ReferralReward(models.Model):
    """转介绍奖励: one ledger entry per paid order of a referred patient."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    referrer = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="referral_rewards")
    referee = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="referral_reward")
    amount = models.DecimalField("奖励金额（元）", max_digits=12, decimal_places=2, default=0)
    points = models.PositiveIntegerField("积分", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "转介绍奖励"
        verbose_name_plural = "转介绍奖励"

    def __str__(self) -> str:
        return f"¥{self.amount} / {self.points}分"


class ApiToken(models.Model):
    """A lead-API caller. Only the SHA-256 of the token is stored."""

    # High-volume operational rows: Wagtail's usage index is for content, not for these.
    wagtail_reference_index_ignore = True

    # What the caller may do (`funnel.services.tokens.SCOPES`): a website's form needs
    # leads:create only; marking leads paid (which reports revenue and sends the ad
    # platforms' conversions) is leads:events.
    SCOPE_CHOICES = [
        ("leads:create", "创建线索（POST /api/v1/leads）"),
        ("leads:events", "变更阶段与备注（POST /api/v1/leads/<id>/events）"),
    ]

    name = models.CharField("名称", max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField("权限范围", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        known = {value for value, _ in self.SCOPE_CHOICES}
        scopes = self.scopes if isinstance(self.scopes, list) else None
        if not scopes or not set(scopes) <= known:
            raise ValidationError({"scopes": "请至少选择一项，且只能选择列出的权限范围"})


class EliminationRule(models.Model):
    """淘汰规则: when a channel or campaign should be flagged for the growth team to drop.

    Edited in the admin; the daily task evaluates every active rule and sends the flags, with
    the figures behind each one, through the notifier.
    """

    class Dimension(models.TextChoices):
        CHANNEL = "channel", "渠道"
        CAMPAIGN = "campaign", "计划"

    name = models.CharField("名称", max_length=100)
    dimension = models.CharField(
        "维度", max_length=20, choices=Dimension.choices, default=Dimension.CAMPAIGN
    )
    max_cac = models.DecimalField(
        "获客成本上限（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    min_conversion_rate = models.DecimalField(
        "N 天转化率下限（0–1）",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="例如 0.05 表示 5%",
    )
    after_days = models.PositiveIntegerField("转化观察天数 N", default=30)
    lookback_days = models.PositiveIntegerField("统计最近天数", default=90)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "淘汰规则"
        verbose_name_plural = "淘汰规则"
        permissions = [("view_growth_reports", "可查看增长报表")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_conversion_rate__isnull=True)
                | models.Q(min_conversion_rate__gte=0, min_conversion_rate__lte=1),
                name="eliminationrule_rate_share",
            )
        ]

    def __str__(self) -> str:
        return self.name


class LeadAlias(models.Model):
    """Another phone of a lead: the phone of a lead merged into it. A later record with that
    phone joins this lead. Only the keyed hash is kept (as on the lead)."""

    wagtail_reference_index_ignore = True

    phone_hash = models.CharField("手机号指纹", max_length=64, unique=True, editable=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合并手机号"
        verbose_name_plural = "合并手机号"

    def __str__(self) -> str:
        return f"线索 #{self.lead_id} 的合并手机号"


class ReferralCodeAlias(models.Model):
    """Another referral code of a lead: the code of a lead merged into it whose own code the
    kept lead did not take (it had one). The patient shared that code, on paper and in QR
    codes: it keeps landing on their specialty page and binding new people to them. Codes and
    aliases share one namespace (a new code is never an alias's, `referral_code_ensure`)."""

    wagtail_reference_index_ignore = True

    code = models.CharField("推荐码", max_length=16, unique=True, editable=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="referral_aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合并推荐码"
        verbose_name_plural = "合并推荐码"

    def __str__(self) -> str:
        return f"线索 #{self.lead_id} 的合并推荐码"
