"""Ad spend facts (消耗), in the funnel's vocabulary: the denominator of CPL, CAC and ROI."""

from __future__ import annotations

from django.db import models

from funnel.models.core import Channel


class SpendRecord(models.Model):
    """消耗: one campaign's cost, impressions and clicks on one day, as the platform reports.

    Written by the connectors through `funnel.services.spend.spend_records_upsert`; read by
    the reports. The account is named (`channel` + `account_name`, as on intake records and
    touchpoints) rather than linked, so the funnel does not depend on the connectors. The
    table keeps the name the channels app gave it."""

    # Nothing here references pages or images: skip Wagtail's per-save reference indexing.
    wagtail_reference_index_ignore = True

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    account_name = models.CharField("账户名", max_length=80)
    campaign_id = models.CharField("计划 ID", max_length=64)
    campaign_name = models.CharField("计划名称", max_length=200, blank=True, default="")
    date = models.DateField("日期", db_index=True)
    cost = models.DecimalField("消耗（元）", max_digits=14, decimal_places=2)
    impressions = models.PositiveBigIntegerField("展示", default=0)
    clicks = models.PositiveBigIntegerField("点击", default=0)
    conversions = models.PositiveBigIntegerField("平台转化", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        db_table = "channels_spendrecord"
        verbose_name = "消耗"
        verbose_name_plural = "消耗"
        constraints = [
            # A re-import of the same day replaces the figures (upsert), never adds to them.
            models.UniqueConstraint(
                fields=["channel", "account_name", "campaign_id", "date"],
                name="spendrecord_unique_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.campaign_name or self.campaign_id} {self.date}"


class AssistantBehaviorDay(models.Model):
    """One WeCom member's customer-contact activity on one Asia/Shanghai day, as WeCom reports
    it (`externalcontact/get_user_behavior_data`, WECOM_FACTS.md "Member behaviour data").

    Written by the WeCom connector through `funnel.services.activity.behavior_days_upsert`
    (a re-import of a day replaces its figures); read by the assistant board, which finds the
    assistant by `Assistant.wecom_userid`. Like spend, the account is named, not linked, so
    the funnel does not depend on the connector. Counts are per day; `reply_percentage` is
    0–100 (percent of chats the member replied to), `avg_reply_time` minutes; both are null
    when WeCom gives none (no chat that day)."""

    wagtail_reference_index_ignore = True

    account_name = models.CharField("企业微信账户", max_length=80)
    userid = models.CharField("成员 userid", max_length=64)
    day = models.DateField("日期（北京时间）", db_index=True)
    new_apply_cnt = models.PositiveIntegerField("发起申请数", default=0)
    new_contact_cnt = models.PositiveIntegerField("新增客户数", default=0)
    chat_cnt = models.PositiveIntegerField("聊天数", default=0)
    message_cnt = models.PositiveIntegerField("发送消息数", default=0)
    reply_percentage = models.DecimalField(
        "已回复聊天占比（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    avg_reply_time = models.PositiveIntegerField("平均首次回复时长（分钟）", null=True, blank=True)
    negative_feedback_cnt = models.PositiveIntegerField("删除 / 拉黑成员的客户数", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "医助企业微信行为数据"
        verbose_name_plural = "医助企业微信行为数据"
        constraints = [
            models.UniqueConstraint(
                fields=["account_name", "userid", "day"], name="assistantbehaviorday_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.userid} {self.day}"
