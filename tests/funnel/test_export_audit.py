"""Issue 13 point 8: a revealed export is audited (who, when, how many rows, which filter)."""

from __future__ import annotations

import getpass
import io

import pytest
from django.core.management import call_command

from funnel.models import ExportAudit
from funnel.payload import LeadPayload

pytestmark = pytest.mark.django_db


def _two_leads(ingest) -> None:
    for phone in ("13812345678", "13912345678"):
        ingest(LeadPayload(phone=phone, name="王", channel="api", consent_required=False))


def test_a_revealed_export_records_operator_time_rows_and_filter(ingest) -> None:
    _two_leads(ingest)

    call_command("export_leads", "--reveal", "--operator", "李经理", stdout=io.StringIO())

    audit = ExportAudit.objects.get()
    assert (audit.what, audit.operator, audit.rows, audit.revealed) == (
        "export_leads",
        "李经理",
        2,
        True,
    )
    assert audit.filters == {"leads": "all"}
    assert audit.output_format == "jsonl"
    assert audit.at is not None
    assert audit.finished_at >= audit.at


def test_without_operator_the_os_user_is_recorded(ingest) -> None:
    _two_leads(ingest)

    call_command("export_leads", "--reveal", "--format", "csv", stdout=io.StringIO())

    audit = ExportAudit.objects.get()
    assert audit.operator == getpass.getuser() == audit.os_user
    assert (audit.rows, audit.output_format) == (2, "csv")


def test_a_masked_export_is_not_an_audit_event(ingest) -> None:
    _two_leads(ingest)

    call_command("export_leads", stdout=io.StringIO())

    assert ExportAudit.objects.count() == 0


def test_the_audit_row_exists_before_the_first_row_leaves(ingest) -> None:
    # an export that dies midway is still on record (rows empty: incomplete)
    from funnel.services.exports import leads_export

    _two_leads(ingest)
    rows = leads_export(reveal=True, what="export_leads", operator="x")
    next(rows)
    audit = ExportAudit.objects.get()
    assert (audit.operator, audit.rows, audit.finished_at) == ("x", None, None)
