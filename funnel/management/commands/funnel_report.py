"""`funnel_report --by channel|campaign|content|assistant|specialty [--start D --end D]
[--grain day|week|month] [--format table|csv|json]`: the ROI and funnel table."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from funnel.csvsafe import csv_write
from funnel.reports.analytics import json_row
from funnel.reports.selectors import DIMENSIONS, GRAINS, Window, funnel_report


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"invalid date {value!r}: use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "ROI, CAC and stage funnel per channel, campaign, content, assistant or specialty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, choices=DIMENSIONS)
        parser.add_argument("--start", help="first day, YYYY-MM-DD (default: 30 days ago)")
        parser.add_argument("--end", help="last day, inclusive (default: today)")
        parser.add_argument("--grain", choices=GRAINS, help="also split by day, week or month")
        parser.add_argument("--format", default="table", choices=["table", "csv", "json"])

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        end = _date(options["end"]) if options["end"] else today
        start = _date(options["start"]) if options["start"] else end - dt.timedelta(days=29)
        if start > end:
            raise CommandError("--start is after --end")
        try:
            window = Window(start, end)
        except ValueError as err:
            raise CommandError(str(err)) from err
        rows = [
            json_row(r)
            for r in funnel_report(
                by=options["by"], window=window, grain=options["grain"]
            )
        ]
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            if fmt == "table":
                self.stdout.write("(no data)")
            return
        columns = list(rows[0])
        if fmt == "csv":
            csv_write(self.stdout, columns=columns, rows=rows)
            return
        cells = [[("" if r[c] is None else str(r[c])) for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        self.stdout.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for row in cells:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
