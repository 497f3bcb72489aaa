from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from config.errors import ApplicationError
from funnel.crypto import decrypt_str, mask_name, mask_phone, phone_hash
from funnel.models import DistinctLeadPair, Lead, LeadEvent, Touchpoint
from funnel.services.identity import lead_merge, leads_mark_distinct
from funnel.services.pii import (
    consent_withdraw,
    lead_reveal,
    leads_purge_expired,
    pii_keys_rotate,
)
from tests.funnel.factories import UserFactory, payload

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"
NAME = "王晓明"


def _all_text_cells() -> list[str]:
    """Every text value of every row of every table, read raw (no model decryption)."""
    cells: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  table names from introspection
            for row in cursor.fetchall():
                cells.extend(str(v) for v in row if v is not None)
    return cells


def test_no_plaintext_phone_or_name_in_any_table(ingest) -> None:
    # given a lead with answers, a touch, and an inbound record
    ingest(payload("138 1234 5678", name=NAME, concern="头顶稀疏两年", answers={"病史": "甲减"}))

    # when reading every table raw
    blob = "\n".join(_all_text_cells())

    # then neither the phone (any form), the name nor the health answers appear
    for secret in ("13812345678", "138 1234 5678", NAME, "头顶稀疏两年", "甲减"):
        assert secret not in blob
    assert phone_hash(PHONE) in blob  # the dedup key is there, keyed


def test_key_rotation_reencrypts_and_old_rows_still_read(ingest, settings) -> None:
    # given rows written under the old key
    settings.FIELD_ENCRYPTION_KEYS = ["old-key"]
    result = ingest(payload("13812345678", name=NAME))
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM funnel_lead WHERE id = %s", [result.lead_id])
        old_token = cursor.fetchone()[0]

    # when a new key is put first, old rows still read
    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key"]
    assert Lead.objects.get(pk=result.lead_id).phone == PHONE

    # and rotation re-encrypts every row under the new key
    rotated = pii_keys_rotate()
    assert rotated >= 2
    settings.FIELD_ENCRYPTION_KEYS = ["new-key"]
    lead = Lead.objects.get(pk=result.lead_id)
    assert (lead.phone, lead.name) == (PHONE, NAME)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM funnel_lead WHERE id = %s", [result.lead_id])
        assert cursor.fetchone()[0] != old_token


def test_a_value_under_an_unknown_key_fails_loudly(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["k1"]
    from funnel.crypto import encrypt_str

    token = encrypt_str("x")
    settings.FIELD_ENCRYPTION_KEYS = ["k2"]
    with pytest.raises(ValueError, match="no configured key"):
        decrypt_str(token)


def test_masking() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert mask_name(NAME) == "王**"


def test_reveal_needs_the_permission_and_is_audited(ingest) -> None:
    lead_id = ingest(payload("13812345678", name=NAME)).lead_id
    plain = UserFactory(username="plain")

    with pytest.raises(ApplicationError) as refused:
        lead_reveal(lead_id=lead_id, user=plain)
    assert refused.value.code == "reveal_forbidden"
    assert not LeadEvent.objects.filter(kind="reveal").exists()

    allowed = UserFactory(username="growth")
    allowed.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    allowed = type(allowed).objects.get(pk=allowed.pk)  # fresh: permission cache empty
    revealed = lead_reveal(lead_id=lead_id, user=allowed)

    assert revealed["phone"] == PHONE
    event = LeadEvent.objects.get(kind="reveal")
    assert (event.lead_id, event.actor_id) == (lead_id, allowed.pk)


def test_consent_withdrawal_anonymizes_the_person(ingest) -> None:
    lead_id = ingest(payload("13812345678", name=NAME, answers={"病史": "甲减"})).lead_id

    consent_withdraw(lead_id=lead_id, actor_label="患者来电")

    lead = Lead.objects.get(pk=lead_id)
    assert (lead.phone, lead.name, lead.answers) == ("", "", None)
    assert lead.phone_hash == f"anonymized:{lead_id}"
    assert lead.consent_withdrawn_at is not None
    assert Touchpoint.objects.filter(lead_id=lead_id).count() == 1  # aggregates stay


def test_retention_purge_anonymizes_only_leads_past_the_period(ingest, settings) -> None:
    settings.FUNNEL_RETENTION_DAYS = 365
    old = ingest(payload("13812345678")).lead_id
    recent = ingest(payload("13912345678")).lead_id
    Lead.objects.filter(pk=old).update(last_touch_at=timezone.now() - dt.timedelta(days=400))

    assert leads_purge_expired() == 1
    assert leads_purge_expired() == 0  # idempotent

    assert Lead.objects.get(pk=old).anonymized_at is not None
    assert Lead.objects.get(pk=recent).phone == "+8613912345678"


def test_merge_moves_history_and_keeps_the_earliest_first_touch(ingest) -> None:
    keep = ingest(payload("13812345678", channel="baidu")).lead_id
    drop = ingest(payload("13912345678", channel="douyin")).lead_id
    Touchpoint.objects.filter(lead_id=drop).update(
        occurred_at=timezone.now() - dt.timedelta(days=3)
    )
    staff = UserFactory(username="merger")

    lead_merge(keep_id=keep, drop_id=drop, actor=staff)

    assert not Lead.objects.filter(pk=drop).exists()
    touches = Touchpoint.objects.filter(lead_id=keep)
    assert touches.count() == 2
    assert touches.get(is_first=True).channel == "douyin"
    event = LeadEvent.objects.get(kind="merge")
    assert (event.lead_id, event.actor_id, event.data) == (keep, staff.pk, {"merged_lead_id": drop})


def test_leads_marked_distinct_are_never_merged(ingest) -> None:
    a = ingest(payload("13812345678")).lead_id
    b = ingest(payload("13912345678")).lead_id
    leads_mark_distinct(lead_a=b, lead_b=a)

    with pytest.raises(ApplicationError) as refused:
        lead_merge(keep_id=a, drop_id=b)

    assert refused.value.code == "marked_distinct"
    assert Lead.objects.filter(pk__in=[a, b]).count() == 2
    assert DistinctLeadPair.objects.count() == 1
