"""`wecom_account add|list|tags|sandbox-callback`: connect a WeCom company (customer contact).
Secrets, the callback token and the EncodingAESKey are stored encrypted and never printed.
`tags` makes the 「引流阶段」 tag group (one tag per funnel stage) and records its ids."""

from __future__ import annotations

import requests
from django.core.management.base import BaseCommand, CommandError

from channels.base import sandbox_url
from channels.errors import PlatformError
from channels.wecom.models import WecomAccount
from channels.wecom.services import wecom_account_create
from channels.wecom.tags import GROUP_NAME, stage_tags_setup
from config.errors import ApplicationError
from funnel.models import Assistant


class Command(BaseCommand):
    help = "管理企业微信账户 / manage WeCom companies: add, list, tags"

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
        tags = sub.add_parser(
            "tags",
            help=f"建立「{GROUP_NAME}」标签组（每个阶段一个标签）/ set up the stage tag group",
        )
        tags.add_argument("--name", required=True)
        box = sub.add_parser(
            "sandbox-callback",
            help="演示：在沙箱“管理后台”保存回调 URL / demo: set the sandbox's callback URL",
        )
        box.add_argument("--name", required=True)
        box.add_argument("--callback-url", required=True, help="e.g. http://127.0.0.1:8000")

    def handle(self, *args, **options) -> None:
        if options["action"] == "tags":
            return self._tags(options["name"])
        if options["action"] == "sandbox-callback":
            return self._sandbox_callback(options["name"], options["callback_url"])
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

    def _tags(self, name: str) -> None:
        """Idempotent: existing tags are found by name, only missing ones are made."""
        account = WecomAccount.objects.filter(name=name).first()
        if account is None:
            raise CommandError(f"no WeCom account named {name!r}")
        try:
            setup = stage_tags_setup(account_id=account.pk)
        except PlatformError as exc:
            raise CommandError(f"WeCom refused the tag setup: {exc}") from exc
        self.stdout.write(
            f"tag group {GROUP_NAME} ({setup.group_id}): {len(setup.created)} created, "
            f"{len(setup.existing)} already there"
        )
        for stage, tag_id in setup.tags.items():
            self.stdout.write(f"  {stage:<12} {tag_id}")

    def _sandbox_callback(self, name: str, site: str) -> None:
        """What a clinic's IT person does in the WeCom console (docs/wecom.md step 4), played
        against the sandbox: save URL, Token and EncodingAESKey; WeCom verifies the URL."""
        account = WecomAccount.objects.filter(name=name).first()
        if account is None:
            raise CommandError(f"no WeCom account named {name!r}")
        if not sandbox_url(account.api_base_url):
            raise CommandError("only a sandbox account (API on this machine) takes this command")
        target = f"{site.rstrip('/')}/channels/hooks/wecom/{account.name}/"
        answer = requests.post(
            account.api_base_url.rstrip("/") + "/sandbox/wecom",
            json={
                "action": "configure",
                "target": target,
                "token": account.token,
                "aes_key": account.aes_key,
                "corp_id": account.corp_id,
            },
            timeout=30,
            allow_redirects=False,
        ).json()
        if not answer.get("ok"):
            raise CommandError(f"the sandbox could not verify {target}: {answer}")
        # The address book: the assistants are the company's members (transfers name them).
        userids = sorted(
            set(Assistant.objects.exclude(wecom_userid="").values_list("wecom_userid", flat=True))
        )
        requests.post(
            account.api_base_url.rstrip("/") + "/sandbox/wecom",
            json={"action": "members", "userids": userids},
            timeout=30,
            allow_redirects=False,
        )
        self.stdout.write(f"sandbox callback verified: {target}")
