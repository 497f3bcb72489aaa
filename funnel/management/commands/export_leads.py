"""export_leads [--format jsonl|csv] [--reveal [--operator NAME]]: one lead a row, masked unless
--reveal; a revealed export is audited (ExportAudit: operator, OS user, time, rows, filter)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

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
