"""Idempotency keys of the lead API: what a client's retried request already did."""

from __future__ import annotations

from django.db import models

from funnel.models.core import ApiToken


class IdempotencyKey(models.Model):
    """One (API client, endpoint, `Idempotency-Key`) and the answer it got. A retry with the
    same body gets the same answer without doing anything again; the same key with another
    body is refused (Stripe's rule). Keys are per client: two callers cannot collide."""

    wagtail_reference_index_ignore = True

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_keys")
    endpoint = models.CharField("接口", max_length=60)
    key = models.CharField("幂等键", max_length=128)
    request_hash = models.CharField("请求摘要", max_length=64)
    status_code = models.PositiveSmallIntegerField("响应状态", null=True, blank=True)
    response = models.JSONField("响应", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [
            models.UniqueConstraint(
                fields=["token", "endpoint", "key"], name="idempotencykey_unique_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
