"""Create (or reset) the demo superuser and print its credentials. Dev/demo only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from config.demo import demo_commands_refuse

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "yinliu-demo"  # noqa: S105  printed to the person running the demo on purpose


class Command(BaseCommand):
    help = "创建演示管理员账号并打印登录信息 / create the demo admin and print its credentials"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, password: str, **options) -> None:
        demo_commands_refuse("demo_admin")
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"email": "admin@demo.yinliu.local"}
        )
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        state = "created" if created else "reset"
        self.stdout.write(f"admin user: {DEMO_USERNAME}  password: {password}  ({state})")
        generated = getattr(settings, "GENERATED_SECRETS", [])
        if generated:
            self.stderr.write(
                "dev settings generated throwaway "
                + ", ".join(generated)
                + " (fine for the demo; production refuses to start without real ones)"
            )
