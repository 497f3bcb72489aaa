"""One row per Baidu link submission, so editors can see what was pushed and what Baidu said."""

from __future__ import annotations

from django.db import models


class BaiduPush(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        SUCCESS = "success", "已收录提交"
        FAILED = "failed", "失败"
        SKIPPED = "skipped", "已跳过"

    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="页面",
    )
    url = models.URLField("链接", max_length=500)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    http_status = models.PositiveSmallIntegerField("HTTP 状态码", null=True, blank=True)
    response = models.JSONField("百度返回", default=dict, blank=True)
    tries = models.PositiveSmallIntegerField("尝试次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    pushed_at = models.DateTimeField("最近推送时间", null=True, blank=True)

    class Meta:
        verbose_name = "百度推送"
        verbose_name_plural = "百度推送"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.url} ({self.get_status_display()})"
