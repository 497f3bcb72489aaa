"""Figures and small measuring helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    """One measured figure, with the same-run baseline it is judged against."""

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value in (None, 0):
            return None
        return self.value / self.baseline_value

    def line(self) -> str:
        text = f"{self.name}: {self.value:,.2f} {self.unit}"
        if self.ratio is not None:
            text += f"  (÷ {self.baseline_name} {self.baseline_value:,.2f} = {self.ratio:.3f})"
        if self.target:
            text += f"  target {self.target}"
        if self.note:
            text += f"  [{self.note}]"
        return text

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def render(figures: list[Figure]) -> str:
    return "\n".join(["benchmark figures", "-----------------", *(f.line() for f in figures)])


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")
