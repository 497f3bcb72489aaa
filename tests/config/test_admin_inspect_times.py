"""Every admin inspect page shows times in Asia/Shanghai, as the lists do: Wagtail's inspect
view printed the stored UTC value (a record received at 08:57 Shanghai read 00:57)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from funnel.models import InboundLead
from funnel.services.intake import IntakeSource, lead_intake
from tests.funnel.factories import payload

pytestmark = pytest.mark.django_db

# 2026-03-01 23:30 UTC is 2026-03-02 07:30 in Shanghai: another day and hour
RECEIVED = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)


def test_the_raw_record_inspect_page_shows_shanghai_time(admin_client) -> None:
    lead = payload("13800138001", name="张三")
    lead_intake(
        source=IntakeSource(channel="api"), external_id="x-1", raw=lead.to_dict(), payload=lead
    )
    row = InboundLead.objects.get()
    InboundLead.objects.filter(pk=row.pk).update(received_at=RECEIVED, processed_at=RECEIVED)

    body = admin_client.get(f"/admin/funnel/inbound/inspect/{row.pk}/").content.decode()

    shown = re.sub(r"\s+", " ", body)
    assert "接收时间</dt> <dd> 2026-03-02 07:30 </dd>" in shown
    assert "2026年3月1日" not in shown
    assert "23:30" not in shown
