"""Demo elimination rules (淘汰规则), so the flags page of `make demo` has something to say.

Runs after the funnel seed (leads, stage walks and orders through the services) and the
channel accounts; the sandbox pull in `make demo` adds the spend the CAC rule reads.
Idempotent: a rule is created once by name and never overwritten (staff may have edited it).
"""

from __future__ import annotations

from decimal import Decimal

from funnel.models import EliminationRule
from funnel.reports.services import elimination_flags_evaluate

DEMO_RULES = [
    {
        "name": "渠道获客成本上限",
        "dimension": EliminationRule.Dimension.CHANNEL,
        "max_cac": Decimal("800.00"),
        "lookback_days": 30,
    },
    {
        "name": "计划 7 天付费转化下限",
        "dimension": EliminationRule.Dimension.CAMPAIGN,
        "min_conversion_rate": Decimal("0.0500"),
        "after_days": 7,
        "lookback_days": 60,
    },
]


def seed(*, stdout) -> None:
    for spec in DEMO_RULES:
        rule, created = EliminationRule.objects.get_or_create(
            name=spec["name"], defaults={k: v for k, v in spec.items() if k != "name"}
        )
        stdout.write(f"  reports: {'created' if created else 'kept'} rule {rule.name}")
    flags = elimination_flags_evaluate()
    stdout.write(f"  reports: {len(flags)} elimination flags now (/admin/reports/flags/)")
