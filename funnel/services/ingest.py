"""The one entry point every source uses: normalized payload in, lead (or quarantine) out.

Called by `channels.services.inbox.inbound_process` inside a transaction, with the InboundLead
row locked; raising LeadRejected makes the inbox quarantine the record with that code.
Idempotent per inbound record: processing the same record again updates its touchpoint.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from funnel import errors
from funnel.crypto import phone_hash
from funnel.events import event_record
from funnel.locks import locked
from funnel.models import Lead, LeadEvent, Specialty, Stage, Touchpoint
from funnel.payload import IngestResult, LeadPayload
from funnel.services import routing, scoring

if TYPE_CHECKING:
    from channels.models import InboundLead

DEFAULT_REGION = "CN"
GENDERS = {"m": "m", "male": "m", "男": "m", "f": "f", "female": "f", "女": "f"}


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


def specialty_resolve(value: str) -> Specialty | None:
    """By slug or by name (脱发 / hair-loss); unknown values are kept off the lead, not fatal."""
    value = (value or "").strip()
    if not value:
        return None
    return (
        Specialty.objects.filter(slug=value).first() or Specialty.objects.filter(name=value).first()
    )


def _occurred(payload: LeadPayload) -> dt.datetime:
    parsed = parse_datetime(payload.occurred_at) if payload.occurred_at else None
    if parsed is None:
        return timezone.now()
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _age(value: object) -> int | None:
    try:
        age = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return age if 0 < age < 120 else None


def _fill(lead: Lead, payload: LeadPayload, specialty: Specialty | None) -> list[str]:
    """Fill what the lead lacks from this payload; later sources never erase earlier facts."""
    changed = []
    candidates = {
        "name": payload.name.strip(),
        "wechat_id": payload.wechat_id.strip(),
        "gender": GENDERS.get((payload.gender or "").strip().lower(), ""),
        "age": _age(payload.age),
        "city": payload.city.strip(),
    }
    for field, value in candidates.items():
        if value and not getattr(lead, field):
            setattr(lead, field, value)
            changed.append(field)
    if specialty and lead.specialty_id is None:
        lead.specialty = specialty
        changed.append("specialty")
    answers = dict(payload.answers or {})
    if payload.concern:
        answers.setdefault("concern", payload.concern)
    if answers:
        merged = {**(lead.answers or {}), **answers}
        if merged != lead.answers:
            lead.answers = merged
            changed.append("answers")
    return changed


def _consent(lead: Lead, payload: LeadPayload, when: dt.datetime) -> bool:
    consent = payload.consent
    if not consent.given:
        return False
    if lead.consent_version == consent.version and lead.consent_withdrawn_at is None:
        return False
    lead.consent_version = consent.version or lead.consent_version
    lead.consent_given_at = parse_datetime(consent.at) if consent.at else when
    lead.consent_source = consent.source or payload.channel
    lead.consent_withdrawn_at = None
    return True


def _referrer(code: str, lead: Lead) -> Lead | None:
    if not code:
        return None
    referrer = Lead.objects.filter(referral_code=code.strip().upper()).first()
    if referrer is None or referrer.pk == lead.pk:
        return None
    return referrer


def _touch_values(payload: LeadPayload, occurred: dt.datetime, referrer: Lead | None) -> dict:
    return {
        "channel": payload.channel,
        "account_name": payload.account,
        "campaign_id": payload.campaign_id,
        "campaign_name": payload.campaign_name,
        "adgroup_id": payload.adgroup_id,
        "ad_id": payload.ad_id,
        "creative_id": payload.creative_id,
        "keyword": payload.keyword[:200],
        "click_ids": {k: v for k, v in (payload.click_ids or {}).items() if v},
        "utm": {k: v for k, v in (payload.utm or {}).items() if v},
        "content_page_id": payload.content_page_id,
        "landing_page_id": payload.landing_page_id,
        "referrer": referrer,
        "occurred_at": occurred,
    }


def lead_ingest(*, payload: LeadPayload, inbound: InboundLead | None = None) -> IngestResult:
    e164 = phone_normalize(payload.phone)
    if payload.consent_required and not payload.consent.given:
        raise errors.LeadRejected(errors.CONSENT_REQUIRED)
    specialty = specialty_resolve(payload.specialty)
    occurred = _occurred(payload)
    digest = phone_hash(e164)

    created = False
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                phone_hash=digest, phone=e164, specialty=specialty, last_touch_at=occurred
            )
        created = True
    except IntegrityError:
        pass  # the same person arrived before (or right now, through another worker)
    lead = locked(Lead.objects.select_related("specialty")).get(phone_hash=digest)
    if lead.anonymized_at is not None:
        # The person came back after a purge or a withdrawal: a fresh record, same key.
        lead.anonymized_at = None
        lead.phone = e164
    changed = _fill(lead, payload, specialty)
    if _consent(lead, payload, occurred):
        changed += ["consent_version", "consent_given_at", "consent_source", "consent_withdrawn_at"]

    referrer = _referrer(payload.referral_code, lead)
    if referrer and lead.referred_by_id is None and created:
        lead.referred_by = referrer
        changed.append("referred_by")

    values = _touch_values(payload, occurred, referrer)
    existing = None
    if inbound is not None and inbound.pk:
        existing = Touchpoint.objects.filter(inbound=inbound).first()
    if existing is not None:
        # An enriched re-send of the same record: update attribution, add nothing.
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        touch_count = None
    else:
        has_first = not created and Touchpoint.objects.filter(lead=lead, is_first=True).exists()
        Touchpoint.objects.create(
            lead=lead,
            inbound=inbound if inbound and inbound.pk else None,
            is_first=not has_first,
            **values,
        )
        touch_count = 1 if created else Touchpoint.objects.filter(lead=lead).count()
        if lead.last_touch_at is None or occurred > lead.last_touch_at:
            lead.last_touch_at = occurred
            changed.append("last_touch_at")
    if created:
        event_record(
            lead=lead,
            kind=LeadEvent.Kind.STAGE,
            to_stage=Stage.NEW,
            actor_label=payload.channel or "系统",
            note="新线索",
        )
    elif touch_count is not None:
        event_record(
            lead=lead,
            kind=LeadEvent.Kind.TOUCH,
            actor_label=payload.channel or "系统",
            note="再次留资",
            data={"channel": payload.channel, "keyword": payload.keyword[:100]},
        )

    if touch_count is not None:
        facts = scoring.ScoreFacts(
            lead=lead, channel=payload.channel, keyword=payload.keyword, touch_count=touch_count
        )
        lead.score, lead.score_explanation = scoring.score_compute(
            facts=facts, rules=scoring.active_rules()
        )
        changed += ["score", "score_explanation"]
    if changed:
        lead.save(update_fields=[*dict.fromkeys(changed), "updated_at"])

    # Route new people, and returning ones nobody owns yet (the unassigned queue drains).
    if touch_count is not None and (
        created or (lead.assignee_id is None and lead.stage == Stage.NEW)
    ):
        routing.lead_route(
            lead=lead,
            facts=routing.RouteFacts(
                specialty_id=lead.specialty_id,
                channel=payload.channel,
                city=lead.city,
                keyword=payload.keyword,
                age=lead.age,
                score=lead.score,
            ),
        )
    return IngestResult(
        result="created" if created else "merged",
        lead_id=lead.pk,
        inbound_id=inbound.pk if inbound is not None else None,
    )
