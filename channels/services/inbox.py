"""The inbox: store every raw record first, then process it through the funnel's ingest.

`inbound_receive_many` only stores (idempotent on channel + account + external id) and is what
pulls and webhooks (`inbound_receive`, a page of one) call inside their page or request
transaction. Processing is separate: `inbound_enqueue_many` / `inbound_enqueue` after commit
for pulls and webhooks, or `inbound_process` inline for the landing form and the lead API,
which must answer with the routed lead. Both run `inbound_process_many`, one ingest batch.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from channels.models import ChannelAccount, InboundLead, InboundStatus
from config.errors import ApplicationError
from funnel.bulk import rows_update
from funnel.payload import IngestResult, LeadPayload

logger = logging.getLogger("yinliu.inbox")
SWEEP_AFTER = dt.timedelta(minutes=2)
SWEEP_BATCH = 100


def inbound_receive(
    *,
    channel: str,
    external_id: str,
    raw: dict[str, Any],
    payload: LeadPayload | None,
    account: ChannelAccount | None = None,
) -> tuple[InboundLead, bool]:
    """Store one raw record (a page of one). Returns (row, changed): changed is False for an
    exact replay. A re-send with different content (platforms fill some fields late) replaces
    the stored record and goes through processing again, which updates the lead's attribution.
    """
    (received,) = inbound_receive_many(
        channel=channel, records=[(external_id, raw, payload)], account=account
    )
    return received


def inbound_receive_many(
    *,
    channel: str,
    records: list[tuple[str, dict[str, Any], LeadPayload | None]],
    account: ChannelAccount | None = None,
) -> list[tuple[InboundLead, bool]]:
    """Store a page of (external id, raw, payload), one result per distinct id (the last copy
    of an id wins), in a fixed number of statements: lock the known rows, insert the rest
    (ON CONFLICT DO NOTHING), lock those, then rewrite only re-sends whose content changed."""
    account_name = account.name if account else ""
    wanted = {external_id: (raw, payload) for external_id, raw, payload in records}

    def _locked_rows(ids: list[str], *, payload: bool = True) -> dict[str, InboundLead]:
        rows = InboundLead.objects.select_for_update().filter(
            channel=channel, account_name=account_name, external_id__in=ids
        )
        if not payload:  # rows just inserted: the raw record tells whose copy they hold
            rows = rows.defer("payload")
        return {row.external_id: row for row in rows.order_by("pk")}

    with transaction.atomic():
        known = _locked_rows(list(wanted))
        fresh_ids = [external_id for external_id in wanted if external_id not in known]
        InboundLead.objects.bulk_create(
            [
                InboundLead(
                    channel=channel,
                    account=account,
                    account_name=account_name,
                    external_id=external_id,
                    raw=wanted[external_id][0],
                    payload=wanted[external_id][1].to_dict() if wanted[external_id][1] else None,
                )
                for external_id in fresh_ids
            ],
            ignore_conflicts=True,
        )
        # A row another request inserted meanwhile is among these too: if its copy differs
        # from ours, ours is a re-send like any other.
        fresh = _locked_rows(fresh_ids, payload=False) if fresh_ids else {}
        out: list[tuple[InboundLead, bool]] = []
        resent: list[InboundLead] = []
        for external_id, (raw, payload) in wanted.items():
            row = fresh.get(external_id) or known[external_id]
            if row.raw == raw:
                out.append((row, external_id in fresh))
                continue
            row.raw = raw
            row.payload = payload.to_dict() if payload else None
            row.status = InboundStatus.RECEIVED
            row.updated_at = timezone.now()
            resent.append(row)
            out.append((row, True))
        if resent:
            rows_update(resent, ["raw", "payload", "status", "updated_at"])
        return out


def inbound_enqueue_many(*, inbound_ids: list[int]) -> None:
    """Process a page of records as one batch after the surrounding transaction commits."""
    from channels.tasks import inbound_process_batch_task

    if inbound_ids:
        ids = list(inbound_ids)
        transaction.on_commit(lambda: inbound_process_batch_task.delay(ids))


def inbound_enqueue(*, inbound_id: int) -> None:
    """Process after the surrounding transaction commits (never inside it)."""
    inbound_enqueue_many(inbound_ids=[inbound_id])


def inbound_process(*, inbound_id: int) -> IngestResult:
    """Run one stored record through ingest now (landing form, lead API: they answer with the
    routed lead, so this commit is durable); idempotent (a processed row is not re-ingested)."""
    results = inbound_process_many(inbound_ids=[inbound_id], durable=True)
    if not results:
        raise InboundLead.DoesNotExist(f"no inbound record {inbound_id}")
    return results[0]


def _commit_without_flush() -> None:
    """Background processing is derived data: the raw records were committed durably when
    received, and a crash that loses the last fraction of a second of processing leaves those
    rows RECEIVED, where `inbound_sweep` finds and processes them again. So such a transaction
    does not wait for its WAL flush (PostgreSQL's per-transaction `synchronous_commit = off`),
    which is a large share of a batch's time on a small disk."""
    # Only when this is the outermost transaction: SET LOCAL would bind an enclosing one too.
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def inbound_sweep(*, older_than: dt.timedelta = SWEEP_AFTER, limit: int = 5000) -> int:
    """Records stored but never processed (a worker died, the broker lost the message, a
    commit was lost): process them now, in batches. Returns how many were picked up."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundLead.objects.filter(status=InboundStatus.RECEIVED, updated_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for at in range(0, len(ids), SWEEP_BATCH):
        inbound_process_many(inbound_ids=ids[at : at + SWEEP_BATCH])
    return len(ids)


PROCESS_FIELDS = [
    "status",
    "reason",
    "detail",
    "lead",
    "result",
    "processed_at",
    "attempts",
    "updated_at",
]


def inbound_process_many(*, inbound_ids: list[int], durable: bool = False) -> list[IngestResult]:
    """Process stored records as one ingest batch: a fixed number of statements whatever the
    number of records; idempotent (processed rows are skipped). `durable` makes the commit wait
    for the disk, for callers that answer someone with the result. If a batch of several fails
    for an unexpected reason, each record is processed alone, so one bad record cannot hold
    back the others."""
    try:
        with transaction.atomic():
            if not durable:
                _commit_without_flush()
            return _process_locked(inbound_ids)
    except Exception:
        if len(inbound_ids) < 2:
            raise
        logger.exception(
            "batch of %d inbound records failed; processing one by one", len(inbound_ids)
        )
        return [inbound_process(inbound_id=pk) for pk in inbound_ids]


def _process_locked(inbound_ids: list[int]) -> list[IngestResult]:
    from funnel.services import ingest

    rows = list(
        InboundLead.objects.select_for_update()
        .filter(pk__in=inbound_ids)
        .defer("raw")
        .order_by("pk")
    )
    results = {
        row.pk: IngestResult(
            result=row.result, lead_id=row.lead_id, inbound_id=row.pk, replayed=True
        )
        for row in rows
        if row.status == InboundStatus.PROCESSED
    }
    todo = [row for row in rows if row.pk not in results]
    mapped = [row for row in todo if row.payload is not None]
    outcomes = dict.fromkeys(
        (row.pk for row in todo),
        ApplicationError("unmapped", "no normalized payload", status=422),
    )
    outcomes.update(
        zip(
            (row.pk for row in mapped),
            ingest.leads_ingest(
                items=[
                    ingest.IngestItem(payload=LeadPayload.from_dict(row.payload), inbound=row)
                    for row in mapped
                ]
            ),
            strict=True,
        )
    )
    now = timezone.now()
    for row in todo:
        results[row.pk] = _outcome_record(row, outcomes[row.pk], now)
    rows_update(todo, PROCESS_FIELDS)
    return [results[pk] for pk in inbound_ids if pk in results]


def _outcome_record(
    row: InboundLead, outcome: IngestResult | ApplicationError, now: dt.datetime
) -> IngestResult:
    """Set the row's status from its ingest outcome (saved by the caller, with the batch)."""
    row.attempts += 1
    row.updated_at = now
    if isinstance(outcome, ApplicationError):  # LeadRejected included: quarantined, kept
        row.status = InboundStatus.QUARANTINED
        row.reason = outcome.code
        row.detail = outcome.message
        return IngestResult(result="quarantined", reason=outcome.code, inbound_id=row.pk)
    row.status = InboundStatus.PROCESSED
    row.reason = ""
    row.detail = ""
    row.lead_id = outcome.lead_id
    row.result = outcome.result
    row.processed_at = now
    return outcome


def inbound_replay(*, inbound_id: int, changes: dict[str, Any] | None = None) -> IngestResult:
    """Fix a quarantined record's normalized fields (from the admin) and process it again."""
    with transaction.atomic():
        row = InboundLead.objects.select_for_update().get(pk=inbound_id)
        if row.status == InboundStatus.PROCESSED:
            return IngestResult(
                result=row.result, lead_id=row.lead_id, inbound_id=row.pk, replayed=True
            )
        payload = dict(row.payload or {})
        payload.update(changes or {})
        row.payload = LeadPayload.from_dict(payload).to_dict()
        row.status = InboundStatus.RECEIVED
        row.save(update_fields=["payload", "status", "updated_at"])
    return inbound_process(inbound_id=inbound_id)
