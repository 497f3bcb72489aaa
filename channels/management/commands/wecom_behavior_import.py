"""`wecom_behavior_import [--day YYYY-MM-DD]`: import WeCom member behaviour data (the
assistants' KPIs) for one Asia/Shanghai day, default yesterday. Re-running replaces the day's
figures. Every active account is imported on its own: one that fails (secret refused, 5xx,
network, malformed answer) does not stop the others. Exit 2 for a day that is not a date, in
the future or past WeCom's 180-day history; exit 1, after the other accounts were imported,
when an account failed (the message names it and WeCom's error code)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from channels.wecom.behavior import SHANGHAI, behavior_import_all, failures_text


class Command(BaseCommand):
    help = "导入企业微信成员行为数据（医助 KPI）/ import WeCom member behaviour data for a day"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--day", default="", help="YYYY-MM-DD（北京时间），默认昨天")

    def handle(self, *args, **options) -> None:
        text = options["day"].strip()
        try:
            day = (
                dt.date.fromisoformat(text)
                if text
                else dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
            )
            results = behavior_import_all(day=day)
        except ValueError as exc:
            raise CommandError(f"--day {text or day}: {exc}", returncode=2) from exc
        if not results:
            self.stdout.write("没有启用的企业微信账户 / no active WeCom account")
        for r in results:
            if r.error:
                continue
            line = f"{r.account} · {r.day}: {r.rows} rows, {r.members} members"
            if r.failed:
                line += ", refused: " + ", ".join(f"{u} ({c})" for u, c in sorted(r.failed.items()))
            self.stdout.write(line)
        failed = failures_text(results)
        if failed:
            raise CommandError(f"{failed}。其他账户已导入。", returncode=1)
