"""`wecom_account add|list`: connect a WeCom company (customer contact). Secrets, the callback
token and the EncodingAESKey are stored encrypted and never printed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from channels.wecom.models import WecomAccount
from channels.wecom.services import wecom_account_create
from config.errors import ApplicationError


class Command(BaseCommand):
    help = "管理企业微信账户 / manage WeCom companies: add, list"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新增或更新 / add or update a company")
        add.add_argument("--name", required=True)
        add.add_argument("--corp-id", required=True)
        add.add_argument("--secret", required=True)
        add.add_argument("--agent-id", required=True)
        add.add_argument("--token", required=True, help="回调 Token")
        add.add_argument("--aes-key", required=True, help="回调 EncodingAESKey (43 chars)")
        add.add_argument("--api-base-url", default="")
        sub.add_parser("list", help="列出 / list companies")

    def handle(self, *args, **options) -> None:
        if options["action"] == "add":
            try:
                account, created = wecom_account_create(
                    name=options["name"],
                    corp_id=options["corp_id"],
                    secret=options["secret"],
                    agent_id=options["agent_id"],
                    token=options["token"],
                    aes_key=options["aes_key"],
                    api_base_url=options["api_base_url"],
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            verb = "created" if created else "updated"
            self.stdout.write(
                f"{verb}: wecom/{account.name} (id {account.pk}); "
                f"callback URL path: /channels/hooks/wecom/{account.name}/"
            )
            return
        rows = WecomAccount.objects.defer("secret", "token", "aes_key").order_by("name")
        self.stdout.write(
            f"{'id':>4}  {'name':<24} {'corp id':<24} {'agent':<10} {'active':<6} api"
        )
        for a in rows:
            self.stdout.write(
                f"{a.pk:>4}  {a.name:<24} {a.corp_id:<24} {a.agent_id:<10} "
                f"{'yes' if a.is_active else 'no':<6} {a.api_base_url}"
            )
        if not rows:
            self.stdout.write("(no WeCom companies)")
