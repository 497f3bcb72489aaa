"""export_leads [--format jsonl|csv] [--reveal [--operator NAME]]: one lead a row, masked unless
--reveal; a revealed export is audited (ExportAudit: operator, OS user, time, rows, filter)."""

from __future__ import annotations

import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from funnel.csvsafe import csv_write
from funnel.services.exports import leads_export

COLUMNS = [
    "lead_id",
    "name",
    "phone",
    "stage",
    "specialty",
    "assignee",
    "package",
    "score",
    "channel",
    "campaign",
    "keyword",
    "click_ids",
    "created_at",
]


def operator_problem(operator: str) -> str:
    """ "" when `operator` may be written into the audit, else why not. Control, format and
    line/paragraph-separator characters are refused: a newline or escape sequence would forge
    or hide audit lines, a bidi override would show another name."""
    for ch in operator:
        if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            return f"control character U+{ord(ch):04X}"
    return ""


class Command(BaseCommand):
    help = "导出线索（默认脱敏）/ export leads, masked unless --reveal"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument(
            "--reveal", action="store_true", help="full phone and name (audited use)"
        )
        parser.add_argument(
            "--operator",
            default="",
            help="who is exporting, recorded in the audit (default: the OS user)",
        )

    def handle(self, *args, format: str, reveal: bool, operator: str, **options) -> None:
        problem = operator_problem(operator)
        if problem:
            raise CommandError(
                f"--operator 含控制字符，拒绝导出 / --operator refused: {problem}",
                returncode=2,
            )
        rows = leads_export(
            reveal=reveal,
            what="export_leads",
            operator=operator,
            filters={"leads": "all"},
            output_format=format,
        )
        if format == "jsonl":
            for row in rows:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        csv_write(
            self.stdout,
            columns=COLUMNS,
            rows=(
                {**row, "click_ids": json.dumps(row["click_ids"], ensure_ascii=False)}
                for row in rows
            ),
        )
