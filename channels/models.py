"""Ad-platform accounts and where each account's lead pull stands. Raw records and spend
facts belong to the funnel (`funnel.models.intake`, `funnel.models.spend`)."""

from __future__ import annotations

from django.db import models

from funnel.crypto import EncryptedTextField
from funnel.models import Channel


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


class PullCheckpoint(models.Model):
    """Where an account's lead pull stands, per stream (Douyin: clue; Baidu: solution type).

    `cursor` is the end of the last window pulled completely; `window_*`/`next_page` and the
    window's count (`rows_received`, `first_page_rows`, `last_page_ids`) describe a run in
    progress, so an interrupted pull resumes at the first page not yet stored and still knows
    how much of the list it has. It is only ever written under select_for_update, in the
    transaction that stored the page.
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
    # How far the window's list has been read, by what the server returned (channels.base.
    # PageCount): distinct rows so far, the rows its first page held (the server's own page
    # size) and the last stored page's lead ids (a re-sent row is recognised after a resume).
    rows_received = models.PositiveIntegerField("本轮已收条数", default=0)
    first_page_rows = models.PositiveIntegerField("本轮首页条数", default=0)
    last_page_ids = models.JSONField("上一页线索 ID", default=list, blank=True)
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


class PostbackLog(models.Model):
    """One conversion postback to one platform: a stage event of a lead, reported for one click
    or platform lead id (`target`). Planned when the stage event is published (its own outbox
    listener, which cannot fail on the network), marked sent by the sending listener.

    A failed send is not written here: the outbox undoes a failing listener's writes and keeps
    the error on its delivery row (`funnel.OutboxDelivery`, listener `channels.postbacks`), so a
    row still `pending` is read together with that delivery (tries, last error, given up) by
    `channels.selectors`."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PENDING = "pending", "待回传"
        SENT = "sent", "已回传"

    event = models.ForeignKey(
        "funnel.LeadEvent", on_delete=models.CASCADE, related_name="postbacks"
    )
    lead = models.ForeignKey("funnel.Lead", on_delete=models.CASCADE, related_name="postbacks")
    platform = models.CharField("平台", max_length=20, choices=Channel.choices)
    kind = models.CharField("回传方式", max_length=30)  # clue_callback, conversion_api, ocpc
    account_name = models.CharField("账户", max_length=80)
    stage = models.CharField("阶段", max_length=20)
    platform_event = models.CharField("平台事件", max_length=40)
    target = models.CharField("点击/线索 ID", max_length=255)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveIntegerField("尝试次数", default=0)
    last_answer = models.CharField("平台应答", max_length=500, blank=True, default="")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("回传时间", null=True, blank=True)

    class Meta:
        verbose_name = "回传记录"
        verbose_name_plural = "回传记录"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "platform", "kind", "target"], name="postbacklog_one_per_send"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="postbacklog_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.stage}→{self.platform_event}"


from channels.wecom.models import (  # noqa: E402, F401  (WeCom tables)
    WecomAccount,
    WecomChatMember,
    WecomContact,
    WecomContactWay,
    WecomGroupWay,
    WecomTagMark,
    WecomTransfer,
    WecomWelcome,
    WecomWelcomeTemplate,
)
