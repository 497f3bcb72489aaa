"""The one safe CSV writer (UTF-8 with BOM, formula cells neutralised) and every export
that must go through it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from funnel.csvsafe import BOM, cell_safe, csv_write
from tests.funnel.factories import payload

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+8613800138000", "'+8613800138000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        (None, ""),
        (-5, -5),
        (Decimal("-1.50"), Decimal("-1.50")),
    ],
)
def test_cell_safe_neutralises_formula_starts_only(value, expected):
    assert cell_safe(value) == expected


def test_csv_write_puts_a_bom_then_header_then_rows():
    out = io.StringIO()
    count = csv_write(
        out,
        columns=["name", "n"],
        rows=[{"name": '=HYPERLINK("http://x")', "n": 3}],
        headings={"name": "姓名"},
    )
    assert count == 1
    assert out.getvalue() == BOM + '姓名,n\n"\'=HYPERLINK(""http://x"")",3\n'


def test_export_leads_csv_is_bom_utf8_and_neutralises_a_hostile_name(db, ingest):
    # given: a lead whose name and keyword a spreadsheet would run as formulas
    ingest(payload("13812345678", name="=cmd|' /C calc'!A0", keyword="@SUM(1)"))
    out = io.StringIO()
    # when
    call_command("export_leads", "--format", "csv", "--reveal", stdout=out)
    # then
    text = out.getvalue()
    assert text.startswith(BOM + "lead_id,")
    row = next(csv.DictReader(io.StringIO(text.removeprefix(BOM))))
    assert (row["name"], row["keyword"], row["phone"]) == (
        "'=cmd|' /C calc'!A0",
        "'@SUM(1)",
        "'+8613812345678",
    )


def test_funnel_report_csv_starts_with_a_bom(db, ingest):
    ingest(payload("13812345678", channel="douyin", campaign_id="=evil"))
    out = io.StringIO()
    call_command("funnel_report", "--by=campaign", "--format=csv", stdout=out)
    text = out.getvalue()
    assert text.startswith(BOM + "channel,campaign_id,campaign,spend")
    row = next(csv.DictReader(io.StringIO(text.removeprefix(BOM))))
    assert (row["channel"], row["campaign_id"], row["leads"]) == ("douyin", "'=evil", "1")


def test_no_export_writes_csv_without_the_safe_writer():
    # every csv.writer / DictWriter lives in funnel/csvsafe.py (reading CSV is fine)
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("config", "cms", "landing", "channels", "funnel")
        for path in (ROOT / app).rglob("*.py")
        if path.name != "csvsafe.py"
        and ("csv.writer" in path.read_text() or "csv.DictWriter" in path.read_text())
    ]
    assert offenders == []
