"""Load demo content and configuration; safe to run any number of times.

Each app owns its part in `<app>/seed.py` with a `seed(stdout)` function. The order matters:
the funnel first (specialties and packages that content links to, assistants, leads), then
content, then channels (accounts pointing at the sandbox), then landing pages, then the
growth reports' elimination rules.
"""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from config.demo import demo_commands_refuse

SEED_MODULES = ["funnel.seed", "cms.seed", "channels.seed", "landing.seed", "funnel.reports.seed"]


class Command(BaseCommand):
    help = "加载演示数据（幂等，可重复运行）/ load demo data (idempotent)"

    def handle(self, *args, **options) -> None:
        demo_commands_refuse("seed_demo")
        for dotted in SEED_MODULES:
            module = import_module(dotted)
            self.stdout.write(f"seed: {dotted}")
            with transaction.atomic():
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("seed_demo: done"))
