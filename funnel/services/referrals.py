"""Referral codes and their QR codes (SVG and PNG)."""

from __future__ import annotations

import io
import secrets

import segno
from django.db import IntegrityError, transaction

from funnel import errors
from funnel.models import Lead, ReferralCodeAlias

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud in store


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(8))


def referral_code_ensure(*, lead_id: int) -> str:
    """The lead's referral code, drawn once. A withdrawn or purged person →
    `already_anonymized` 409 (a code would name them to whoever scans it again)."""
    for _ in range(5):
        lead = Lead.objects.only("referral_code", "anonymized_at").get(pk=lead_id)
        errors.lead_live_require(lead)
        if lead.referral_code:
            return lead.referral_code
        code = _new_code()
        if ReferralCodeAlias.objects.filter(code=code).exists():
            # A merged-away lead's code still binds its referees to the kept lead: handing it
            # to someone else would split them. (The lead column's unique index cannot see
            # the alias table; a draw is 1 in 32^8, so checking first is enough.)
            continue
        try:
            with transaction.atomic():
                updated = Lead.objects.filter(
                    pk=lead_id, referral_code__isnull=True, anonymized_at__isnull=True
                ).update(referral_code=code)
        except IntegrityError:
            continue  # the rare collision: draw again
        if updated == 0:
            continue  # someone else set it first: read theirs
    return Lead.objects.only("referral_code").get(pk=lead_id).referral_code or ""


def referral_qr(*, url: str, kind: str) -> bytes:
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    if kind == "svg":
        qr.save(buffer, kind="svg", scale=6, border=2, dark="#0b6e4f")
    else:
        qr.save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()
