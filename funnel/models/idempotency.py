"""Idempotency keys: what a retried request already did (the lead API's `Idempotency-Key`, a
staff form's one-time token)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from funnel.models.core import ApiToken


class IdempotencyKey(models.Model):
    """One (owner, endpoint, key) and the answer it got. A retry with the same body gets the
    same answer without doing anything again; the same key with another body is refused
    (Stripe's rule). The owner is an API client (its `Idempotency-Key`) or a staff user (a
    form's one-time token, `funnel.services.idempotency.form_submit_once`), never both: keys
    are per owner, so two callers, or a client and a member of staff, cannot collide."""

    wagtail_reference_index_ignore = True

    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="员工",
    )
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
            ),
            models.UniqueConstraint(
                fields=["user", "endpoint", "key"], name="idempotencykey_unique_per_user"
            ),
            # One owner: a key without one would be unique per nobody (NULLs never collide).
            models.CheckConstraint(
                condition=models.Q(token__isnull=False, user__isnull=True)
                | models.Q(token__isnull=True, user__isnull=False),
                name="idempotencykey_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
