"""Consent text versions. Publishing a new version purges cached pages so forms show it."""

from __future__ import annotations

from django.db import transaction

from landing.models import ConsentText
from landing.services.cache import page_cache_purge


def consent_text_publish(*, version: str, text: str, title: str = "健康信息授权") -> ConsentText:
    with transaction.atomic():
        ConsentText.objects.filter(is_current=True).exclude(version=version).update(
            is_current=False
        )
        row, _ = ConsentText.objects.update_or_create(
            version=version, defaults={"text": text, "title": title, "is_current": True}
        )
    page_cache_purge()
    return row
