"""Elimination signals (淘汰信号): evaluate the admin-edited rules and notify the growth team."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from funnel.models import EliminationRule
from funnel.reports import analytics
from funnel.reports.selectors import Window, cohort_conversion_counts, funnel_report

REASONS = {
    "cac_above_target": "获客成本高于目标",
    "cohort_conversion_below_threshold": "N 天转化率低于下限",
}


def elimination_flags_evaluate(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Flags of every active rule over its look-back window ending yesterday."""
    today = today or timezone.localdate()
    flags: list[dict[str, Any]] = []
    for rule in EliminationRule.objects.filter(is_active=True).order_by("pk"):
        window = Window(today - dt.timedelta(days=rule.lookback_days), today - dt.timedelta(days=1))
        report = funnel_report(by=rule.dimension, window=window) if rule.max_cac else []
        cohorts = (
            cohort_conversion_counts(by=rule.dimension, window=window, after_days=rule.after_days)
            if rule.min_conversion_rate is not None
            else []
        )
        for flag in analytics.elimination_flags(
            by=rule.dimension,
            report=report,
            cohorts=cohorts,
            max_cac=rule.max_cac,
            min_conversion=(
                float(rule.min_conversion_rate) if rule.min_conversion_rate is not None else None
            ),
            after_days=rule.after_days,
        ):
            flags.append({**flag, "rule": rule.name, "window": (window.start, window.end)})
    return flags


# The figures behind a flag, as staff read them.
FIGURE_LABELS = {
    "cac": "获客成本（元）",
    "target_cac": "目标获客成本（元）",
    "spend": "消耗（元）",
    "paying_patients": "付费患者",
    "conversion_rate": "转化率",
    "threshold": "转化率下限",
    "after_days": "观察天数",
    "cohort_leads": "线索数",
    "cohort_payers": "付费数",
}


def flag_text(flag: dict[str, Any]) -> str:
    figures = "，".join(
        f"{FIGURE_LABELS.get(k, k)} {'—' if v is None else v}" for k, v in flag["figures"].items()
    )
    return f"【{flag['rule']}】{flag['name'] or '未归因'}：{REASONS[flag['reason']]}（{figures}）"


def elimination_flags_notify(*, today: dt.date | None = None) -> int:
    """Send today's flags as one notice; nothing is sent when nothing is flagged."""
    from funnel.services.notify import notify

    flags = elimination_flags_evaluate(today=today)
    if flags:
        notify(
            title=f"增长淘汰信号：{len(flags)} 项需要关注",
            body="\n".join(flag_text(f) for f in flags),
            level="warning",
        )
    return len(flags)
