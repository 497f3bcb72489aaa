"""Free text about patients (staff, API and stage-change notes; follow-up notes) is encrypted at
rest like name and phone, existing rows are encrypted by the migration, screens and key
rotation still read it (issue 13 point 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from funnel import events as lead_events
from funnel.crypto import decrypt_str
from funnel.models import FollowUp, LeadEvent
from funnel.services.followups import followup_schedule
from funnel.services.pii import pii_keys_rotate
from funnel.services.stages import lead_stage_change
from tests.funnel.factories import payload

NOTE = "患者自述甲减三年，正在服药"
STAGE_NOTE = "已通过好友，提到失眠半年"
FOLLOWUP_NOTE = "复诊时问一下血糖"


def _raw(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT note FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_notes_are_stored_encrypted_and_read_back_plain(ingest) -> None:
    # given a lead with a staff note, a stage-change note and a follow-up note
    lead_id = ingest(payload("13812345678")).lead_id
    note = lead_events.event_record(lead_events.note_event(lead=lead_id, note=NOTE))
    lead_stage_change(lead_id=lead_id, to_stage="contacted", actor_label="林晓雯", note=STAGE_NOTE)
    stage = LeadEvent.objects.filter(lead_id=lead_id, to_stage="contacted").get()
    followup = followup_schedule(
        lead_id=lead_id,
        kind="revisit",
        due_at=timezone.now() + dt.timedelta(days=1),
        note=FOLLOWUP_NOTE,
    )

    # then the columns hold ciphertext only
    for table, pk, plain in (
        ("funnel_leadevent", note.pk, NOTE),
        ("funnel_leadevent", stage.pk, STAGE_NOTE),
        ("funnel_followup", followup.pk, FOLLOWUP_NOTE),
    ):
        stored = _raw(table, pk)
        assert plain not in stored
        assert decrypt_str(stored) == plain

    # and the models (admin, H5 timeline) read the text
    assert LeadEvent.objects.get(pk=note.pk).note == NOTE
    assert LeadEvent.objects.get(pk=stage.pk).note == STAGE_NOTE
    assert FollowUp.objects.get(pk=followup.pk).note == FOLLOWUP_NOTE


@pytest.mark.django_db
def test_key_rotation_covers_the_notes(ingest, settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["old-key"]
    lead_id = ingest(payload("13812345678")).lead_id
    note = lead_events.event_record(lead_events.note_event(lead=lead_id, note=NOTE))
    old = _raw("funnel_leadevent", note.pk)

    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key"]
    pii_keys_rotate()
    settings.FIELD_ENCRYPTION_KEYS = ["new-key"]

    assert _raw("funnel_leadevent", note.pk) != old
    assert LeadEvent.objects.get(pk=note.pk).note == NOTE


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_plaintext_notes_and_back(migrator) -> None:
    before = [("funnel", "0013_group_members_to_memberships")]
    after = [("funnel", "0014_privdata_encrypt_notes")]
    apps = migrator(before)
    Lead = apps.get_model("funnel", "Lead")
    Event = apps.get_model("funnel", "LeadEvent")
    FollowUpOld = apps.get_model("funnel", "FollowUp")
    lead = Lead.objects.create(phone_hash="h-mig", phone="+8613800000001", name="张三")
    event = Event.objects.create(lead=lead, kind="note", note=NOTE)
    empty = Event.objects.create(lead=lead, kind="assign", note="")
    followup = FollowUpOld.objects.create(
        lead=lead, kind="revisit", due_at=timezone.now(), note=FOLLOWUP_NOTE
    )
    assert _raw("funnel_leadevent", event.pk) == NOTE  # plaintext before

    migrator(after)

    assert decrypt_str(_raw("funnel_leadevent", event.pk)) == NOTE
    assert decrypt_str(_raw("funnel_leadevent", empty.pk)) == ""
    assert decrypt_str(_raw("funnel_followup", followup.pk)) == FOLLOWUP_NOTE
    assert LeadEvent.objects.get(pk=event.pk).note == NOTE

    migrator(before)  # and back
    assert _raw("funnel_leadevent", event.pk) == NOTE
    assert _raw("funnel_followup", followup.pk) == FOLLOWUP_NOTE


def _lead_columns(pk: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, name, wechat_id FROM funnel_lead WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_an_empty_text_is_stored_empty_and_any_other_text_encrypted(ingest) -> None:
    # given a lead who left a phone and a name but no WeChat id
    lead_id = ingest(payload("13812345670", name="张三丰")).lead_id
    phone, name, wechat_id = _lead_columns(lead_id)
    # then phone and name are tokens, the empty WeChat id is stored empty (a token of nothing
    # would only say its length, which an empty column says too)
    assert decrypt_str(phone) == "+8613812345670"
    assert decrypt_str(name) == "张三丰"
    assert "张" not in name
    assert wechat_id == ""
    # and the lead reads back as it was, and a later WeChat id is encrypted
    from funnel.models import Lead

    lead = Lead.objects.get(pk=lead_id)
    assert (lead.name, lead.wechat_id) == ("张三丰", "")
    lead.wechat_id = "zhang_sanfeng"
    lead.save(update_fields=["wechat_id"])
    assert decrypt_str(_lead_columns(lead_id)[2]) == "zhang_sanfeng"
