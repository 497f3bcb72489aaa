"""api_token create NAME: prints the new lead-API token alone on its last line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from funnel.services.tokens import api_token_create


class Command(BaseCommand):
    help = "创建线索 API 令牌 / create a lead-API token"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("name")

    def handle(self, *args, action: str, name: str, **options) -> None:
        try:
            token = api_token_create(name=name)
        except IntegrityError as exc:
            raise CommandError(f"a token named {name!r} exists already") from exc
        self.stderr.write(f"token for {name} (shown once, store it now):")
        self.stdout.write(token)
