"""Server-side SVG charts: plain strings, no JavaScript, nothing loaded from elsewhere.

Each function returns a complete ``<svg>`` element with a ``<title>`` for screen readers and
``data-chart`` naming its kind (the browser test looks for them). Values of ``None`` (a metric
with no denominator) are drawn as gaps, never as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

PALETTE = ["#2f6fdf", "#e0793a", "#2fa37c", "#b84fc2", "#d2a20c", "#5c6b7a", "#c2414f"]
Number = int | float | Decimal | None


def _fmt(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 10_000:.1f}万"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.2f}"


def _max(series: dict[str, Sequence[Number]]) -> float:
    values = [float(v) for vs in series.values() for v in vs if v is not None]
    return max([*values, 0.0]) or 1.0


def _frame(width: int, height: int, title: str, kind: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" data-chart="{kind}" class="report-chart" '
        f'style="max-width:{width}px;font:12px sans-serif">'
        f"<title>{escape(title)}</title>"
        f'<text x="8" y="16" font-weight="bold">{escape(title)}</text>' + "".join(body) + "</svg>"
    )


def _legend(names: Sequence[str], y: int) -> list[str]:
    out, x = [], 8
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{escape(name)}</text>')
        x += 24 + 12 * len(name)
    return out


def bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
) -> str:
    """Grouped vertical bars, one group per label, one bar per series."""
    top, bottom, left = 40, 40, 56
    plot_h = height - top - bottom
    peak = _max(series)
    groups = max(len(labels), 1)
    group_w = (width - left - 10) / groups
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_fmt(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for s, (name, values) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        for g, value in enumerate(values):
            if value is None:
                continue
            h = plot_h * float(value) / peak
            x = left + g * group_w + group_w * 0.1 + s * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{escape(name)} '
                f"{escape(str(labels[g]))}: {escape(str(value))}</title></rect>"
            )
    step = max(1, groups // 12)
    for g, label in enumerate(labels):
        if g % step == 0:
            x = left + g * group_w + group_w / 2
            body.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                f"{escape(str(label)[:10])}</text>"
            )
    body += _legend(list(series), height - 8)
    return _frame(width, height, title, "bar", body)


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
) -> str:
    """One polyline per series over shared x labels (periods); gaps where a value is None."""
    top, bottom, left = 40, 40, 56
    plot_h = height - top - bottom
    peak = _max(series)
    n = max(len(labels), 1)
    dx = (width - left - 10) / max(n - 1, 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_fmt(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for s, (_name, values) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        segment: list[str] = []
        for i, value in enumerate([*values, None]):
            if value is None:
                if segment:
                    body.append(
                        f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                        f'points="{" ".join(segment)}"/>'
                    )
                segment = []
                continue
            y = top + plot_h - plot_h * float(value) / peak
            segment.append(f"{left + i * dx:.1f},{y:.1f}")
    step = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % step == 0:
            body.append(
                f'<text x="{left + i * dx:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                f"{escape(str(label)[:10])}</text>"
            )
    body += _legend(list(series), height - 8)
    return _frame(width, height, title, "line", body)


def funnel_chart(
    stages: Sequence[tuple[str, int]], *, title: str, width: int = 640, height: int = 240
) -> str:
    """Horizontal bars narrowing stage by stage, with the count and share of the first."""
    top, left = 30, 70
    row_h = (height - top - 8) / max(len(stages), 1)
    first = stages[0][1] if stages and stages[0][1] else 0
    body = []
    for i, (label, count) in enumerate(stages):
        w = (width - left - 120) * (count / first if first else 0)
        y = top + i * row_h
        pct = f"{count / first:.1%}" if first else "—"
        body.append(
            f'<text x="{left - 6}" y="{y + row_h * 0.6:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        body.append(
            f'<rect x="{left}" y="{y + 2:.1f}" width="{w:.1f}" height="{row_h - 4:.1f}" '
            f'fill="{PALETTE[0]}" opacity="{1 - i * 0.1:.2f}"/>'
        )
        body.append(
            f'<text x="{left + w + 6:.1f}" y="{y + row_h * 0.6:.1f}">{count} ({pct})</text>'
        )
    return _frame(width, height, title, "funnel", body)
