"""Consent text versions. A published text never changes: a change is a new version.

Leads record the version they agreed to, so rewriting a version's text in place would hold
people to words they never saw (PIPL Art. 29). Publishing a new version makes it the one every
form shows and purges cached pages; forms still showing the old one are refused once (409)
and re-render with the new text (``landing.forms.lead_form_refused``).
"""

from __future__ import annotations

from django.db import transaction

from config.errors import ApplicationError
from landing import errors
from landing.models import ConsentText
from landing.services.cache import page_cache_purge


def consent_text_publish(*, version: str, text: str, title: str = "健康信息授权") -> ConsentText:
    """Make ``version`` the current text, creating it when new. Publishing an existing version
    again with the same words is a no-op (seeds are idempotent); other words → 409
    ``consent_text_immutable``."""
    with transaction.atomic():
        row, created = ConsentText.objects.select_for_update().get_or_create(
            version=version, defaults={"text": text, "title": title}
        )
        if not created and (row.text, row.title) != (text, title):
            raise ApplicationError(
                errors.CONSENT_TEXT_IMMUTABLE,
                errors.MESSAGES[errors.CONSENT_TEXT_IMMUTABLE],
                status=409,
                extra={"version": version},
            )
        ConsentText.objects.filter(is_current=True).exclude(pk=row.pk).update(is_current=False)
        if not row.is_current:
            ConsentText.objects.filter(pk=row.pk).update(is_current=True)
            row.is_current = True
    page_cache_purge()
    return row
