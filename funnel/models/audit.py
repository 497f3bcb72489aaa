"""Audit of bulk PII exports: who took which people's full phones and names out, and when."""

from __future__ import annotations

from django.db import models


class ExportAudit(models.Model):
    """One export that revealed PII (`export_leads --reveal`): written before the first row
    leaves, completed with the row count at the end (an export that died midway keeps
    `rows` empty). Never edited afterwards."""

    wagtail_reference_index_ignore = True

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    what = models.CharField("导出", max_length=60)  # command or admin view
    operator = models.CharField("操作人", max_length=150)  # --operator, else the OS user
    os_user = models.CharField("系统用户", max_length=150, blank=True, default="")
    revealed = models.BooleanField("含完整信息", default=True)
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    output_format = models.CharField("格式", max_length=10, blank=True, default="")
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出审计"
        verbose_name_plural = "导出审计"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.what} {self.operator} {self.at:%Y-%m-%d %H:%M}"
