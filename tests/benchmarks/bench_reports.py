"""Growth reports at scale: the channel × week ROI/funnel report over 1,000,000 generated leads
with ~5,000,000 events on PostgreSQL, against loading all rows into pandas and grouping there.

The data is generated once (``generate_funnel_data``, SQL generate_series) and reused when
present. Peak memory is the process RSS high-water mark (``ru_maxrss``) right after the SQL
report; the pandas baseline runs afterwards, so its own high-water mark is reported apart.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import statistics
import time

from tests.benchmarks.common import Figure

LEADS = int(os.environ.get("BENCH_REPORT_LEADS", "1000000"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _copy_frame(sql: str, **read_options):
    import pandas as pd
    from django.db import connection

    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer, **read_options)


def _pandas_baseline(window) -> dict[tuple[str, str], tuple[int, ...]]:
    """The naive way: pull every lead, touch, event, order and spend row, group in pandas.
    Per (week, channel): leads, reached contacted, reached paid, paying patients — derived
    from the raw events and touches, so it also checks the leads' stored report facts."""
    import pandas as pd

    leads = _copy_frame("SELECT id, created_at FROM funnel_lead")
    touches = _copy_frame("SELECT lead_id, channel, is_first FROM funnel_touchpoint")
    events = _copy_frame(
        "SELECT lead_id, kind, to_stage FROM funnel_leadevent", dtype={"to_stage": str}
    )
    events["to_stage"] = events["to_stage"].astype(str)
    orders = _copy_frame("SELECT lead_id, amount, paid_at FROM funnel_order")
    spend = _copy_frame("SELECT channel, date, cost, impressions, clicks FROM channels_spendrecord")

    leads["created_at"] = pd.to_datetime(
        leads["created_at"], utc=True, format="ISO8601"
    ).dt.tz_convert("Asia/Shanghai")
    leads = leads[
        (leads["created_at"].dt.date >= window.start) & (leads["created_at"].dt.date <= window.end)
    ]
    leads["period"] = (
        leads["created_at"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time.dt.date
    )
    first = touches[touches["is_first"].astype(str).str.lower().isin(["t", "true"])]
    frame = leads.merge(first[["lead_id", "channel"]], left_on="id", right_on="lead_id", how="left")
    frame["channel"] = frame["channel"].fillna("")
    ranks = {
        s: i
        for i, s in enumerate(
            ["new", "contacted", "profiled", "consulted", "prescribed", "paid", "repurchased"]
        )
    }
    stage_events = events[events["kind"] == "stage"].copy()
    stage_events["rank"] = stage_events["to_stage"].map(ranks).fillna(0)
    reached = stage_events.groupby("lead_id")["rank"].max()
    frame["rank"] = frame["id"].map(reached).fillna(0)
    orders["paid_at"] = pd.to_datetime(orders["paid_at"], utc=True, format="ISO8601")
    orders = orders[orders["paid_at"] < window.end_at]  # paid up to the end of the window
    per_lead = orders.groupby("lead_id").agg(n=("amount", "size"), revenue=("amount", "sum"))
    frame = frame.join(per_lead, on="id")
    grouped = frame.groupby(["period", "channel"]).agg(
        leads=("id", "size"),
        contacted=("rank", lambda r: (r >= 1).sum()),
        paid=("rank", lambda r: (r >= 5).sum()),
        payers=("n", lambda n: (n >= 1).sum()),
        revenue=("revenue", "sum"),
    )
    spend["date"] = pd.to_datetime(spend["date"])
    spend["period"] = spend["date"].dt.to_period("W-SUN").dt.start_time.dt.date
    spend_grouped = spend.groupby(["period", "channel"])[["cost", "impressions", "clicks"]].sum()
    grouped = grouped.join(spend_grouped, how="outer")
    counted = grouped.dropna(subset=["leads"])
    return {
        (str(p), c): (int(r.leads), int(r.contacted), int(r.paid), int(r.payers))
        for (p, c), r in counted.iterrows()
    }


def run() -> list[Figure]:
    from django.db import connection

    from funnel.reports.generate import (
        events_top_up,
        funnel_data_generate,
        generated_lead_count,
    )
    from funnel.reports.selectors import Window, funnel_report, lead_funnel_counts

    if connection.vendor != "postgresql":
        return [Figure("reports: skipped (needs PostgreSQL)", 0, "")]
    have = generated_lead_count()
    if have < LEADS:
        started = time.perf_counter()
        counts = funnel_data_generate(leads=LEADS - have, end=dt.date.today())  # noqa: DTZ011
        print(f"   generated {counts} in {time.perf_counter() - started:.0f}s", flush=True)
    events_topped = events_top_up(target=LEADS * 5)
    if events_topped:
        print(f"   added {events_topped} note events to reach {LEADS * 5:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM funnel_leadevent")
        events = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (min(created_at) AT TIME ZONE 'Asia/Shanghai')::date, "
            "(max(created_at) AT TIME ZONE 'Asia/Shanghai')::date FROM funnel_lead"
        )
        first_day, last_day = cursor.fetchone()
    window = Window(first_day, last_day)

    timings = []
    rows: list[dict] = []
    for _ in range(3):
        started = time.perf_counter()
        rows = funnel_report(by="channel", window=window, grain="week")
        timings.append(time.perf_counter() - started)
    report_s = statistics.median(timings)
    report_rss = _rss_mb()

    started = time.perf_counter()
    baseline = _pandas_baseline(window)
    baseline_s = time.perf_counter() - started
    baseline_rss = _rss_mb()

    # Checked outside the timing: the stored facts' counts against pandas over the raw rows.
    counts = lead_funnel_counts(by="channel", window=window, grain="week")
    ours = {
        (r["period"].isoformat(), r["channel"]): tuple(
            int(r[k]) for k in ("leads", "reached_contacted", "reached_paid", "paying_patients")
        )
        for r in counts
    }
    agree = "agrees with pandas" if ours == baseline else "DIFFERS from pandas"
    if ours != baseline:
        differing = sorted(
            k for k in ours.keys() | baseline.keys() if ours.get(k) != baseline.get(k)
        )
        print(f"   differing groups (first 5): {differing[:5]}", flush=True)
    note = f"{generated_lead_count():,} leads, {events:,} events, {len(rows)} rows, {agree}"
    return [
        Figure(
            "reports: channel × week report",
            report_s,
            "s",
            baseline_name="all rows into pandas",
            baseline_value=baseline_s,
            target="≤ 3 s",
            note=note,
        ),
        Figure(
            "reports: peak RSS after the report",
            report_rss,
            "MB",
            baseline_name="peak RSS after the pandas way",
            baseline_value=baseline_rss,
            target="≤ 1536 MB",
        ),
    ]
