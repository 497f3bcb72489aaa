"""`pull_leads [--channel C] [--account N]`: pull now; prints new / duplicate / quarantined."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from channels.models import ChannelAccount
from channels.registry import PULL_CHANNELS
from channels.services.pull import leads_pull


class Command(BaseCommand):
    help = "立即拉取线索 / pull leads now"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--channel", choices=[str(c) for c in PULL_CHANNELS])
        parser.add_argument("--account")

    def handle(self, *args, **options) -> None:
        accounts = ChannelAccount.objects.filter(is_active=True, channel__in=PULL_CHANNELS)
        if options["channel"]:
            accounts = accounts.filter(channel=options["channel"])
        if options["account"]:
            accounts = accounts.filter(name=options["account"])
        accounts = list(accounts.order_by("channel", "name"))
        if not accounts:
            raise CommandError("没有匹配的可拉取账户 / no matching account with a lead pull API")
        totals = {"new": 0, "duplicate": 0, "updated": 0, "quarantined": 0}
        failed = 0
        for account in accounts:
            self.stdout.write(f"pulling {account.channel}/{account.name} …")
            stats = leads_pull(
                account_id=account.pk, progress=lambda m: self.stdout.write("  " + m)
            )
            for key in totals:
                totals[key] += getattr(stats, key)
            line = (
                f"{stats.account}: new {stats.new}, duplicate {stats.duplicate}, "
                f"updated {stats.updated}, quarantined {stats.quarantined}, pages {stats.pages}"
            )
            if stats.refreshed:
                line += f", token refreshed {stats.refreshed}x"
            if stats.error:
                failed += 1
                line += f" — stopped: {stats.error} (checkpoint kept; next run resumes)"
            self.stdout.write(line)
        self.stdout.write(
            f"total: new {totals['new']}, duplicate {totals['duplicate']}, "
            f"updated {totals['updated']}, quarantined {totals['quarantined']}"
        )
        if failed:
            raise CommandError(f"{failed} account(s) failed; see channel_account list")
