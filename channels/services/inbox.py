"""The inbox: store every raw record first, then process it through the funnel's ingest.

`inbound_receive` only stores (idempotent on channel + account + external id) and is what
webhooks and pulls call inside their request or page transaction. Processing is separate:
`inbound_enqueue` after commit for webhooks and pulls, or `inbound_process` inline for the
landing form and the lead API, which must answer with the routed lead.
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
    """Store a raw record. Returns (row, changed): changed is False for an exact replay.

    A re-send with different content (platforms fill some fields late) replaces the stored
    record and sends it through processing again, which updates the lead's attribution.
    """
    account_name = account.name if account else ""
    payload_dict = payload.to_dict() if payload else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundLead.objects.create(
                    channel=channel,
                    account=account,
                    account_name=account_name,
                    external_id=external_id,
                    raw=raw,
                    payload=payload_dict,
                )
            return row, True
        except IntegrityError:
            row = InboundLead.objects.select_for_update().get(
                channel=channel, account_name=account_name, external_id=external_id
            )
        if row.raw == raw:
            return row, False
        row.raw = raw
        row.payload = payload_dict
        row.status = InboundStatus.RECEIVED
        row.save(update_fields=["raw", "payload", "status", "updated_at"])
        return row, True


def inbound_receive_many(
    *,
    channel: str,
    records: list[tuple[str, dict[str, Any], LeadPayload | None]],
    account: ChannelAccount | None = None,
) -> list[tuple[InboundLead, bool]]:
    """`inbound_receive` for a page of (external id, raw, payload) with distinct ids, in a
    fixed number of statements: lock the known rows, insert the rest (ON CONFLICT DO NOTHING),
    lock those, then rewrite only re-sends whose content changed."""
    account_name = account.name if account else ""
    wanted = {external_id: (raw, payload) for external_id, raw, payload in records}

    def _locked_rows(ids: list[str], *, content: bool = True) -> dict[str, InboundLead]:
        rows = InboundLead.objects.select_for_update().filter(
            channel=channel, account_name=account_name, external_id__in=ids
        )
        if not content:  # rows just inserted: their content is what we hold; skip decrypting
            rows = rows.defer("raw", "payload")
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
        fresh = _locked_rows(fresh_ids, content=False) if fresh_ids else {}
        out: list[tuple[InboundLead, bool]] = []
        resent: list[InboundLead] = []
        for external_id, (raw, payload) in wanted.items():
            if external_id in fresh:
                out.append((fresh[external_id], True))
                continue
            row = known[external_id]
            if row.raw == raw:
                out.append((row, False))
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
    from channels.tasks import inbound_process_task

    transaction.on_commit(lambda: inbound_process_task.delay(inbound_id))


def inbound_process(*, inbound_id: int) -> IngestResult:
    """Run one stored record through ingest; idempotent (a processed row is not re-ingested)."""
    from funnel.services.ingest import lead_ingest

    with transaction.atomic():
        row = InboundLead.objects.select_for_update().get(pk=inbound_id)
        if row.status == InboundStatus.PROCESSED:
            return IngestResult(
                result=row.result, lead_id=row.lead_id, inbound_id=row.pk, replayed=True
            )
        row.attempts += 1
        try:
            if row.payload is None:
                raise ApplicationError("unmapped", "no normalized payload", status=422)
            with transaction.atomic():
                result = lead_ingest(payload=LeadPayload.from_dict(row.payload), inbound=row)
        except ApplicationError as err:
            row.status = InboundStatus.QUARANTINED
            row.reason = err.code
            row.detail = err.message
            row.save(update_fields=["status", "reason", "detail", "attempts", "updated_at"])
            return IngestResult(result="quarantined", reason=err.code, inbound_id=row.pk)
        row.status = InboundStatus.PROCESSED
        row.reason = ""
        row.detail = ""
        row.lead_id = result.lead_id
        row.result = result.result
        row.processed_at = timezone.now()
        row.save()
        return result


def _commit_without_flush() -> None:
    """Processing is derived data: the raw records were committed durably when received, and
    a crash that loses the last fraction of a second of processing leaves those rows RECEIVED,
    where `inbound_sweep` finds and processes them again. So this transaction does not wait
    for its WAL flush (PostgreSQL's per-transaction `synchronous_commit = off`), which is a
    large share of a batch's time on a small disk."""
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


def inbound_process_many(*, inbound_ids: list[int]) -> list[IngestResult]:
    """Process stored records as one ingest batch (pulls, imports): a fixed number of
    statements per batch instead of per record. Idempotent like `inbound_process`. If the batch
    fails for an unexpected reason, each record is processed alone, so one bad record cannot
    hold back the others."""
    from funnel.errors import LeadRejected
    from funnel.services import ingest

    try:
        with transaction.atomic():
            _commit_without_flush()
            rows = list(
                InboundLead.objects.select_for_update()
                .filter(pk__in=inbound_ids)
                .defer("raw")
                .order_by("pk")
            )
            results: dict[int, IngestResult] = {}
            todo: list[InboundLead] = []
            for row in rows:
                if row.status == InboundStatus.PROCESSED:
                    results[row.pk] = IngestResult(
                        result=row.result, lead_id=row.lead_id, inbound_id=row.pk, replayed=True
                    )
                    continue
                row.attempts += 1
                todo.append(row)
            mapped = [row for row in todo if row.payload is not None]
            outcomes = ingest.leads_ingest(
                items=[
                    ingest.IngestItem(payload=LeadPayload.from_dict(row.payload), inbound=row)
                    for row in mapped
                ]
            )
            by_row: dict[int, IngestResult | ApplicationError] = {
                row.pk: ApplicationError("unmapped", "no normalized payload", status=422)
                for row in todo
                if row.payload is None
            }
            by_row.update({row.pk: outcome for row, outcome in zip(mapped, outcomes, strict=True)})
            now = timezone.now()
            for row in todo:
                outcome = by_row[row.pk]
                row.updated_at = now
                if isinstance(outcome, (LeadRejected, ApplicationError)):
                    row.status = InboundStatus.QUARANTINED
                    row.reason = outcome.code
                    row.detail = outcome.message
                    results[row.pk] = IngestResult(
                        result="quarantined", reason=outcome.code, inbound_id=row.pk
                    )
                    continue
                row.status = InboundStatus.PROCESSED
                row.reason = ""
                row.detail = ""
                row.lead_id = outcome.lead_id
                row.result = outcome.result
                row.processed_at = now
                results[row.pk] = outcome
            rows_update(
                todo,
                [
                    "status",
                    "reason",
                    "detail",
                    "lead",
                    "result",
                    "processed_at",
                    "attempts",
                    "updated_at",
                ],
            )
    except Exception:
        logger.exception(
            "batch of %d inbound records failed; processing one by one", len(inbound_ids)
        )
        return [inbound_process(inbound_id=pk) for pk in inbound_ids]
    return [results[pk] for pk in inbound_ids if pk in results]


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
