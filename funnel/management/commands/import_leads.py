"""import_leads PATH [--consent-version V] [--source NAME]: a CSV of leads through the inbox."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from funnel.consent import consent_version_check
from funnel.services.imports import ImportRefused, csv_lines, leads_import_csv


class Command(BaseCommand):
    help = "导入线索 CSV（经收件箱，坏行隔离）/ import leads from a CSV through the inbox"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path", help="UTF-8, GB18030 or UTF-16 (with BOM) CSV with a header row"
        )
        parser.add_argument(
            "--consent-version",
            default="",
            help="consent text version the people in this file agreed to; without it rows are "
            "quarantined as consent_required (a 同意/consent column can still say no per row)",
        )
        parser.add_argument("--source", default="", help="source name (default: file name)")

    def handle(self, *args, path: str, consent_version: str, source: str, **options) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no such file: {path}", returncode=2)
        if consent_version:
            try:
                consent_version_check(consent_version)
            except ApplicationError as exc:
                raise CommandError(exc.message, returncode=2) from exc
        try:
            summary = leads_import_csv(
                lines=csv_lines(file.read_bytes()),
                consent_version=consent_version,
                source_name=source or file.name,
            )
        except ImportRefused as exc:
            # Exit 2 with the reason; the file was checked whole first, nothing was stored.
            raise CommandError(f"{file.name}: {exc}", returncode=2) from exc
        reasons = ", ".join(f"{code}={n}" for code, n in sorted(summary.reasons.items()))
        self.stdout.write(
            f"rows={summary.rows} created={summary.results['created']} "
            f"merged={summary.results['merged']} quarantined={summary.results['quarantined']} "
            f"unchanged={summary.unchanged}" + (f" ({reasons})" if reasons else "")
        )
