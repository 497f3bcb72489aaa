"""Staff notifications (reminders, alerts) waiting for, or confirmed by, the notifier."""

from __future__ import annotations

from django.db import models

from funnel.crypto import EncryptedTextField
from funnel.models.core import FollowUp


class Notification(models.Model):
    """One message to staff. Queued first, sent at the notifier's pace (a WeCom group robot
    takes 20 a minute), marked sent only when the notifier confirmed it; a follow-up reminder
    is marked sent with it. Bodies carry masked names only, and a reminder's body carries the
    follow-up's note (what staff wrote about the person): title and body are encrypted at rest
    (issue 13), wiped when the person is anonymized."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    # Callers cut the title to 200 characters (`notifications_queue`); the column holds the
    # longer token.
    title = EncryptedTextField("标题")
    body = EncryptedTextField("内容", blank=True, default="")
    level = models.CharField("级别", max_length=20, default="info")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True, default="")
    followup = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True, db_index=True)
    # Set while a worker sends it (outside any transaction): counted against the pace, not
    # taken by another worker until the lease runs out (a worker that died leaves it due).
    claimed_at = models.DateTimeField("发送中（领取时间）", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx")]

    def __str__(self) -> str:
        return self.title
