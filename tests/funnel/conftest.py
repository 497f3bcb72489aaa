from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from channels.services.inbox import inbound_process, inbound_receive
from funnel.payload import IngestResult, LeadPayload

_keys = itertools.count()


@pytest.fixture
def ingest():
    """Send a payload through the real inbox → ingest path, as every source does."""

    def send(payload: LeadPayload, key: str | None = None, raw: dict | None = None) -> IngestResult:
        external_id = key or f"test-{next(_keys)}"
        with transaction.atomic():
            row, _ = inbound_receive(
                channel=payload.channel or "api",
                external_id=external_id,
                raw=raw if raw is not None else payload.to_dict(),
                payload=payload,
            )
        return inbound_process(inbound_id=row.pk)

    return send
