"""`channel_account add|list`: manage ad accounts (secrets are stored encrypted)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from channels.models import Channel, ChannelAccount
from channels.services.accounts import channel_account_create
from config.errors import ApplicationError

SECRET_OPTIONS = ["secret", "access_token", "refresh_token", "webhook_secret", "postback_token"]


class Command(BaseCommand):
    help = "管理广告账户 / manage ad accounts: add, list"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新增或更新账户 / add or update an account")
        add.add_argument("--channel", required=True, choices=["douyin", "xiaohongshu", "baidu"])
        add.add_argument("--name", required=True)
        add.add_argument("--api-base-url", default="")
        add.add_argument("--advertiser-id", default="")
        add.add_argument("--app-id", default="")
        for option in SECRET_OPTIONS:
            add.add_argument("--" + option.replace("_", "-"), default="")
        sub.add_parser("list", help="列出账户 / list accounts")

    def handle(self, *args, **options) -> None:
        if options["action"] == "add":
            try:
                account, created = channel_account_create(
                    channel=options["channel"],
                    name=options["name"],
                    api_base_url=options["api_base_url"],
                    advertiser_id=options["advertiser_id"],
                    app_id=options["app_id"],
                    **{k: options[k] for k in SECRET_OPTIONS},
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            verb = "created" if created else "updated"
            self.stdout.write(f"{verb}: {account.channel}/{account.name} (id {account.pk})")
            return
        rows = ChannelAccount.objects.order_by("channel", "name")
        self.stdout.write(
            f"{'id':>4}  {'channel':<12} {'name':<24} {'active':<6} {'last pull':<20} "
            f"{'fails':>5}  api"
        )
        for a in rows:
            last = (
                timezone.localtime(a.last_pull_at).strftime("%Y-%m-%d %H:%M:%S")
                if a.last_pull_at
                else "-"
            )
            self.stdout.write(
                f"{a.pk:>4}  {a.channel:<12} {a.name:<24} {'yes' if a.is_active else 'no':<6} "
                f"{last:<20} {a.consecutive_failures:>5}  {a.api_base_url or '(official)'}"
            )
            if a.last_error:
                self.stdout.write(f"      last error: {a.last_error[:120]}")
        if not rows:
            self.stdout.write(f"(no accounts; channels: {', '.join(Channel.values[:3])})")
