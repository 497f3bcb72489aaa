"""check_compliance PATH|--page ID [--format text|json] [--science]

Exit status: 0 no blocking finding, 1 at least one blocking finding, 2 bad input (missing
file or page, unreadable text)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.compliance import ComplianceReport, check_page, check_report

CONTRACT_KEYS = ("rule", "severity", "line", "start", "end", "text", "reference")


class Command(BaseCommand):
    help = "检查文本文件或页面的医疗广告合规问题；有阻止发布的问题时退出码为 1"

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("path", nargs="?", help="UTF-8 文本文件，逐行检查")
        target.add_argument("--page", type=int, help="页面 ID（检查最新版本，含未发布草稿）")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--science", action="store_true", help="按科普内容检查（加上《广告法》第十九条规则）"
        )

    def handle(self, *args, **options):
        if options["page"] is not None:
            report, source = self._page_report(options["page"]), f"page {options['page']}"
        else:
            report, source = self._file_report(options["path"], options["science"]), options["path"]
        if options["format"] == "json":
            rows = [
                {
                    **{k: row[k] for k in CONTRACT_KEYS},
                    "field": row["field"],
                    "message": row["message"],
                }
                for row in report.as_dicts()
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            self._write_text(report, source)
        if report.has_blocking:
            raise CommandError(f"{len(report.blocking)} 处问题阻止发布", returncode=1)

    def _file_report(self, path: str, science: bool) -> ComplianceReport:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"无法按 UTF-8 读取 {path}：{exc}", returncode=2) from exc
        return check_report(text, scopes={"science"} if science else ())

    def _page_report(self, page_id: int) -> ComplianceReport:
        from wagtail.models import Page

        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise CommandError(f"页面不存在：{page_id}", returncode=2)
        return check_page(page.specific.get_latest_revision_as_object())

    def _write_text(self, report: ComplianceReport, source: str) -> None:
        for f in report.findings:
            where = f"{source}:{f.field + ':' if f.field else ''}{f.line}:{f.start}-{f.end}"
            level = "阻止" if f.blocking else "提示"
            self.stdout.write(f"{where} [{level}] {f.rule} “{f.text}” {f.message}（{f.reference}）")
        self.stdout.write(
            f"{len(report.findings)} 处发现，{len(report.blocking)} 处阻止发布"
            f"（规则版本 {report.rules_version}）"
        )
