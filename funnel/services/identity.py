"""Identity: who a record is. One phone normaliser, the keyed hash that finds a person, the
row lock taken on known people, and the two staff decisions about identity: merge two leads
into one person, or mark them as different people forever (never merge).

Every place that reads a phone number (intake, the landing form's validation, the lead API,
CSV import) decides through `phone_normalize`, so a number one door accepts no other refuses.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers
from django.db import transaction
from django.db.models import QuerySet

from config.errors import ApplicationError
from funnel import errors
from funnel import events as lead_events
from funnel.locks import locked
from funnel.models import DistinctLeadPair, FollowUp, Lead, LeadEvent, Order, Touchpoint
from funnel.services.lead_facts import lead_facts_refresh

DEFAULT_REGION = "CN"
SPREADSHEET_FLOAT = re.compile(r"\+?\d{6,15}\.0")


def _clean(raw: str) -> str:
    """NFKC folds full-width digits and plus signs (＋８６１３８…, typed on Chinese IMEs) to
    ASCII; format characters (Unicode Cf: direction marks, zero-width spaces that autofill and
    copy-paste carry) are dropped; a spreadsheet's number cell read as a float ("13800138000.0")
    or marked as text ("'13800138000") is the number it shows."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()
    text = text.lstrip("'")
    if SPREADSHEET_FLOAT.fullmatch(text):
        text = text[:-2]
    return text


def phone_normalize(raw: str) -> str:
    """Any common way of writing a phone → E.164 (default region CN: 13800000000,
    +86 138-0000-0000, 8613800000000, full-width digits). Raises LeadRejected with
    `missing_phone` or `invalid_phone` when impossible (libphonenumber's validity rules)."""
    text = _clean(raw)
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


def leads_lock_by_key(keys: list[str]) -> QuerySet[Lead]:
    """The known people among these phone keys, locked in id order (so concurrent batches
    queue instead of deadlocking). The phone itself is not read (the key identifies): skip
    decrypting it."""
    return locked(
        Lead.objects.filter(phone_hash__in=keys).select_related("specialty").defer("phone")
    ).order_by("pk")


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def leads_mark_distinct(*, lead_a: int, lead_b: int, actor: Any = None) -> None:
    low, high = _pair(lead_a, lead_b)
    if low == high:
        raise ApplicationError(errors.SAME_LEAD, errors.MESSAGES[errors.SAME_LEAD], status=422)
    DistinctLeadPair.objects.get_or_create(
        lead_low_id=low,
        lead_high_id=high,
        defaults={"marked_by": actor if getattr(actor, "pk", None) else None},
    )
    lead_events.events_record(
        [
            lead_events.distinct_event(lead=lead_id, distinct_from=other, actor=actor)
            for lead_id, other in ((low, high), (high, low))
        ]
    )


def lead_merge(*, keep_id: int, drop_id: int, actor: Any = None) -> Lead:
    """Fold `drop` into `keep`: touchpoints, events, orders, follow-ups and inbound records
    move over; the earliest first touch stays first; `drop` is deleted. Audited on `keep`."""
    low, high = _pair(keep_id, drop_id)
    if keep_id == drop_id:
        raise ApplicationError(errors.SAME_LEAD, errors.MESSAGES[errors.SAME_LEAD], status=422)
    if DistinctLeadPair.objects.filter(lead_low_id=low, lead_high_id=high).exists():
        raise ApplicationError(
            errors.MARKED_DISTINCT, errors.MESSAGES[errors.MARKED_DISTINCT], status=409
        )
    with transaction.atomic():
        pair = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update().filter(pk__in=[low, high]).order_by("pk")
        }
        keep, drop = pair[keep_id], pair[drop_id]
        firsts = list(
            Touchpoint.objects.filter(lead__in=[keep, drop], is_first=True).order_by(
                "occurred_at", "pk"
            )
        )
        Touchpoint.objects.filter(lead=drop).update(lead=keep, is_first=False)
        Touchpoint.objects.filter(lead=keep).update(is_first=False)
        if firsts:
            Touchpoint.objects.filter(pk=firsts[0].pk).update(is_first=True)
        LeadEvent.objects.filter(lead=drop).update(lead=keep)
        Order.objects.filter(lead=drop).update(lead=keep)
        FollowUp.objects.filter(lead=drop).update(lead=keep)
        Lead.objects.filter(referred_by=drop).update(referred_by=keep)
        drop.inbound.update(lead=keep)
        for field in ("name", "wechat_id", "gender", "age", "city", "specialty_id", "birthday"):
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
        keep.created_at = min(keep.created_at, drop.created_at)
        keep.save()
        # The moved events and the re-chosen first touch change keep's report facts.
        lead_facts_refresh(lead_ids=[keep.pk])
        lead_events.event_record(
            lead_events.merge_event(lead=keep, merged_lead_id=drop.pk, actor=actor)
        )
        drop.delete()
    return keep
