"""export_leads [--format jsonl|csv] [--reveal]: one lead a row, masked unless --reveal."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from funnel.csvsafe import csv_write
from funnel.selectors import lead_export_rows

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

    def handle(self, *args, format: str, reveal: bool, **options) -> None:
        rows = lead_export_rows(reveal=reveal)
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
