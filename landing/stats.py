"""A/B statistics as pure functions (no DB, no scipy): a two-proportion z-test decided once,
at a fixed horizon. Peeking before the horizon is what inflates false positives; `ab_decide`
refuses to name a winner before both arms reach it."""

from __future__ import annotations

import math
from dataclasses import dataclass


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def two_proportion_z_test(
    *, visitors_a: int, conversions_a: int, visitors_b: int, conversions_b: int
) -> tuple[float, float]:
    """(z, two-sided p) for H0: rate A == rate B, with the pooled standard error."""
    if visitors_a <= 0 or visitors_b <= 0:
        return 0.0, 1.0
    rate_a = conversions_a / visitors_a
    rate_b = conversions_b / visitors_b
    pooled = (conversions_a + conversions_b) / (visitors_a + visitors_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / visitors_a + 1 / visitors_b))
    if se == 0:
        return 0.0, 1.0
    z = (rate_b - rate_a) / se
    return z, 2.0 * (1.0 - normal_cdf(abs(z)))


@dataclass(frozen=True)
class ABResult:
    visitors_a: int
    conversions_a: int
    visitors_b: int
    conversions_b: int
    z: float
    p_value: float
    reached_horizon: bool
    winner: str  # "a" | "b" | "none" (no significant difference) | "" (not decided yet)

    @property
    def rate_a(self) -> float:
        return self.conversions_a / self.visitors_a if self.visitors_a else 0.0

    @property
    def rate_b(self) -> float:
        return self.conversions_b / self.visitors_b if self.visitors_b else 0.0


def ab_decide(
    *,
    visitors_a: int,
    conversions_a: int,
    visitors_b: int,
    conversions_b: int,
    horizon: int,
    alpha: float = 0.05,
) -> ABResult:
    z, p = two_proportion_z_test(
        visitors_a=visitors_a,
        conversions_a=conversions_a,
        visitors_b=visitors_b,
        conversions_b=conversions_b,
    )
    reached = visitors_a >= horizon and visitors_b >= horizon
    winner = ""
    if reached:
        winner = ("b" if z > 0 else "a") if p < alpha else "none"
    return ABResult(visitors_a, conversions_a, visitors_b, conversions_b, z, p, reached, winner)
