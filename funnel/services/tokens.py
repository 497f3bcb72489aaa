"""Lead-API tokens: shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from funnel.models import ApiToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, name: str) -> str:
    token = "yl_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(name=name, token_hash=_digest(token))
    return token


def api_token_check(*, token: str) -> ApiToken | None:
    if not token:
        return None
    found = ApiToken.objects.filter(token_hash=_digest(token), is_active=True).first()
    if found is not None:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found
