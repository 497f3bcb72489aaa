"""The metrics, each defined once, as DESIGN.md "Metrics" defines them. Every report (the ROI
and funnel table, its totals, the dashboard, cohorts, elimination flags) computes them here.

Money is `Decimal` yuan rounded to the cent; shares and ratios are floats rounded to 4 places.
A metric whose denominator is zero or unknown is None (shown empty, JSON null), never 0 or
infinity.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

CENT = Decimal("0.01")


def money(value: Any) -> Decimal | None:
    """A sum from SQL or pandas as yuan to the cent; None stays None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def share(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator rounded to 4 places; None when the denominator is 0 or unknown."""
    if denominator is None or numerator is None or pd.isna(denominator) or denominator == 0:
        return None
    return round(float(numerator) / float(denominator), 4)


def money_per(amount: Decimal | None, count: Any) -> Decimal | None:
    """Yuan per unit (a lead, a patient), to the cent; None without amount or units."""
    if amount is None or count is None or pd.isna(count) or count == 0:
        return None
    return (Decimal(amount) / Decimal(int(count))).quantize(CENT, rounding=ROUND_HALF_UP)


def ctr(clicks: Any, impressions: Any) -> float | None:
    """CTR: clicks / impressions (both from the platforms' spend facts)."""
    return share(clicks, impressions)


def cpl(spend: Decimal | None, leads: Any) -> Decimal | None:
    """CPL (yuan): spend / new leads."""
    return money_per(spend, leads)


def cac(spend: Decimal | None, paying_patients: Any) -> Decimal | None:
    """CAC (yuan): spend / new paying patients."""
    return money_per(spend, paying_patients)


def stage_rate(reached: Any, reached_previous: Any) -> float | None:
    """Stage rate (建档率 问诊率 开方率 支付率): leads reaching a stage / leads reaching the
    previous one."""
    return share(reached, reached_previous)


def conversion_rate(paying_patients: Any, leads: Any) -> float | None:
    """Conversion rate: paying patients / new leads."""
    return share(paying_patients, leads)


def repurchase_rate(repurchasers: Any, paying_patients: Any) -> float | None:
    """Repurchase rate: patients with ≥ 2 paid orders / paying patients."""
    return share(repurchasers, paying_patients)


def retention(active_on_day: Any, cohort_size: Any) -> float | None:
    """Retention on day N: share of a cohort (leads created that week) with any event that day."""
    return share(active_on_day, cohort_size)


def k_factor(referred: Any, cohort_size: Any) -> float | None:
    """K-factor: new leads referred by a cohort's members / the size of that cohort."""
    return share(referred, cohort_size)


def roi(revenue: Decimal | None, spend: Decimal | None) -> float | None:
    """ROI: revenue / spend (1.0 = the spend came back once)."""
    return share(revenue, spend)


def payback_days(
    daily_revenue: list[tuple[dt.date, Decimal]], spend: Decimal | None, since: dt.date
) -> int | None:
    """Payback: days from `since` to the first Asia/Shanghai day cumulative revenue reaches
    `spend` (0 = the same day); None when there is no spend or revenue never catches up."""
    if spend is None or spend <= 0:
        return None
    total = Decimal(0)
    for day, amount in sorted(daily_revenue):
        total += Decimal(amount)
        if total >= spend:
            return max((day - since).days, 0)
    return None
