"""`pull_spend [--channel C] --start D --end D`: import daily spend per campaign (upsert)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from channels.models import ChannelAccount
from channels.registry import SPEND_CHANNELS
from channels.services.spend import spend_pull


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "导入每日消耗 / import daily spend"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--channel", choices=[str(c) for c in SPEND_CHANNELS])
        parser.add_argument("--account")
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)

    def handle(self, *args, **options) -> None:
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--end is before --start")
        accounts = ChannelAccount.objects.filter(is_active=True, channel__in=SPEND_CHANNELS)
        if options["channel"]:
            accounts = accounts.filter(channel=options["channel"])
        if options["account"]:
            accounts = accounts.filter(name=options["account"])
        accounts = list(accounts.order_by("channel", "name"))
        if not accounts:
            raise CommandError("没有匹配的账户 / no matching account")
        failed = 0
        for account in accounts:
            self.stdout.write(f"importing spend {account.channel}/{account.name} {start}…{end} …")
            stats = spend_pull(account_id=account.pk, start=start, end=end)
            if stats.error:
                failed += 1
                self.stdout.write(f"{stats.account}: failed — {stats.error}")
            else:
                self.stdout.write(f"{stats.account}: {stats.rows} campaign-day rows")
        if failed:
            raise CommandError(f"{failed} account(s) failed; see channel_account list")
