"""Re-encrypt every encrypted column with the newest FIELD_ENCRYPTION_KEYS key."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from funnel.services.pii import pii_keys_rotate


class Command(BaseCommand):
    help = "用最新密钥重新加密个人信息 / re-encrypt PII with the newest key"

    def handle(self, *args, **options) -> None:
        def progress(label: str, done: int) -> None:
            self.stdout.write(f"  {label}: {done} rows")

        total = pii_keys_rotate(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} rows with the newest key"))
