"""`funnel.bulk.rows_insert`: what ingest and intake insert with (on PostgreSQL a binary
UNNEST statement; elsewhere `bulk_create`) stores exactly what `bulk_create` would."""

from __future__ import annotations

import pytest
from django.db import connection

from funnel import events as lead_events
from funnel.bulk import rows_insert
from funnel.crypto import phone_hash
from funnel.models import InboundLead, Lead, LeadEvent
from funnel.services.identity import phone_normalize

pytestmark = pytest.mark.django_db


def _lead(phone: str, **kwargs) -> Lead:
    e164 = phone_normalize(phone)
    return Lead(phone_hash=phone_hash(e164), phone=e164, **kwargs)


def test_new_rows_get_their_ids_and_read_back_as_written() -> None:
    # given two new people (one with health answers and a name in Chinese) and their events,
    # built before the people have ids
    leads = [
        _lead("13800000001", name="张三", answers={"concern": "脱发 3 年"}, age=34),
        _lead("13800000002", wechat_id="wx_li", gender="f"),
    ]
    events = [lead_events.new_lead_event(lead=lead, channel="douyin", at=None) for lead in leads]

    # when they are inserted, people first
    rows_insert(leads)
    rows_insert(events)

    # then each object has its row's id and every value reads back as written
    assert all(lead.pk for lead in leads)
    first = Lead.objects.get(pk=leads[0].pk)
    assert (first.phone, first.name, first.answers, first.age) == (
        "+8613800000001",
        "张三",
        {"concern": "脱发 3 年"},
        34,
    )
    assert Lead.objects.get(pk=leads[1].pk).wechat_id == "wx_li"
    assert first.created_at is not None
    assert first.updated_at is not None
    stored = {e.lead_id: e for e in LeadEvent.objects.filter(pk__in=[e.pk for e in events])}
    assert set(stored) == {leads[0].pk, leads[1].pk}
    assert stored[leads[0].pk].note == "新线索"
    # and the personal fields are encrypted at rest, as `save()` writes them
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, name FROM funnel_lead WHERE id = %s", [first.pk])
        phone, name = cursor.fetchone()
    assert "13800000001" not in phone
    assert "张三" not in name


def test_rows_already_there_are_skipped_and_only_new_ones_reported() -> None:
    # given a stored record
    InboundLead.objects.create(channel="baidu", external_id="a", raw={"v": 1})

    # when the same key and a new one are inserted, ignoring conflicts
    got = rows_insert(
        [
            InboundLead(channel="baidu", external_id="a", raw={"v": 2}),
            InboundLead(channel="baidu", external_id="b", raw={"v": 3}),
        ],
        ignore_conflicts=True,
        returning=["external_id"],
    )

    # then the stored one is untouched and the new one is there; PostgreSQL says which row
    # was inserted (elsewhere the caller is told to read back)
    assert InboundLead.objects.get(external_id="a").raw == {"v": 1}
    assert InboundLead.objects.get(external_id="b").raw == {"v": 3}
    if connection.vendor == "postgresql":
        assert [ext for _pk, ext in got] == ["b"]
    else:
        assert got is None


def test_a_batch_encrypts_a_system_note_once_and_a_staff_note_per_row() -> None:
    # given two new people, each with a system-written event and the same staff note
    leads = [_lead("13800000001"), _lead("13800000002")]
    rows_insert(leads)
    events = [lead_events.new_lead_event(lead=lead, channel="douyin", at=None) for lead in leads]
    events += [
        lead_events.note_event(lead=lead, note="乙肝复查", actor_label="医助") for lead in leads
    ]

    # when the batch is written
    lead_events.events_record(events)

    # then the system note ("新线索", a function of the clear columns) has one token for the
    # batch, the staff note one per row, and both read back as written
    ids = [e.pk for e in events]
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))  # placeholders only
        sql = f"SELECT kind, note FROM funnel_leadevent WHERE id IN ({marks})"  # noqa: S608
        cursor.execute(sql, ids)
        tokens = cursor.fetchall()
    system = {note for kind, note in tokens if kind == "stage"}
    staff = [note for kind, note in tokens if kind == "note"]
    assert len(system) == 1
    assert len(set(staff)) == 2
    stored = LeadEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    assert [e.note for e in stored] == ["新线索", "新线索", "乙肝复查", "乙肝复查"]
