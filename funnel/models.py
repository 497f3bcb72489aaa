"""Funnel models. PII columns are encrypted (funnel.crypto); the phone is found by its HMAC.

This module holds the shared core (specialty, package, lead, touchpoint, event, order) that
channels, landing and analytics build on; routing, scoring and follow-up models sit beside it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

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


class ServicePackage(models.Model):
    """服务包: a priced bundle; stock and deadline are shown only when set (honest urgency)."""

    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="packages")
    name = models.CharField("名称", max_length=100)
    slug = models.SlugField("标识", max_length=80, unique=True)
    summary = models.CharField("一句话介绍", max_length=200, blank=True, default="")
    includes = models.TextField("包含内容（每行一项）", blank=True, default="")
    list_price = models.DecimalField("原价（元）", max_digits=10, decimal_places=2)
    promo_price = models.DecimalField(
        "优惠价（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    duration_days = models.PositiveIntegerField("服务天数", default=30)
    stock = models.PositiveIntegerField("剩余名额", null=True, blank=True)
    deadline = models.DateTimeField("优惠截止", null=True, blank=True)
    is_active = models.BooleanField("上架", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

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
    def price(self) -> Decimal:
        return self.promo_price if self.promo_price is not None else self.list_price


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


class Lead(models.Model):
    """One person, identified by phone (线索 / 患者)."""

    phone_hash = models.CharField("手机号指纹", max_length=64, unique=True, editable=False)
    phone = EncryptedTextField("手机号", editable=False)  # E.164, encrypted
    name = EncryptedTextField("姓名", blank=True, default="")
    wechat_id = EncryptedTextField("微信号", blank=True, default="")
    answers = EncryptedJSONField("健康问答", null=True, blank=True)  # sensitive (PIPL Art. 28)
    gender = models.CharField("性别", max_length=1, blank=True, default="")
    age = models.PositiveSmallIntegerField("年龄", null=True, blank=True)
    city = models.CharField("城市", max_length=50, blank=True, default="")
    specialty = models.ForeignKey(
        Specialty, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    stage = models.CharField(
        "阶段", max_length=20, choices=Stage.choices, default=Stage.NEW, db_index=True
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "线索"
        verbose_name_plural = "线索"
        permissions = [("reveal_pii", "可查看完整手机号与姓名")]

    def __str__(self) -> str:
        return f"线索 #{self.pk}"


class Touchpoint(models.Model):
    """One arrival of a lead (触点). First and last touch drive attribution."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touchpoints")
    # One touchpoint per inbound record: an enriched re-send updates it instead of adding one.
    inbound = models.OneToOneField(
        "channels.InboundLead",
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

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, db_index=True)
    from_stage = models.CharField("原阶段", max_length=20, blank=True, default="")
    to_stage = models.CharField("新阶段", max_length=20, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("操作方", max_length=100, blank=True, default="")
    note = models.TextField("备注", blank=True, default="")
    data = models.JSONField("数据", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "线索事件"
        verbose_name_plural = "线索事件"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["lead", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_stage}→{self.to_stage}".strip()


class Order(models.Model):
    """A paid package (订单). Revenue for ROI; a lead's second paid order is a repurchase."""

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
