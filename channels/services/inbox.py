"""The inbox: store every raw record first, then process it through the funnel's ingest.

`inbound_receive` only stores (idempotent on channel + account + external id) and is what
webhooks and pulls call inside their request or page transaction. Processing is separate:
`inbound_enqueue` after commit for webhooks and pulls, or `inbound_process` inline for the
landing form and the lead API, which must answer with the routed lead.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.models import ChannelAccount, InboundLead, InboundStatus
from config.errors import ApplicationError
from funnel.payload import IngestResult, LeadPayload


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
