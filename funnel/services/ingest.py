"""The one entry point every source uses: normalized payload in, lead (or quarantine) out.

Called by `channels.services.inbox.inbound_process` inside a transaction, with the InboundLead
row locked; raising LeadRejected makes the inbox quarantine the record with that code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers
from django.db import IntegrityError, transaction

from funnel import errors
from funnel.crypto import phone_hash
from funnel.models import Lead
from funnel.payload import IngestResult, LeadPayload

if TYPE_CHECKING:
    from channels.models import InboundLead

DEFAULT_REGION = "CN"


def phone_normalize(raw: str) -> str:
    """Any common way of writing a phone → E.164; raises LeadRejected when impossible."""
    text = (raw or "").strip()
    if not text:
        raise errors.LeadRejected(errors.MISSING_PHONE)
    digits = "".join(ch for ch in text if ch.isdigit())
    # "8613800000000" (country code without +) is common in platform exports.
    if not text.startswith("+") and digits.startswith("86") and len(digits) == 13:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise errors.LeadRejected(errors.INVALID_PHONE) from exc
    if not phonenumbers.is_valid_number(number):
        raise errors.LeadRejected(errors.INVALID_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def lead_ingest(*, payload: LeadPayload, inbound: InboundLead | None = None) -> IngestResult:
    e164 = phone_normalize(payload.phone)
    if payload.consent_required and not payload.consent.given:
        raise errors.LeadRejected(errors.CONSENT_REQUIRED)
    digest = phone_hash(e164)
    try:
        with transaction.atomic():
            lead = Lead.objects.create(phone_hash=digest, phone=e164, name=payload.name)
        result = "created"
    except IntegrityError:
        # Another source (or worker) created this person first: same Lead, one more touch.
        lead = Lead.objects.get(phone_hash=digest)
        result = "merged"
    return IngestResult(result=result, lead_id=lead.pk, inbound_id=inbound.pk if inbound else None)
