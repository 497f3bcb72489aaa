"""Reveal (audited), consent withdrawal, retention purge and key rotation. (Who a record is,
merge and never-merge included, lives in `funnel.services.identity`.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import ModelLogEntry

from config.errors import ApplicationError
from funnel import errors
from funnel import events as lead_events
from funnel.crypto import EncryptedJSONField, EncryptedTextField, phone_hash
from funnel.locks import locked
from funnel.models import (
    FollowUp,
    IdempotencyKey,
    InboundLead,
    InboundStatus,
    Lead,
    LeadAlias,
    LeadEvent,
    Notification,
    Touchpoint,
)

REVEAL_PERMISSION = "funnel.reveal_pii"
WITHDRAW_PERMISSION = "funnel.withdraw_consent"


def lead_reveal(*, lead_id: int, user: Any) -> dict[str, str]:
    if not user.has_perm(REVEAL_PERMISSION):
        raise ApplicationError(
            errors.REVEAL_FORBIDDEN, errors.MESSAGES[errors.REVEAL_FORBIDDEN], status=403
        )
    lead = Lead.objects.get(pk=lead_id)
    lead_events.event_record(lead_events.reveal_event(lead=lead, actor=user))
    return {"phone": lead.phone, "name": lead.name, "wechat_id": lead.wechat_id}


ANONYMIZED_TEXT = "（已匿名化）"
ANONYMIZED_RAW = {"anonymized": True}

# Apps above the funnel (care plans and their photos, postback logs …) hold copies of a
# person's data the funnel cannot see; they register a wiper here from `AppConfig.ready()`.
# A wiper takes the lead's id, runs inside the anonymizing transaction and must be idempotent.
Wiper = Callable[[int], None]
_WIPERS: dict[str, Wiper] = {}


def anonymizer_register(*, name: str, wiper: Wiper) -> None:
    """Register (or replace, by name) a wiper run for every anonymized lead."""
    _WIPERS[name] = wiper


def inbound_anonymize(*, queryset) -> int:
    """Wipe raw intake copies (raw body, normalized payload, error detail). The row stays,
    `anonymized`, so a platform re-send of the same record is refused, not re-processed."""
    return queryset.update(
        raw=ANONYMIZED_RAW,
        payload=None,
        detail="",
        status=InboundStatus.ANONYMIZED,
        updated_at=timezone.now(),
    )


def _phone_keys(leads: list[Lead]) -> set[str]:
    """The keyed hashes naming these people's phones (their own and merged-in aliases); read
    before anonymizing, which replaces them."""
    keys = {lead.phone_hash for lead in leads if lead.anonymized_at is None}
    keys |= set(
        LeadAlias.objects.filter(lead__in=[lead.pk for lead in leads]).values_list(
            "phone_hash", flat=True
        )
    )
    return {k for k in keys if k and not k.startswith("anonymized:")}


def _phones_in(value: Any) -> set[str]:
    """Every string in a raw or normalized record (any nesting) that reads as a phone,
    as the keyed hash of its E.164 form."""
    from funnel.services.identity import phone_normalize

    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str | int) and not isinstance(item, bool):
            text = str(item)
            if 7 <= sum(ch.isdigit() for ch in text) <= 20 and len(text) <= 40:
                try:
                    found.add(phone_hash(phone_normalize(text)))
                except errors.LeadRejected:
                    pass
    return found


def inbound_orphans_anonymize(*, phone_keys: set[str], batch: int = 500) -> int:
    """Wipe raw records that never became anyone's lead (quarantined: invalid, held, a
    duplicate; or not processed yet) but carry one of these phones (keyed hashes) anywhere in
    their raw or normalized copy. The rows keep no phone fingerprint, so each is decrypted
    and its phone-like values hashed: a scan of the unlinked rows only (issue 13 point 2).
    Returns how many rows were wiped."""
    if not phone_keys:
        return 0
    orphans = (
        InboundLead.objects.filter(lead__isnull=True)
        .exclude(status=InboundStatus.ANONYMIZED)
        .order_by("pk")
        .only("pk", "raw", "payload")
    )
    matched: list[int] = []
    last = 0
    while True:
        rows = list(orphans.filter(pk__gt=last)[:batch])
        if not rows:
            break
        last = rows[-1].pk
        matched += [row.pk for row in rows if _phones_in([row.raw, row.payload]) & phone_keys]
    return inbound_anonymize(queryset=InboundLead.objects.filter(pk__in=matched))


# What a log entry may keep of its `data`: numbers and flags (ids, versions); any text may
# quote the person (a field value, a title).
def _log_data_stripped(data: Any) -> dict:
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if v is None or isinstance(v, bool | int | float)}


def admin_logs_anonymize(*, lead: Lead) -> None:
    """Wagtail's and Django's admin history of the lead (and of its follow-ups and
    touchpoints, whose labels can quote a note or a search term) keep the label the object had
    then: relabel each "<model> #<id>" and strip its data of text (issue 13 point 2)."""
    targets: list[tuple[type, list[int]]] = [
        (Lead, [lead.pk]),
        (FollowUp, list(FollowUp.objects.filter(lead=lead).values_list("pk", flat=True))),
        (Touchpoint, list(Touchpoint.objects.filter(lead=lead).values_list("pk", flat=True))),
    ]
    for model, ids in targets:
        if not ids:
            continue
        content_type = ContentType.objects.get_for_model(model)
        object_ids = [str(pk) for pk in ids]
        name = "线索" if model is Lead else model._meta.verbose_name
        entries = ModelLogEntry.objects.filter(
            content_type=content_type, object_id__in=object_ids
        ).only("pk", "object_id", "data")
        for entry in entries:
            ModelLogEntry.objects.filter(pk=entry.pk).update(
                label=f"{name} #{entry.object_id}", data=_log_data_stripped(entry.data)
            )
        for entry in LogEntry.objects.filter(
            content_type=content_type, object_id__in=object_ids
        ).only("pk", "object_id"):
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=f"{name} #{entry.object_id}", change_message=""
            )


def _anonymize(lead: Lead) -> None:
    lead.phone = ""
    lead.name = ""
    lead.wechat_id = ""
    lead.answers = None
    lead.birthday = None
    lead.city = ""  # typed by the person: a district or an address as often as a city
    lead.score_explanation = []  # its reasons quote the search term and answers
    # A referral code names the person to whoever scans it; the referral links between
    # people stay (referred_by) for the reports.
    lead.referral_code = None
    # The dedup key must go too (it identifies the phone); a unique placeholder keeps the row.
    lead.phone_hash = f"anonymized:{lead.pk}"
    lead.anonymized_at = timezone.now()
    lead.save()
    lead.aliases.all().delete()  # an alias is a phone too
    lead.referral_aliases.all().delete()  # and a merged-in referral code names them as well
    # Every copy of what the person said or typed, or what staff wrote about them. Counts,
    # stages, channels and campaigns stay for the reports; nothing that identifies or
    # describes the person does.
    inbound_anonymize(
        queryset=InboundLead.objects.filter(
            Q(lead=lead) | Q(pk__in=Touchpoint.objects.filter(lead=lead).values("inbound_id"))
        )
    )
    # Health search terms and the visit's identifiers (click ids, UTM) of every arrival. The
    # campaign's name too: on a landing form it is the visitor's utm_campaign, free text they
    # can write anything into (F5 of issue 13 point 1). Reports keep the campaign by its id,
    # named from the ad platform's spend rows or other arrivals.
    Touchpoint.objects.filter(lead=lead).update(keyword="", campaign_name="", utm={}, click_ids={})
    LeadEvent.objects.filter(lead=lead).update(note=ANONYMIZED_TEXT)
    for event in LeadEvent.objects.filter(lead=lead).exclude(data={}).only("pk", "data"):
        if "keyword" in event.data:  # a touch event's search term
            LeadEvent.objects.filter(pk=event.pk).update(
                data={k: v for k, v in event.data.items() if k != "keyword"}
            )
    # Every open reminder closes (a queued or sent one too: none may be snoozed back).
    FollowUp.objects.filter(
        lead=lead,
        status__in=[FollowUp.Status.PENDING, FollowUp.Status.QUEUED, FollowUp.Status.SENT],
    ).update(status=FollowUp.Status.CANCELLED)
    FollowUp.objects.filter(lead=lead).update(note="")
    Notification.objects.filter(followup__lead=lead).update(
        title=ANONYMIZED_TEXT, body=ANONYMIZED_TEXT
    )
    # An API answer (or a staff form's) is kept with a digest of the request body it answered
    # (name, phone, a note …).
    IdempotencyKey.objects.filter(response__lead_id=lead.pk).update(request_hash="")
    admin_logs_anonymize(lead=lead)
    for wiper in _WIPERS.values():
        wiper(lead.pk)


def consent_withdraw(*, lead_id: int, actor: Any = None, actor_label: str = "") -> Lead:
    """PIPL Art. 15: withdrawal stops processing; the person's data is anonymized at once.
    Aggregates (touchpoints, orders) stay for the reports without anything identifying.

    `actor`: the staff user acting (needs `funnel.withdraw_consent`, else `withdraw_forbidden`
    403); None when the person acts themselves or a system does (`actor_label` says who).
    A person already anonymized (withdrawn or purged) → `already_anonymized` 409, nothing
    written. Raises Lead.DoesNotExist for an unknown id."""
    if actor is not None and not actor.has_perm(WITHDRAW_PERMISSION):
        raise errors.refusal(errors.WITHDRAW_FORBIDDEN, status=403)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        if lead.anonymized_at is not None:
            raise errors.refusal(errors.ALREADY_ANONYMIZED, status=409)
        keys = _phone_keys([lead])
        lead.consent_withdrawn_at = timezone.now()
        _anonymize(lead)
        inbound_orphans_anonymize(phone_keys=keys)
        lead_events.event_record(
            lead_events.consent_event(
                lead=lead,
                actor=actor,
                actor_label=actor_label,
                note="撤回授权，个人信息已匿名化",
            )
        )
    return lead


def leads_purge_expired(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Anonymize leads untouched for FUNNEL_RETENTION_DAYS. Idempotent (skips anonymized)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FUNNEL_RETENTION_DAYS)
    purged = 0
    while True:
        with transaction.atomic():
            rows = list(
                locked(Lead.objects.filter(anonymized_at__isnull=True), skip_locked=True)
                .filter(
                    Q(last_touch_at__lt=cutoff)
                    | Q(last_touch_at__isnull=True, created_at__lt=cutoff)
                )
                .order_by("pk")[:batch]
            )
            keys = _phone_keys(rows)
            for lead in rows:
                _anonymize(lead)
            inbound_orphans_anonymize(phone_keys=keys)
            lead_events.events_record(
                [
                    lead_events.consent_event(lead=lead, note="超过保存期限，已匿名化")
                    for lead in rows
                ]
            )
        purged += len(rows)
        if len(rows) < batch:
            break
    # Records that never became anyone's lead (quarantined, never fixed) expire too.
    inbound_anonymize(
        queryset=InboundLead.objects.filter(lead__isnull=True, received_at__lt=cutoff)
        .exclude(status=InboundStatus.ANONYMIZED)
        .exclude(pk__in=Touchpoint.objects.filter(inbound__isnull=False).values("inbound_id"))
    )
    return purged


def encrypted_fields() -> list[tuple[Any, list[str]]]:
    found = []
    for model in apps.get_models():
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField | EncryptedJSONField)
        ]
        if names:
            found.append((model, names))
    return found


def pii_keys_rotate(*, batch: int = 500, progress=None) -> int:
    """Re-encrypt every encrypted column with the newest key (the first of
    FIELD_ENCRYPTION_KEYS). Reading decrypts with any configured key; saving encrypts with
    the first, so a load-and-save is the rotation.

    Each batch is read FOR UPDATE in the transaction that writes it back: an edit made
    meanwhile waits for the batch and is then applied (or the batch waits for it and reads
    it), never overwritten with the value read before it (issue 13). On SQLite the
    transaction takes the write lock at BEGIN, which gives the same order."""
    total = 0
    for model, names in encrypted_fields():
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:batch]
                )
                for row in rows:
                    model.objects.filter(pk=row.pk).update(
                        **{name: getattr(row, name) for name in names}
                    )
            if not rows:
                break
            last = rows[-1].pk
            total += len(rows)
            if progress:
                progress(model._meta.label, total)
    return total
