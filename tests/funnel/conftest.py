from __future__ import annotations

import itertools

import pytest

from funnel.payload import IngestResult, LeadPayload
from funnel.services.intake import IntakeSource, lead_intake

_keys = itertools.count()


@pytest.fixture
def ingest():
    """Send a payload through the real intake → ingest path, as every source does."""

    def send(payload: LeadPayload, key: str | None = None, raw: dict | None = None) -> IngestResult:
        return lead_intake(
            source=IntakeSource(channel=payload.channel or "api"),
            external_id=key or f"test-{next(_keys)}",
            raw=raw if raw is not None else payload.to_dict(),
            payload=payload,
        ).outcome

    return send
