"""Identity: who a record is. One phone normaliser, the keyed hash that finds a person, the
row lock taken on known people, and the two staff decisions about identity: merge two leads
into one person, or mark them as different people forever (never merge).

Every place that reads a phone number (intake, the landing form's validation, the lead API,
CSV import) decides through `phone_normalize`, so a number one door accepts no other refuses.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from config.errors import ApplicationError
from funnel import errors
from funnel import events as lead_events
from funnel.locks import locked
from funnel.models import (
    STAGE_MAIN_PATH,
    DistinctLeadPair,
    Lead,
    LeadAlias,
    ReferralCodeAlias,
    Touchpoint,
)
from funnel.services import scoring
from funnel.services.lead_facts import lead_facts_refresh
from funnel.services.stages import merged_stage_settle

logger = logging.getLogger("yinliu.identity")
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
    if any(ch.isascii() and ch.isalpha() for ch in text):
        # libphonenumber reads letters as a keypad's (1391111ABCD → …2223): a vanity number is
        # not how anyone writes a Chinese phone, and guessing digits would make a stranger's
        # number (review of issue 14)
        raise errors.LeadRejected(errors.INVALID_PHONE)
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


def keys_canonical(keys: list[str]) -> dict[str, str]:
    """Phone keys that are aliases (a phone merged into another lead) → that lead's key."""
    return dict(
        LeadAlias.objects.filter(phone_hash__any=keys).values_list("phone_hash", "lead__phone_hash")
    )


def leads_lock_by_key(keys: list[str]) -> QuerySet[Lead]:
    """The known people among these phone keys, locked in id order (so concurrent batches
    queue instead of deadlocking). The phone itself is not read (the key identifies): skip
    decrypting it. Resolve aliases first (`keys_canonical`)."""
    return locked(
        Lead.objects.filter(phone_hash__any=keys).select_related("specialty").defer("phone")
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


def _merge_touchpoints(keep: Lead, drop: Lead) -> None:
    """The earliest first touch of the two stays the one first touch."""
    firsts = list(
        Touchpoint.objects.filter(lead__in=[keep, drop], is_first=True).order_by(
            "occurred_at", "pk"
        )
    )
    Touchpoint.objects.filter(lead=drop).update(lead=keep, is_first=False)
    Touchpoint.objects.filter(lead=keep).update(is_first=False)
    if firsts:
        Touchpoint.objects.filter(pk=firsts[0].pk).update(is_first=True)


def _merge_never_merge_pairs(keep: Lead, drop: Lead) -> None:
    """`drop`'s "not the same person" decisions become `keep`'s (stored low/high ordered)."""
    pairs = DistinctLeadPair.objects.filter(Q(lead_low=drop) | Q(lead_high=drop))
    others = {p.lead_high_id if p.lead_low_id == drop.pk else p.lead_low_id for p in pairs}
    pairs.delete()
    DistinctLeadPair.objects.bulk_create(
        [
            DistinctLeadPair(lead_low_id=low, lead_high_id=high)
            for low, high in (_pair(keep.pk, other) for other in others - {keep.pk})
        ],
        ignore_conflicts=True,
    )


def _move_relations(keep: Lead, drop: Lead) -> None:
    """Everything else that points at `drop` (events, orders, follow-ups, intake records,
    referrals, rewards, and what other apps hang on a lead: care plans, group memberships …)
    moves to `keep`, found through the model graph so a new relation cannot be forgotten. A
    row the move would duplicate (a unique constraint) stays with `drop` and goes with it."""
    for relation in Lead._meta.related_objects:
        if relation.many_to_many or relation.one_to_one:
            continue
        model, field = relation.related_model, relation.field.name
        if (model, field) in ((Touchpoint, "lead"), (LeadAlias, "lead")) or (
            model is DistinctLeadPair
        ):
            continue  # handled above, or re-pointed below
        rows = model._base_manager.filter(**{field: drop})
        try:
            with transaction.atomic():
                rows.update(**{field: keep})
        except IntegrityError:
            # Some rows would duplicate keep's (e.g. the same reminder due at the same time):
            # move the others one by one; a duplicate stays with drop and goes with it.
            for pk in list(rows.values_list("pk", flat=True)):
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=pk).update(**{field: keep})
                except IntegrityError:
                    logger.info(
                        "merge %s→%s: %s %s is a duplicate", drop.pk, keep.pk, model._meta.label, pk
                    )
    LeadAlias.objects.filter(lead=drop).update(lead=keep)
    # keep was referred by drop: a person does not refer themself.
    Lead.objects.filter(pk=keep.pk, referred_by=keep).update(referred_by=None)
    if keep.referred_by_id == drop.pk:
        keep.referred_by = None


def _merge_facts(keep: Lead, drop: Lead) -> None:
    """The kept person as the joined history says: blanks filled, the earlier creation, the
    later touch, the stage furthest along the main path (a side exit yields to any main-path
    stage; the joined orders may take it further: `stages.merged_stage_settle`), and the
    score recomputed over every touch."""
    for field in ("name", "wechat_id", "gender", "age", "city", "specialty_id", "birthday"):
        if not getattr(keep, field) and getattr(drop, field):
            setattr(keep, field, getattr(drop, field))
    keep.created_at = min(keep.created_at, drop.created_at)
    touches = [t for t in (keep.last_touch_at, drop.last_touch_at) if t is not None]
    keep.last_touch_at = max(touches) if touches else None
    keep.stage = _further_stage(keep.stage, drop.stage)
    last = Touchpoint.objects.filter(lead=keep).order_by("-occurred_at", "-pk").first()
    facts = scoring.ScoreFacts(
        lead=keep,
        channel=last.channel if last else "",
        keyword=last.keyword if last else "",
        touch_count=Touchpoint.objects.filter(lead=keep).count(),
    )
    keep.score, keep.score_explanation = scoring.score_compute(
        facts=facts, rules=scoring.active_rules()
    )


def _further_stage(a: str, b: str) -> str:
    on_path = [s for s in (a, b) if s in STAGE_MAIN_PATH]
    if not on_path:
        return a
    return max(on_path, key=STAGE_MAIN_PATH.index)


def lead_merge(*, keep_id: int, drop_id: int, actor: Any = None) -> Lead:
    """Fold `drop` into `keep` (staff decided they are one person): every relation moves over
    (`_move_relations`), the earliest first touch stays first, keep's stage (orders included:
    a paid order on each side makes 已复购), times, score and report facts are recomputed from
    the joined history, drop's phone becomes an alias of keep, and drop's referral code
    becomes keep's (its own when keep has none, else an alias code): the code the person
    shared keeps landing and binding referees to keep. `drop` is deleted. Audited on `keep`.
    Raises ApplicationError `same_lead` (422), `marked_distinct` (409), or
    `already_anonymized` (409) when either side is a withdrawn or purged person: folding one
    into a live lead would re-identify it (its stage, facts and events joined to a phone),
    and a live phone made an alias of one would bring it back on the next submission."""
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
        errors.lead_live_require(keep)
        errors.lead_live_require(drop)
        _merge_touchpoints(keep, drop)
        _merge_never_merge_pairs(keep, drop)
        _move_relations(keep, drop)
        _merge_facts(keep, drop)
        alias_key = drop.phone_hash
        drop_code = drop.referral_code
        drop.delete()
        # The merged-away phone is an alias: a later record with it joins `keep`.
        LeadAlias.objects.create(phone_hash=alias_key, lead=keep)
        # The code the person shared (on paper, in QR codes) keeps working, for keep.
        if drop_code and keep.referral_code is None:
            keep.referral_code = drop_code
        elif drop_code:
            ReferralCodeAlias.objects.create(code=drop_code, lead=keep)
        keep.save()
        merged_stage_settle(lead=keep, merged_lead_id=drop_id, actor=actor)
        # The moved events and the re-chosen first touch change keep's report facts.
        lead_facts_refresh(lead_ids=[keep.pk])
        lead_events.event_record(
            lead_events.merge_event(lead=keep, merged_lead_id=drop_id, actor=actor)
        )
    return keep
