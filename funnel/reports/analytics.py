"""Pure report arithmetic over what ``selectors`` return: no database, testable on lists of dicts.

Definitions follow DESIGN.md "Metrics". A metric whose denominator is zero (or unknown) is
``None`` — shown empty, serialised as JSON ``null`` — never 0 or infinity. Money stays
``Decimal`` (yuan, 2 places); shares and ratios are floats rounded to 4 places.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd

from funnel.models import STAGE_MAIN_PATH
from funnel.reports.metrics import (
    CENT,
    cac,
    conversion_rate,
    cpl,
    ctr,
    k_factor,
    money,
    payback_days,
    repurchase_rate,
    retention,
    roi,
    stage_rate,
)

# Stages a lead reaches after 新线索, in order; a stage rate's numerator is each one but the last.
STAGES = [str(stage) for stage in STAGE_MAIN_PATH[1:]]
RATE_STAGES = STAGES[:-1]
METRICS = [
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "leads",
    "cpl",
    "rate_contacted",
    "rate_profiled",
    "rate_consulted",
    "rate_prescribed",
    "rate_paid",
    "conversion_rate",
    "paying_patients",
    "cac",
    "revenue",
    "roi",
    "payback_days",
    "repurchase_rate",
]
MONEY = {"spend", "cpl", "cac", "revenue"}
RATIOS = {
    "reply_percentage",
    "ctr",
    "rate_contacted",
    "rate_profiled",
    "rate_consulted",
    "rate_prescribed",
    "rate_paid",
    "conversion_rate",
    "roi",
    "repurchase_rate",
}
# Join keys (as the selectors name them) and output keys per dimension.
JOIN_KEYS = {
    "channel": ["channel"],
    "campaign": ["channel", "campaign_id"],
    "content": ["content_page_id"],
    "assistant": ["assistant_id"],
    "specialty": ["specialty_id"],
}
OUTPUT_KEYS = {
    "channel": ["channel"],
    "campaign": ["channel", "campaign_id", "campaign"],
    "content": ["content_page_id", "content"],
    "assistant": ["assistant_id", "assistant"],
    "specialty": ["specialty", "specialty_name"],
}
_COUNT_COLUMNS = ["leads", *[f"reached_{s}" for s in STAGES], "paying_patients", "repurchasers"]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    return frame[columns] if not frame.empty else pd.DataFrame(columns=columns)


def _key(value: Any) -> Any:
    # NaN from an outer join and SQL NULL both mean "no value" for a group key.
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _group_key(value: Any) -> Any:
    """A group key as the database gave it: pandas turns an integer id column holding a NULL
    (unassigned, unattributed) into floats, which JSON would print as ``1.0``."""
    value = _key(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def funnel_table(
    *,
    by: str,
    leads: list[dict[str, Any]],
    spend: list[dict[str, Any]],
    revenue: list[dict[str, Any]],
    start: dt.date,
    grain: str | None = None,
    labels: dict[Any, str] | None = None,
    slugs: dict[Any, str] | None = None,
    has_spend: bool | None = None,
) -> list[dict[str, Any]]:
    """One row per group (and period) with the group keys and every metric in ``METRICS``."""
    labels = labels or {}
    slugs = slugs or {}
    has_spend = by in ("channel", "campaign") if has_spend is None else has_spend
    keys = (["period"] if grain else []) + JOIN_KEYS[by]
    lead_frame = _frame(leads, [*keys, *_COUNT_COLUMNS, "revenue", "campaign_name"])
    spend_frame = _frame(spend, [*keys, "spend", "impressions", "clicks", "campaign_name"])
    spend_frame = spend_frame.rename(columns={"campaign_name": "spend_campaign_name"})
    for frame in (lead_frame, spend_frame):
        for key in keys:
            frame[key] = frame[key].astype(object)
    merged = lead_frame.merge(spend_frame, on=keys, how="outer") if has_spend else lead_frame

    daily: dict[tuple, list[tuple[dt.date, Decimal]]] = {}
    for row in revenue:
        daily.setdefault(tuple(_group_key(row.get(k)) for k in keys), []).append(
            (row["day"], Decimal(row["revenue"]))
        )

    out: list[dict[str, Any]] = []
    for record in merged.to_dict("records"):
        group = {k: _group_key(record[k]) for k in keys}
        counts = {
            c: int(record[c]) if _key(record.get(c)) is not None else 0 for c in _COUNT_COLUMNS
        }
        revenue_total = money(_key(record.get("revenue"))) or Decimal("0.00")
        if has_spend:
            spend_total = money(_key(record.get("spend"))) or Decimal("0.00")
            impressions = int(_key(record.get("impressions")) or 0)
            clicks = int(_key(record.get("clicks")) or 0)
        else:
            spend_total, impressions, clicks = None, None, None
        row: dict[str, Any] = {}
        if grain:
            row["period"] = group["period"]
        if by == "channel":
            row["channel"] = group["channel"]
        elif by == "campaign":
            row["channel"] = group["channel"]
            row["campaign_id"] = group["campaign_id"]
            row["campaign"] = _key(record.get("campaign_name")) or _key(
                record.get("spend_campaign_name")
            )
        elif by == "content":
            row["content_page_id"] = group["content_page_id"]
            row["content"] = labels.get(group["content_page_id"])
        elif by == "assistant":
            row["assistant_id"] = group["assistant_id"]
            row["assistant"] = labels.get(group["assistant_id"])
        else:
            row["specialty"] = slugs.get(group["specialty_id"])
            row["specialty_name"] = labels.get(group["specialty_id"])
        previous = counts["leads"]
        rates = {}
        for stage in RATE_STAGES:
            rates[f"rate_{stage}"] = stage_rate(counts[f"reached_{stage}"], previous)
            previous = counts[f"reached_{stage}"]
        since = start
        if grain and group["period"] is not None:
            since = max(group["period"], start)
        row.update(
            {
                "spend": spend_total,
                "impressions": impressions,
                "clicks": clicks,
                "ctr": ctr(clicks, impressions),
                "leads": counts["leads"],
                "cpl": cpl(spend_total, counts["leads"]),
                **rates,
                "conversion_rate": conversion_rate(counts["paying_patients"], counts["leads"]),
                "paying_patients": counts["paying_patients"],
                "cac": cac(spend_total, counts["paying_patients"]),
                "revenue": revenue_total,
                "roi": roi(revenue_total, spend_total),
                "payback_days": payback_days(
                    daily.get(tuple(group[k] for k in keys), []), spend_total, since
                ),
                "repurchase_rate": repurchase_rate(
                    counts["repurchasers"], counts["paying_patients"]
                ),
            }
        )
        out.append(row)
    out.sort(key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in _sort_keys(by, grain)))
    return out


def _sort_keys(by: str, grain: str | None) -> list[str]:
    return (["period"] if grain else []) + OUTPUT_KEYS[by][:2]


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum a report's additive figures and recompute its ratios (dashboard headline)."""
    spend_values = [r["spend"] for r in rows if r.get("spend") is not None]
    spend = sum(spend_values, Decimal("0.00")) if spend_values else None
    leads = sum(r["leads"] for r in rows)
    payers = sum(r["paying_patients"] for r in rows)
    revenue = sum((r["revenue"] for r in rows), Decimal("0.00"))
    return {
        "spend": spend,
        "leads": leads,
        "paying_patients": payers,
        "revenue": revenue,
        "cpl": cpl(spend, leads),
        "cac": cac(spend, payers),
        "conversion_rate": conversion_rate(payers, leads),
        "roi": roi(revenue, spend),
    }


def json_row(row: dict[str, Any]) -> dict[str, Any]:
    """The stable JSON shape: money as decimal strings, dates ISO, None as null."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Decimal):
            out[key] = str(value.quantize(CENT)) if key in MONEY else str(value)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def cohort_table(
    rows: list[dict[str, Any]], spend: dict[dt.date, Decimal] | None = None
) -> list[dict[str, Any]]:
    """Weekly cohorts: spend of the week (yuan), CPL (spend / cohort size), paying patients
    and CAC (spend / paying patients), retention on day 1, 7, 30 (share with any event that
    day) and K-factor (new leads referred by the cohort's members / cohort size). A week
    with spend and no lead is a row of its own (size 0, CPL empty)."""
    spend = spend or {}
    frame = _frame(rows, ["cohort", "size", "day1", "day7", "day30", "referred", "payers"])
    records = {r["cohort"]: r for r in frame.to_dict("records")}
    out = []
    for week in sorted(set(records) | set(spend)):
        record = records.get(week, {})
        size = int(_key(record.get("size")) or 0)
        payers = int(_key(record.get("payers")) or 0)
        cost = money(spend.get(week)) if week in spend else Decimal("0.00")
        out.append(
            {
                "cohort": week,
                "size": size,
                "spend": cost,
                "cpl": cpl(cost, size),
                "paying_patients": payers,
                "cac": cac(cost, payers),
                "retention_day1": retention(_key(record.get("day1")), size),
                "retention_day7": retention(_key(record.get("day7")), size),
                "retention_day30": retention(_key(record.get("day30")), size),
                "referred": int(_key(record.get("referred")) or 0),
                "k_factor": k_factor(_key(record.get("referred")), size),
            }
        )
    return out


def elimination_flags(
    *,
    by: str,
    report: list[dict[str, Any]],
    cohorts: list[dict[str, Any]],
    max_cac: Decimal | None,
    min_conversion: float | None,
    after_days: int,
) -> list[dict[str, Any]]:
    """Groups to consider dropping, each with the figures behind its flag.

    CAC above ``max_cac`` (a group with spend and no payer has no CAC: it is flagged when its
    spend alone already exceeds the target), or the share of leads at least ``after_days`` old
    that paid within ``after_days`` below ``min_conversion``.
    """
    keys = JOIN_KEYS[by]
    flags: list[dict[str, Any]] = []
    for row in report:
        name = " / ".join(str(row.get(k) or "") for k in OUTPUT_KEYS[by])
        if max_cac is None or row.get("spend") in (None, Decimal(0)):
            continue
        group_cac = row.get("cac")
        if (group_cac is not None and group_cac > max_cac) or (
            group_cac is None and row["spend"] > max_cac
        ):
            flags.append(
                {
                    "dimension": by,
                    "group": {k: row.get(k) for k in OUTPUT_KEYS[by]},
                    "name": name,
                    "reason": "cac_above_target",
                    "figures": {
                        "cac": group_cac,
                        "target_cac": max_cac,
                        "spend": row["spend"],
                        "paying_patients": row["paying_patients"],
                    },
                }
            )
    if min_conversion is not None:
        for row in cohorts:
            size = int(row.get("cohort_leads") or 0)
            rate = conversion_rate(row.get("cohort_payers") or 0, size)
            if rate is not None and rate < min_conversion:
                group = {k: row.get(k) for k in keys}
                flags.append(
                    {
                        "dimension": by,
                        "group": group,
                        "name": " / ".join(str(v or "") for v in group.values()),
                        "reason": "cohort_conversion_below_threshold",
                        "figures": {
                            "conversion_rate": rate,
                            "threshold": min_conversion,
                            "after_days": after_days,
                            "cohort_leads": size,
                            "cohort_payers": int(row.get("cohort_payers") or 0),
                        },
                    }
                )
    return flags


def assistant_board(
    rows: list[dict[str, Any]], labels: dict[Any, str] | None = None
) -> list[dict[str, Any]]:
    """Per assistant: assigned leads, each stage rate, conversion, revenue, SLA breaches."""
    labels = labels or {}
    out = []
    for row in rows:
        previous = int(row["leads"])
        entry: dict[str, Any] = {
            "assistant_id": row["assistant_id"],
            "assistant": labels.get(row["assistant_id"]),
            "leads": int(row["leads"]),
        }
        for stage in RATE_STAGES:
            reached = int(row[f"reached_{stage}"] or 0)
            entry[f"rate_{stage}"] = stage_rate(reached, previous)
            previous = reached
        entry["repurchase_rate"] = repurchase_rate(
            row["repurchasers"] or 0, row["paying_patients"] or 0
        )
        entry["paying_patients"] = int(row["paying_patients"] or 0)
        entry["revenue"] = money(row["revenue"]) or Decimal("0.00")
        entry["sla_breaches"] = int(row.get("sla_breaches") or 0)
        out.append(entry)
    out.sort(key=lambda r: (r["assistant"] is None, r["assistant"] or ""))
    return out


WECOM_COLUMNS = [
    "added",
    "add_median_minutes",
    "wecom_deletions",
    "new_contact_cnt",
    "new_apply_cnt",
    "chat_cnt",
    "message_cnt",
    "reply_percentage",
    "avg_reply_time",
    "negative_feedback_cnt",
]


def median(values: list[float]) -> float | None:
    """The median (mean of the two middle values for an even count); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def assistant_wecom(
    board: list[dict[str, Any]],
    inputs: dict[str, Any],
    *,
    counts: list[dict[str, Any]] | None = None,
    labels: dict[Any, str] | None = None,
) -> list[dict[str, Any]]:
    """The assistant board with its WeCom figures beside 加微率 (``rate_contacted`` = added ÷
    assigned): ``added`` (leads that reached 已加微), ``add_median_minutes`` (median minutes
    from assignment to the add, 1 place), ``wecom_deletions`` (patients who deleted the member),
    and the imported behaviour sums over the window: new contacts and applications, chats,
    messages, negative feedback; ``reply_percentage`` (share 0–1 of chats replied to) and
    ``avg_reply_time`` (minutes) as chat-weighted means of WeCom's daily figures, None when
    no day had chats. Assistants with WeCom figures but no lead in the window get a row too.
    ``inputs``: ``selectors.assistant_wecom_inputs``; ``counts``: the rows the board came from
    (for ``added``)."""
    labels = labels or {}
    reached = {r["assistant_id"]: int(r["reached_contacted"] or 0) for r in counts or []}
    behavior, minutes = inputs["behavior"], inputs["add_minutes"]
    deletions = inputs["deletions"]
    rows = {r["assistant_id"]: dict(r) for r in board}
    for assistant_id in set(behavior) | set(deletions) | set(minutes):
        if assistant_id not in rows:
            # No lead in the window: the same columns, empty (rates None, counts 0).
            zero = {"assistant_id": assistant_id, "leads": 0, "repurchasers": 0}
            zero |= {f"reached_{stage}": 0 for stage in RATE_STAGES}
            zero |= {"paying_patients": 0, "revenue": None, "sla_breaches": 0}
            rows[assistant_id] = assistant_board([zero], labels)[0]
    out = []
    for assistant_id, row in rows.items():
        b = behavior.get(assistant_id, {})
        med = median(minutes.get(assistant_id, []))
        row["added"] = reached.get(assistant_id, 0)
        row["add_median_minutes"] = round(med, 1) if med is not None else None
        row["wecom_deletions"] = int(deletions.get(assistant_id, 0))
        for name in (
            "new_contact_cnt",
            "new_apply_cnt",
            "chat_cnt",
            "message_cnt",
            "negative_feedback_cnt",
        ):
            row[name] = int(b.get(name, 0))
        row["reply_percentage"] = (
            round(float(b["reply_weighted"]) / b["reply_chats"] / 100, 4)
            if b.get("reply_chats")
            else None
        )
        row["avg_reply_time"] = (
            round(b["reply_time_weighted"] / b["reply_time_chats"], 1)
            if b.get("reply_time_chats")
            else None
        )
        out.append(row)
    out.sort(key=lambda r: (r["assistant"] is None, r["assistant"] or ""))
    return out
