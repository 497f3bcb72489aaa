"""Ad-platform accounts and the inbound inbox every raw lead lands in first."""

from __future__ import annotations

from django.db import models

from funnel.crypto import EncryptedJSONField, EncryptedTextField


class Channel(models.TextChoices):
    DOUYIN = "douyin", "抖音（巨量引擎）"
    XIAOHONGSHU = "xiaohongshu", "小红书（聚光）"
    BAIDU = "baidu", "百度（营销）"
    LANDING = "landing", "落地页表单"
    API = "api", "线索 API"
    CSV = "csv", "CSV 导入"
    REFERRAL = "referral", "转介绍"


PLATFORM_CHANNELS = [Channel.DOUYIN, Channel.XIAOHONGSHU, Channel.BAIDU]


class ChannelAccount(models.Model):
    """One advertiser account on a platform. Secrets and tokens are encrypted at rest."""

    # Nothing here references pages or images: skip Wagtail's per-save reference indexing.
    wagtail_reference_index_ignore = True

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    name = models.SlugField("账户名", max_length=80, allow_unicode=True)
    api_base_url = models.URLField("API 地址", blank=True, default="")
    advertiser_id = models.CharField("广告主 ID", max_length=64, blank=True, default="")
    app_id = models.CharField("应用 ID", max_length=128, blank=True, default="")
    secret = EncryptedTextField("应用密钥", blank=True, default="")
    access_token = EncryptedTextField("访问令牌", blank=True, default="")
    refresh_token = EncryptedTextField("刷新令牌", blank=True, default="")
    token_expires_at = models.DateTimeField("令牌过期时间", null=True, blank=True)
    webhook_secret = EncryptedTextField("推送密钥", blank=True, default="")
    settings = models.JSONField("其他配置", default=dict, blank=True)  # non-secret knobs
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Baidu OCPC upload token and similar postback credentials (secret, so encrypted).
    postback_token = EncryptedTextField("回传令牌", blank=True, default="")
    # Health, written by the pull and spend services (shown in the admin).
    last_pull_at = models.DateTimeField("上次拉取", null=True, blank=True)
    last_success_at = models.DateTimeField("上次成功", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True, default="")
    consecutive_failures = models.PositiveIntegerField("连续失败次数", default=0)

    class Meta:
        verbose_name = "广告账户"
        verbose_name_plural = "广告账户"
        constraints = [
            models.UniqueConstraint(fields=["channel", "name"], name="channelaccount_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.name}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "已接收"
    PROCESSED = "processed", "已入库"
    QUARANTINED = "quarantined", "隔离"


class InboundLead(models.Model):
    """A raw record exactly as a source sent it (原始线索). Nothing is processed before this row
    is committed; (channel, account_name, external_id) is unique so replays are no-ops."""

    # Nothing here references pages or images: skip Wagtail's per-save reference indexing.
    wagtail_reference_index_ignore = True

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    account = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound"
    )
    # Denormalised so the unique constraint also holds for our own forms (no account row).
    account_name = models.CharField("账户名", max_length=80, blank=True, default="")
    external_id = models.CharField("外部 ID", max_length=128)
    raw = EncryptedJSONField("原始数据")
    payload = EncryptedJSONField("标准化数据", null=True, blank=True)  # LeadPayload.to_dict()
    status = models.CharField(
        "状态", max_length=20, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.CharField("原因代码", max_length=64, blank=True, default="")
    detail = models.TextField("说明", blank=True, default="")
    lead = models.ForeignKey(
        "funnel.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    result = models.CharField("处理结果", max_length=20, blank=True, default="")  # created/merged
    attempts = models.PositiveIntegerField("处理次数", default=0)
    received_at = models.DateTimeField("接收时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    processed_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "原始线索"
        verbose_name_plural = "原始线索"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "account_name", "external_id"], name="inboundlead_unique_source"
            )
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel}/{self.account_name or '-'}/{self.external_id}"


class SpendRecord(models.Model):
    """消耗: one campaign's cost, impressions and clicks on one day, as the platform reports."""

    # Nothing here references pages or images: skip Wagtail's per-save reference indexing.
    wagtail_reference_index_ignore = True

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="spend")
    campaign_id = models.CharField("计划 ID", max_length=64)
    campaign_name = models.CharField("计划名称", max_length=200, blank=True, default="")
    date = models.DateField("日期", db_index=True)
    cost = models.DecimalField("消耗（元）", max_digits=14, decimal_places=2)
    impressions = models.PositiveBigIntegerField("展示", default=0)
    clicks = models.PositiveBigIntegerField("点击", default=0)
    conversions = models.PositiveBigIntegerField("平台转化", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "消耗"
        verbose_name_plural = "消耗"
        constraints = [
            # A re-import of the same day replaces the figures (upsert), never adds to them.
            models.UniqueConstraint(
                fields=["account", "campaign_id", "date"], name="spendrecord_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.campaign_name or self.campaign_id} {self.date}"


class PullCheckpoint(models.Model):
    """Where an account's lead pull stands, per stream (Douyin: clue; Baidu: solution type).

    `cursor` is the end of the last window pulled completely; `window_*`/`next_page` describe
    a run in progress, so an interrupted pull resumes at the first page not yet stored. It is
    only ever written under select_for_update, in the transaction that stored the page.
    """

    # Nothing here references pages or images: skip Wagtail's per-save reference indexing.
    wagtail_reference_index_ignore = True

    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="checkpoints"
    )
    stream = models.CharField("数据流", max_length=40, default="leads")
    cursor = models.DateTimeField("已拉取至", null=True, blank=True)
    window_start = models.DateTimeField("本轮开始", null=True, blank=True)
    window_end = models.DateTimeField("本轮结束", null=True, blank=True)
    next_page = models.PositiveIntegerField("下一页", default=1)
    pages_done = models.PositiveIntegerField("已完成页数", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "拉取检查点"
        verbose_name_plural = "拉取检查点"
        constraints = [
            models.UniqueConstraint(fields=["account", "stream"], name="pullcheckpoint_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.stream} @ {self.cursor}"
