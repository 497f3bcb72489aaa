"""`generate_funnel_data --leads N [--end D] [--seed S] [--if-missing]`: benchmark data on
PostgreSQL (leads, first touches, events, orders, referrals, a year of spend)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from config.demo import demo_commands_refuse
from funnel.reports.generate import funnel_data_generate, generated_lead_count


class Command(BaseCommand):
    help = "Fill PostgreSQL with N generated leads and their events, orders and spend."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--leads", type=int, required=True)
        parser.add_argument("--end", help="last day of the generated year (default: today)")
        parser.add_argument("--seed", type=float, default=0.42)
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when at least N generated leads are already there",
        )

    def handle(self, *args, **options) -> None:
        demo_commands_refuse("generate_funnel_data")
        if connection.vendor != "postgresql":
            raise CommandError("generate_funnel_data needs PostgreSQL (set DATABASE_URL)")
        if options["leads"] < 1:
            raise CommandError("--leads must be at least 1")
        if not -1 <= options["seed"] <= 1:
            raise CommandError("--seed must be between -1 and 1")
        have = generated_lead_count()
        if options["if_missing"] and have >= options["leads"]:
            self.stdout.write(f"already there: {have} generated leads")
            return
        end = dt.date.fromisoformat(options["end"]) if options["end"] else timezone.localdate()
        started = time.perf_counter()
        counts = funnel_data_generate(leads=options["leads"], end=end, seed=options["seed"])
        took = time.perf_counter() - started
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()) + f" in {took:.1f}s")
