"""Reveal (audited), consent withdrawal, retention purge, key rotation, merge and distinct."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import ApplicationError
from funnel.crypto import EncryptedJSONField, EncryptedTextField
from funnel.events import event_record
from funnel.locks import locked
from funnel.models import DistinctLeadPair, FollowUp, Lead, LeadEvent, Order, Touchpoint
from funnel.services.lead_facts import lead_facts_refresh

REVEAL_PERMISSION = "funnel.reveal_pii"


def lead_reveal(*, lead_id: int, user: Any) -> dict[str, str]:
    if not user.has_perm(REVEAL_PERMISSION):
        raise ApplicationError("reveal_forbidden", "没有查看完整信息的权限", status=403)
    lead = Lead.objects.get(pk=lead_id)
    event_record(lead=lead, kind=LeadEvent.Kind.REVEAL, actor=user, note="查看完整手机号与姓名")
    return {"phone": lead.phone, "name": lead.name, "wechat_id": lead.wechat_id}


def _anonymize(lead: Lead) -> None:
    lead.phone = ""
    lead.name = ""
    lead.wechat_id = ""
    lead.answers = None
    lead.birthday = None
    # The dedup key must go too (it identifies the phone); a unique placeholder keeps the row.
    lead.phone_hash = f"anonymized:{lead.pk}"
    lead.anonymized_at = timezone.now()
    lead.save()
    LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.NOTE).update(note="（已匿名化）")
    FollowUp.objects.filter(lead=lead, status=FollowUp.Status.PENDING).update(
        status=FollowUp.Status.CANCELLED
    )


def consent_withdraw(*, lead_id: int, actor: Any = None, actor_label: str = "") -> Lead:
    """PIPL Art. 15: withdrawal stops processing; the person's data is anonymized at once.
    Aggregates (touchpoints, orders) stay for the reports without anything identifying."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        lead.consent_withdrawn_at = timezone.now()
        _anonymize(lead)
        event_record(
            lead=lead,
            kind=LeadEvent.Kind.CONSENT,
            actor=actor,
            actor_label=actor_label,
            note="撤回授权，个人信息已匿名化",
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
            for lead in rows:
                _anonymize(lead)
                event_record(lead=lead, kind=LeadEvent.Kind.CONSENT, note="超过保存期限，已匿名化")
        purged += len(rows)
        if len(rows) < batch:
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
    the first, so a load-and-save is the rotation."""
    total = 0
    for model, names in encrypted_fields():
        last = 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.filter(pk__gt=last).order_by("pk")[:batch])
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


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def leads_mark_distinct(*, lead_a: int, lead_b: int, actor: Any = None) -> None:
    low, high = _pair(lead_a, lead_b)
    if low == high:
        raise ApplicationError("same_lead", "同一条线索", status=422)
    DistinctLeadPair.objects.get_or_create(
        lead_low_id=low,
        lead_high_id=high,
        defaults={"marked_by": actor if getattr(actor, "pk", None) else None},
    )
    for lead_id, other in ((low, high), (high, low)):
        event_record(
            lead=lead_id,
            kind=LeadEvent.Kind.NOTE,
            actor=actor,
            note=f"标记为与线索 #{other} 不是同一人",
            data={"distinct_from": other},
        )


def lead_merge(*, keep_id: int, drop_id: int, actor: Any = None) -> Lead:
    """Fold `drop` into `keep`: touchpoints, events, orders, follow-ups and inbound records
    move over; the earliest first touch stays first; `drop` is deleted. Audited on `keep`."""
    low, high = _pair(keep_id, drop_id)
    if keep_id == drop_id:
        raise ApplicationError("same_lead", "同一条线索", status=422)
    if DistinctLeadPair.objects.filter(lead_low_id=low, lead_high_id=high).exists():
        raise ApplicationError(
            "marked_distinct", "这两条线索已被标记为不同的人，不能合并", status=409
        )
    with transaction.atomic():
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update().filter(pk__in=[low, high]).order_by("pk")
        }
        keep, drop = locked[keep_id], locked[drop_id]
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
        event_record(
            lead=keep,
            kind=LeadEvent.Kind.MERGE,
            actor=actor,
            note=f"合并线索 #{drop.pk}",
            data={"merged_lead_id": drop.pk},
        )
        drop.delete()
    return keep
