"""`wecom_behavior_import [--day YYYY-MM-DD]`: import WeCom member behaviour data (the
assistants' KPIs) for one Asia/Shanghai day, default yesterday. Re-running replaces the day's
figures. Exit 2 for a day that is not a date, in the future or past WeCom's 180-day history;
exit 1 when WeCom cannot be reached."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from channels.errors import PlatformError
from channels.wecom.behavior import SHANGHAI, behavior_import_all


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
        except PlatformError as exc:
            raise CommandError(f"企业微信不可用 / WeCom failed: {exc}", returncode=1) from exc
        if not results:
            self.stdout.write("没有启用的企业微信账户 / no active WeCom account")
        for r in results:
            line = f"{r.day}: {r.rows} rows, {r.members} members"
            if r.failed:
                line += ", refused: " + ", ".join(f"{u} ({c})" for u, c in sorted(r.failed.items()))
            self.stdout.write(line)
