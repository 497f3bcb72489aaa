"""The register of 医疗广告审查证明 numbers: one certificate approves one ad."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models


class AdReviewCertificate(models.Model):
    """One row per certificate number ever recorded, naming the ad (a page or a service
    package) it was recorded for. The unique `number` (normalised: no spaces, ASCII
    brackets) is what makes recording the number on a second ad fail even when two
    reviewers do it at the same moment (`cms.compliance.gate.certificate_claim`)."""

    number = models.CharField("审查证明文号（规范化）", max_length=80, unique=True)
    shown = models.CharField("审查证明文号", max_length=80)
    # a page is registered under wagtailcore.Page (page ids are unique across page types)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name="对象类型"
    )
    object_id = models.CharField("对象 ID", max_length=64)
    recorded_at = models.DateTimeField("首次记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "医疗广告审查证明登记"
        verbose_name_plural = "医疗广告审查证明登记"

    def __str__(self) -> str:
        return self.shown
