"""api_token create NAME [--scope leads:create --scope leads:events]: prints the new
lead-API token alone on its last line. Without --scope the token may use every scope."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from funnel.services.tokens import SCOPES, api_token_create


class Command(BaseCommand):
    help = "创建线索 API 令牌 / create a lead-API token"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("name")
        create.add_argument(
            "--scope",
            action="append",
            choices=SCOPES,
            dest="scopes",
            help="what the token may do (repeatable; default: every scope)",
        )

    def handle(self, *args, action: str, name: str, scopes=None, **options) -> None:
        try:
            token = api_token_create(name=name, scopes=scopes or SCOPES)
        except IntegrityError as exc:
            raise CommandError(f"a token named {name!r} exists already") from exc
        allowed = ", ".join(sorted(scopes or SCOPES))
        self.stderr.write(f"token for {name}, scopes {allowed} (shown once, store it now):")
        self.stdout.write(token)
