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

from django.db import IntegrityError, connection, transaction
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
    """Store one raw record (a push, a form). Returns (row, changed): changed is False for an
    exact replay. A re-send with different content (platforms fill some fields late) replaces
    the stored record and goes through processing again, which updates the lead's attribution.

    The same outcome as a page of one through `inbound_receive_many`, in one INSERT for the
    usual new record: this is every webhook's path, where latency counts."""
    row = _new_row(
        channel=channel, account=account, external_id=external_id, raw=raw, payload=payload
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            return row, True
        except IntegrityError:
            row = InboundLead.objects.select_for_update().get(
                channel=channel, account_name=row.account_name, external_id=external_id
            )
        if row.raw == raw:
            return row, False
        _resend(row, raw, payload)
        rows_update([row], RESEND_FIELDS)
        return row, True


RESEND_FIELDS = ["raw", "payload", "status", "updated_at"]


def _new_row(
    *,
    channel: str,
    account: ChannelAccount | None,
    external_id: str,
    raw: dict[str, Any],
    payload: LeadPayload | None,
) -> InboundLead:
    return InboundLead(
        channel=channel,
        account=account,
        # Denormalised so the unique constraint also holds for our own forms (no account).
        account_name=account.name if account else "",
        external_id=external_id,
        raw=raw,
        payload=payload.to_dict() if payload else None,
    )


def _resend(row: InboundLead, raw: dict[str, Any], payload: LeadPayload | None) -> None:
    """A changed copy of a stored record replaces it and waits for processing again."""
    row.raw = raw
    row.payload = payload.to_dict() if payload else None
    row.status = InboundStatus.RECEIVED
    row.updated_at = timezone.now()


def inbound_receive_many(
    *,
    channel: str,
    records: list[tuple[str, dict[str, Any], LeadPayload | None]],
    account: ChannelAccount | None = None,
) -> list[tuple[InboundLead, bool]]:
    """Store a page of (external id, raw, payload), one result per distinct id (the last copy
    of an id wins), in two statements: insert every record (ON CONFLICT DO NOTHING), then lock
    the page's rows; only re-sends whose content changed are written again.

    A row counts as ours (new) when it was stored since this call began and holds our copy;
    a copy another request stored at the same moment then also counts as new, which costs
    one idempotent extra processing, never a lost record."""
    account_name = account.name if account else ""
    wanted = {external_id: (raw, payload) for external_id, raw, payload in records}
    with transaction.atomic():
        began = timezone.now()
        InboundLead.objects.bulk_create(
            [
                _new_row(
                    channel=channel, account=account, external_id=ext, raw=raw, payload=payload
                )
                for ext, (raw, payload) in wanted.items()
            ],
            ignore_conflicts=True,
        )
        rows = InboundLead.objects.select_for_update().filter(
            channel=channel, account_name=account_name, external_id__in=list(wanted)
        )
        # The stored payload is never read here: skip decrypting it.
        stored = {row.external_id: row for row in rows.defer("payload").order_by("pk")}
        out: list[tuple[InboundLead, bool]] = []
        resent: list[InboundLead] = []
        for external_id, (raw, payload) in wanted.items():
            row = stored[external_id]
            if row.raw == raw:
                out.append((row, row.received_at >= began))
                continue
            _resend(row, raw, payload)
            resent.append(row)
            out.append((row, True))
        if resent:
            rows_update(resent, RESEND_FIELDS)
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
