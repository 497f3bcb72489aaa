"""Intake: every raw record, from any source, stored before anything else happens (原始线索)."""

from __future__ import annotations

from django.db import models

from funnel.crypto import EncryptedJSONField
from funnel.models.core import Channel


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "已接收"
    PROCESSED = "processed", "已入库"
    QUARANTINED = "quarantined", "隔离"
    # The person withdrew consent or passed the retention period: the copy is wiped and a
    # re-send of the same record (same source and external id) is refused, not re-processed.
    ANONYMIZED = "anonymized", "已匿名化"


class InboundLead(models.Model):
    """A raw record exactly as a source sent it (原始线索). Nothing is processed before this row
    is committed; (channel, account_name, external_id) is unique so replays are no-ops.

    The source is named, not linked: `channel` plus the ad account's name ("" for our own
    form, the lead API and CSV import), so the funnel knows where a record came from without
    knowing the connectors' account table. The table keeps its first name (it was created by
    the channels app) so existing rows stay where they are."""

    # Nothing here references pages or images: skip Wagtail's per-save reference indexing.
    wagtail_reference_index_ignore = True

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
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
        db_table = "channels_inboundlead"
        verbose_name = "原始线索"
        verbose_name_plural = "原始线索"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "account_name", "external_id"], name="inboundlead_unique_source"
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="channels_in_status_107179_idx")
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.account_name or '-'}/{self.external_id}"
