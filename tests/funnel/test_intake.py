"""Intake's batched path that pulls and imports take: a page stored in one go, then processed
as one ingest batch; and the sweep that picks up records nobody processed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.errors import ApplicationError
from funnel.models import InboundLead, InboundStatus, Lead, LeadEvent, Touchpoint
from funnel.payload import Consent
from funnel.services import ingest, intake
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _routing():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    pool, assistants = pool_with([1, 1])
    catch_all_rule(pool)
    return assistants


def _page(records):
    return [(f"ext-{i}", {"i": i, **p.to_dict()}, p) for i, p in records]


BAIDU = intake.IntakeSource(channel="baidu")


def _receive(records):
    # Stored for later processing: inside the test's transaction the task never runs, so the
    # test plays the worker with `intake_process`.
    with transaction.atomic():
        return intake.leads_intake(source=BAIDU, records=_page(records))


def _ids(stored):
    return [s.inbound_id for s in stored]


def test_a_page_with_repeats_and_bad_records_becomes_the_right_leads() -> None:
    # given a page: two people (one twice, in two spellings), a bad phone and no consent
    page = [
        (1, payload("138 0000 0001")),
        (2, payload("13800000002", channel="baidu", keyword="脱发医院")),
        (3, payload("+86 138-0000-0001", keyword="防脱洗发水")),
        (4, payload("12345")),
        (5, payload("13800000005", consent=Consent())),
    ]
    received = _receive(page)
    assert [s.changed for s in received] == [True] * 5

    # when the page is processed as one batch
    results = intake.intake_process(inbound_ids=_ids(received))

    # then each record has its own outcome, in order, and nothing is lost
    assert [r.result for r in results] == [
        "created",
        "created",
        "merged",
        "quarantined",
        "quarantined",
    ]
    assert [r.reason for r in results[3:]] == ["invalid_phone", "consent_required"]
    assert Lead.objects.count() == 2
    first = Lead.objects.get(pk=results[0].lead_id)
    assert results[2].lead_id == first.pk
    assert Touchpoint.objects.filter(lead=first).count() == 2
    assert Touchpoint.objects.filter(lead=first, is_first=True).count() == 1
    kinds = Counter(LeadEvent.objects.filter(lead=first).values_list("kind", flat=True))
    assert kinds == {"stage": 1, "touch": 1, "assign": 1}  # routed once, not per record
    assert first.assignee_id is not None
    statuses = Counter(InboundLead.objects.values_list("status", flat=True))
    assert statuses == {InboundStatus.PROCESSED: 3, InboundStatus.QUARANTINED: 2}


def test_processing_a_batch_twice_changes_nothing() -> None:
    received = _receive([(i, payload(f"1380000{i:04d}")) for i in range(5)])
    ids = _ids(received)
    intake.intake_process(inbound_ids=ids)

    again = intake.intake_process(inbound_ids=ids)

    assert all(r.replayed for r in again)
    assert Lead.objects.count() == 5
    assert Touchpoint.objects.count() == 5
    assert LeadEvent.objects.filter(kind="assign").count() == 5


def test_receive_many_tells_new_replayed_and_resent_records_apart() -> None:
    first = _receive([(1, payload("13800000001")), (2, payload("13800000002"))])
    intake.intake_process(inbound_ids=_ids(first))

    # the same page again, with record 2 enriched by the platform
    second = _receive([(1, payload("13800000001")), (2, payload("13800000002", city="杭州"))])
    replayed = intake.leads_intake(source=BAIDU, records=_page([(1, payload("13800000001"))]))

    assert [s.changed for s in second] == [False, True]
    assert [s.new for s in second] == [False, False]  # record 2 is a re-send, not a new one
    assert InboundLead.objects.get(pk=second[1].inbound_id).status == InboundStatus.RECEIVED
    assert replayed[0].changed is False
    assert InboundLead.objects.count() == 2


def test_a_page_costs_a_fixed_number_of_queries() -> None:
    small = _receive([(i, payload(f"1380000{i:04d}")) for i in range(5)])
    # (SQLite splits inserts above 999 parameters, so stay under that for the comparison)
    big = _receive([(i, payload(f"1390000{i:04d}")) for i in range(100, 130)])

    with CaptureQueriesContext(connection) as few:
        intake.intake_process(inbound_ids=_ids(small))
    with CaptureQueriesContext(connection) as many:
        intake.intake_process(inbound_ids=_ids(big))

    assert len(many) == len(few)  # 6× the records, the same statements


def test_an_unexpected_batch_failure_falls_back_to_one_by_one(monkeypatch) -> None:
    received = _receive([(i, payload(f"1380000{i:04d}")) for i in range(3)])
    real = ingest.leads_ingest

    def fails_for_batches(*, items):
        if len(items) > 1:
            raise RuntimeError("simulated bug hit by one record of the batch")
        return real(items=items)

    monkeypatch.setattr(ingest, "leads_ingest", fails_for_batches)

    results = intake.intake_process(inbound_ids=_ids(received))

    assert [r.result for r in results] == ["created"] * 3
    assert InboundLead.objects.filter(status=InboundStatus.PROCESSED).count() == 3
    assert Lead.objects.count() == 3


def test_sweep_processes_records_nobody_processed_and_leaves_fresh_ones() -> None:
    stale = _receive([(1, payload("13800000001")), (2, payload("13800000002"))])
    fresh = _receive([(3, payload("13800000003"))])
    InboundLead.objects.filter(pk__in=_ids(stale)).update(
        updated_at=timezone.now() - dt.timedelta(minutes=10)
    )

    picked = intake.intake_sweep()

    assert picked == 2
    assert InboundLead.objects.get(pk=fresh[0].inbound_id).status == InboundStatus.RECEIVED
    assert InboundLead.objects.filter(status=InboundStatus.PROCESSED).count() == 2
    assert intake.intake_sweep() == 0


def test_the_sweep_is_scheduled() -> None:
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="funnel.intake_sweep").count() == 1


# --- every quarantine reason has a way back ----------------------------------------------


def test_staff_record_the_missing_consent_and_the_record_becomes_a_lead() -> None:
    # given a record quarantined for want of consent (an event's spreadsheet row)
    (stored,) = intake.leads_intake(
        source=intake.IntakeSource(channel="csv", account="expo"),
        records=[("expo:1", {"手机": "13800000031"}, payload("13800000031", consent=Consent()))],
        processing=intake.Processing.NOW,
    )
    assert stored.outcome.reason == "consent_required"
    # when staff record where and when consent was given, and replay
    at = timezone.now() - dt.timedelta(days=2)
    outcome = intake.intake_replay(
        inbound_id=stored.inbound_id,
        consent=intake.ConsentRecord(
            version="health-2026-01", source="线下义诊纸质授权", at=at, recorded_by="ops"
        ),
    )
    # then it is a lead carrying that consent, who recorded it included
    assert outcome.result == "created"
    lead = Lead.objects.get(pk=outcome.lead_id)
    assert (lead.consent_version, lead.consent_given_at) == ("health-2026-01", at)
    assert lead.consent_source == "线下义诊纸质授权·ops"


def test_an_unreadable_body_is_released_with_the_fields_staff_supply() -> None:
    # given an authentic push whose body could not be read as a lead
    pk = intake.intake_reject(
        source=intake.IntakeSource(channel="baidu", account="bd"),
        body=b"{not json",
        code="malformed_body",
        detail="body is not a JSON object",
    )
    # when staff supply the phone and name from the platform's console, with consent
    outcome = intake.intake_replay(
        inbound_id=pk,
        changes={"phone": "13800000032", "name": "王五"},
        consent=intake.ConsentRecord(
            version="platform-form", source="百度表单", at=timezone.now(), recorded_by="ops"
        ),
    )
    # then it is a lead from that channel and account
    assert outcome.result == "created"
    touch = Touchpoint.objects.get(lead_id=outcome.lead_id)
    assert (touch.channel, touch.account_name) == ("baidu", "bd")


@pytest.mark.parametrize("channel", ["douyin", "xiaohongshu", "baidu"])
def test_an_unreadable_platform_push_is_released_without_our_consent_text(channel) -> None:
    # Review of issue 14 (M8): the person consented on the platform's own form; staff only
    # supply what the body could not give, and never have to record our consent for it.
    pk = intake.intake_reject(
        source=intake.IntakeSource(channel=channel, account="acc"),
        body=b'{"create_time": "yesterday"',
        code="malformed_body",
        detail="body is not a JSON object",
    )

    outcome = intake.intake_replay(inbound_id=pk, changes={"phone": "13800000034", "name": "王六"})

    assert outcome.result == "created"
    lead = Lead.objects.get(pk=outcome.lead_id)
    assert lead.consent_source.startswith(channel)


@pytest.mark.parametrize("channel", ["landing", "api", "csv"])
def test_an_unreadable_body_of_our_own_sources_still_needs_consent(channel) -> None:
    pk = intake.intake_reject(
        source=intake.IntakeSource(channel=channel),
        body=b"{not json",
        code="malformed_body",
        detail="body is not a JSON object",
    )

    outcome = intake.intake_replay(inbound_id=pk, changes={"phone": "13800000035", "name": "赵"})

    assert (outcome.result, outcome.reason) == ("quarantined", "consent_required")


def test_changing_a_processed_record_says_why_not() -> None:
    (stored,) = intake.leads_intake(
        source=BAIDU, records=_page([(1, payload("13800000033"))]), processing=intake.Processing.NOW
    )
    # a replay without changes answers the stored outcome
    assert intake.intake_replay(inbound_id=stored.inbound_id).replayed is True
    # a replay with changes is refused, naming the lead to edit instead
    with pytest.raises(ApplicationError) as refused:
        intake.intake_replay(inbound_id=stored.inbound_id, changes={"city": "杭州"})
    assert (refused.value.code, refused.value.status) == ("already_processed", 409)
    assert f"线索 #{stored.outcome.lead_id}" in refused.value.message


def _stored_after_commit(records):
    with transaction.atomic():
        return intake.leads_intake(
            source=BAIDU, records=_page(records), processing=intake.Processing.AFTER_COMMIT
        )


def test_a_page_processed_after_commit_becomes_leads_once_committed(
    django_capture_on_commit_callbacks,
) -> None:
    # given a page stored for processing right after its commit (what a pull does)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        received = _stored_after_commit([(1, payload("13800000001")), (2, payload("12345"))])
    # then nothing is processed before the commit: the raw records wait, stored
    assert Lead.objects.count() == 0
    assert InboundLead.objects.filter(status=InboundStatus.RECEIVED).count() == 2

    # when the commit's callbacks run
    with CaptureQueriesContext(connection) as queries:
        for callback in pending:
            callback()

    # then the page is processed: a lead, and the bad record quarantined on its own
    rows = {r.pk: r for r in InboundLead.objects.filter(pk__in=_ids(received))}
    assert rows[received[0].inbound_id].status == InboundStatus.PROCESSED
    assert rows[received[1].inbound_id].reason == "invalid_phone"
    assert Lead.objects.get().phone == "+8613800000001"
    if connection.vendor == "postgresql":
        # from the copies in memory: the payloads just written are not read back
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        assert not [sql for sql in reads if '"channels_inboundlead"."payload"' in sql]


def test_a_row_changed_since_it_was_stored_is_processed_from_the_database() -> None:
    # given a stored record, and an in-memory copy of it with another phone
    (received,) = _receive([(1, payload("13800000001"))])
    copy = InboundLead.objects.get(pk=received.inbound_id)
    copy.payload = {**copy.payload, "phone": "13900000009"}
    # that is no longer the stored row (a re-send or a replay moved `updated_at` since)
    copy.updated_at -= dt.timedelta(seconds=1)

    # when the record is processed with that copy held
    (result,) = intake.intake_process(
        inbound_ids=[received.inbound_id], held={received.inbound_id: copy}
    )

    # then the stored payload decided, not the stale copy
    assert Lead.objects.get(pk=result.lead_id).phone == "+8613800000001"


def test_a_failed_processing_after_commit_leaves_the_records_for_the_task_and_the_sweep(
    monkeypatch, django_capture_on_commit_callbacks, caplog
) -> None:
    # given processing that fails for a reason that is not the records' (a bug, the database)
    def broken(*, items):
        raise RuntimeError("simulated outage while processing")

    monkeypatch.setattr(ingest, "leads_ingest", broken)

    # when a page is stored and committed
    with django_capture_on_commit_callbacks(execute=True):
        received = _stored_after_commit([(1, payload("13800000001")), (2, payload("13800000002"))])

    # then the caller was not failed, and the stored records wait for the task and the sweep
    assert len(received) == 2
    statuses = InboundLead.objects.filter(pk__in=_ids(received)).values_list("status", flat=True)
    assert set(statuses) == {InboundStatus.RECEIVED}
    assert "handing them to the task" in caplog.text
