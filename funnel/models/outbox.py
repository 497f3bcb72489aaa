"""The outbox: a committed lead event handed to each listener another app registered."""

from __future__ import annotations

from django.db import models

from funnel.models.core import LeadEvent


class OutboxDelivery(models.Model):
    """One event for one listener (e.g. a stage change for the conversion postbacks).

    Written in the transaction that wrote the event, so a delivery exists exactly when its
    event committed; delivered after commit and, whatever happens to that attempt (a lost
    task, a platform outage, eager mode without a worker), retried by `outbox_sweep` with
    back-off until it succeeds or runs out of tries. Nothing is dropped silently: a delivery
    that gave up stays here, `failed`, with its last error."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PENDING = "pending", "待投递"
        DONE = "done", "已投递"
        FAILED = "failed", "投递失败"

    event = models.ForeignKey(LeadEvent, on_delete=models.CASCADE, related_name="deliveries")
    listener = models.CharField("监听方", max_length=100)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True, default="")
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("投递时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件投递"
        verbose_name_plural = "事件投递"
        constraints = [
            models.UniqueConstraint(fields=["event", "listener"], name="outbox_one_per_listener")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.listener} ← 事件 #{self.event_id}（{self.get_status_display()}）"
