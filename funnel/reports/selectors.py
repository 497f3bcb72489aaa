"""Report reads: every aggregation happens in SQL, one statement per figure family.

Attribution is first touch: a lead belongs to the channel, campaign and content page of its
touchpoint with ``is_first=True`` (a lead without one is "unattributed", key ``""``/None).
A lead is counted in the window (and period) in which it was *created*; its stages are the
furthest stage event it ever reached, its orders those paid up to the end of the window.
Dates are local (``TIME_ZONE``, Asia/Shanghai); ``end`` is inclusive.

First touch and furthest stage are read from the copies on the lead (``first_channel`` …,
``furthest_rank``; see ``funnel.services.lead_facts``), so the lead scan is one covered
index and never joins the touchpoints or the events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from funnel.models import (
    Assistant,
    AssistantBehaviorDay,
    LeadEvent,
    Specialty,
    SpendRecord,
    Stage,
)
from funnel.services.lead_facts import STAGE_RANKS

# new … repurchased in the order ``Lead.furthest_rank`` numbers them (0 … 6).
STAGE_ORDER = [str(stage) for stage in STAGE_RANKS]
DIMENSIONS = ("channel", "campaign", "content", "assistant", "specialty")
GRAINS = ("day", "week", "month")
# Spend is reported per channel and campaign only: platforms do not split cost by our
# content pages, assistants or specialties, so those dimensions show spend-based metrics empty.
SPEND_DIMENSIONS = ("channel", "campaign")

# Group columns per dimension: (output key, SQL expression over lead l).
_LEAD_KEYS: dict[str, list[tuple[str, str]]] = {
    "channel": [("channel", "l.first_channel")],
    "campaign": [("channel", "l.first_channel"), ("campaign_id", "l.first_campaign_id")],
    "content": [("content_page_id", "l.first_content_page_id")],
    "assistant": [("assistant_id", "l.assignee_id")],
    "specialty": [("specialty_id", "l.specialty_id")],
}


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    # Reports cover the product's lifetime; a date outside it is a typo (9999-12-31), and the
    # day after it would not exist.
    EARLIEST = dt.date(2000, 1, 1)
    LATEST = dt.date(2100, 12, 31)

    def __post_init__(self) -> None:
        for day in (self.start, self.end):
            if not self.EARLIEST <= day <= self.LATEST:
                raise ValueError(f"日期须在 {self.EARLIEST} 与 {self.LATEST} 之间：{day}")

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=_tz())

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive upper bound: local midnight after ``end``."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=_tz())


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _utc_offset_hours() -> int:
    # SQLite has no time zones; Asia/Shanghai has had no DST since 1991, so a fixed offset is exact.
    offset = dt.datetime.now(_tz()).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 3600)


def _local_date_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"
    return f"date({column}, '{_utc_offset_hours():+d} hours')"


def _period_sql(column: str, grain: str) -> str:
    """The local date starting the day/week (Monday)/month that ``column`` falls in."""
    if grain not in GRAINS:
        raise ValueError(grain)
    if connection.vendor == "postgresql":
        if grain == "day":
            return _local_date_sql(column)
        return f"date_trunc('{grain}', ({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"
    local = f"{column}, '{_utc_offset_hours():+d} hours'"
    if grain == "day":
        return f"date({local})"
    if grain == "week":
        # 'weekday 0' moves forward to Sunday (or stays), six days back is that week's Monday.
        return f"date({local}, 'weekday 0', '-6 days')"
    return f"date({local}, 'start of month')"


def _day_period_sql(column: str, grain: str) -> str:
    """The date starting the day/week (Monday)/month of a local date column (no time zone
    work per row: that conversion was most of the cost of grouping a million leads)."""
    if grain not in GRAINS:
        raise ValueError(grain)
    if grain == "day":
        return column
    if connection.vendor == "postgresql":
        return f"date_trunc('{grain}', {column}::timestamp)::date"
    if grain == "week":
        return f"date({column}, 'weekday 0', '-6 days')"
    return f"date({column}, 'start of month')"


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _param(value: Any) -> Any:
    """A bound value as the database stores it. SQLite keeps datetimes as naive UTC text, so
    an aware Shanghai bound (``…+08:00``) compared as text would shift every window by 8 hours;
    Django's own adapter turns it into the stored form (PostgreSQL gets it unchanged)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [_param(p) for p in params])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _group_sql(by: str, grain: str | None) -> tuple[list[str], list[str], list[str]]:
    """(SELECT items, GROUP BY expressions, output names) of a dimension over lead l."""
    keys = _LEAD_KEYS[by]
    select_keys = [f"{expr} AS {name}" for name, expr in keys]
    group_exprs = [expr for _, expr in keys]
    names = [name for name, _ in keys]
    if grain:
        period = _day_period_sql("l.created_day", grain)
        select_keys.insert(0, f"{period} AS period")
        group_exprs.insert(0, period)
        names.insert(0, "period")
    return select_keys, group_exprs, names


def _stage_counts(*, by: str, window: Window, grain: str | None) -> list[dict[str, Any]]:
    """Per group (and period): leads and leads reaching each stage, from the covering index.
    With a grain, leads are first counted per local day, then the days summed per period."""
    keys = _LEAD_KEYS[by]
    select_keys = [f"{expr} AS {name}" for name, expr in keys]
    group_exprs = [expr for _, expr in keys]
    if grain:
        select_keys.insert(0, "l.created_day AS created_day")
        group_exprs.insert(0, "l.created_day")
    counts = ["leads"] + [f"reached_{code}" for code in STAGE_ORDER[1:]]
    reached = ", ".join(
        f"SUM(CASE WHEN l.furthest_rank >= {i} THEN 1 ELSE 0 END) AS reached_{code}"
        for i, code in enumerate(STAGE_ORDER)
        if i
    )
    sql = f"""
        SELECT {", ".join(select_keys)}, COUNT(*) AS leads, {reached}
        FROM funnel_lead l
        WHERE l.created_at >= %s AND l.created_at < %s
        GROUP BY {", ".join(group_exprs)}
    """  # noqa: S608 (constant fragments; values are bound parameters)
    if grain:
        period = _day_period_sql("d.created_day", grain)
        names = [f"d.{name}" for name, _ in keys]
        sums = ", ".join(f"CAST(SUM(d.{c}) AS BIGINT) AS {c}" for c in counts)
        sql = f"""
            SELECT {period} AS period, {", ".join(names)}, {sums}
            FROM ({sql}) d
            GROUP BY {", ".join([period, *names])}
        """  # noqa: S608 (constant fragments)
    rows = _fetch(sql, [window.start_at, window.end_at])
    for row in rows:
        if grain:
            row["period"] = _as_date(row["period"])
    return rows


def _order_days(*, by: str, window: Window, grain: str | None) -> list[dict[str, Any]]:
    """Per group (and lead period) and local pay day: revenue of its leads' orders paid before
    the window's end, and how many of those were a lead's first / second order — so payers,
    repurchasers, revenue and the payback curve all come from one orders × leads join."""
    select_keys, group_exprs, _ = _group_sql(by, grain)
    day = _local_date_sql("o.paid_at")
    sql = f"""
        SELECT {", ".join(select_keys)}, {day} AS day, SUM(o.amount) AS revenue,
            SUM(CASE WHEN o.nth = 1 THEN 1 ELSE 0 END) AS first_orders,
            SUM(CASE WHEN o.nth = 2 THEN 1 ELSE 0 END) AS second_orders
        FROM (
            SELECT lead_id, amount, paid_at,
                ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY paid_at, id) AS nth
            FROM funnel_order WHERE paid_at < %s
        ) o
        JOIN funnel_lead l ON l.id = o.lead_id
        WHERE l.created_at >= %s AND l.created_at < %s
        GROUP BY {", ".join([*group_exprs, day])}
    """  # noqa: S608 (constant fragments; values are bound parameters)
    rows = _fetch(sql, [window.end_at, window.start_at, window.end_at])
    for row in rows:
        row["day"] = _as_date(row["day"])
        if grain:
            row["period"] = _as_date(row["period"])
    return rows


def _with_orders(
    *, by: str, grain: str | None, leads: list[dict[str, Any]], days: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Adds paying_patients, repurchasers and revenue (None without orders) to the lead rows,
    summing the per-day order figures of each group (a few thousand rows, never per lead)."""
    _, _, names = _group_sql(by, grain)
    totals: dict[tuple, list[Any]] = {}
    for row in days:
        total = totals.setdefault(tuple(row[n] for n in names), [0, 0, Decimal(0)])
        total[0] += int(row["first_orders"])
        total[1] += int(row["second_orders"])
        total[2] += Decimal(str(row["revenue"]))
    for row in leads:
        payers, repurchasers, revenue = totals.get(tuple(row[n] for n in names), (0, 0, None))
        row.update(paying_patients=payers, repurchasers=repurchasers, revenue=revenue)
    return leads


def _funnel_rows(
    *, by: str, window: Window, grain: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(lead rows with order figures, revenue per group and day): two statements in all."""
    days = _order_days(by=by, window=window, grain=grain)
    leads = _with_orders(
        by=by, grain=grain, leads=_stage_counts(by=by, window=window, grain=grain), days=days
    )
    if by == "campaign":
        names = campaign_names(keys={(r["channel"], r["campaign_id"]) for r in leads})
        for row in leads:
            row["campaign_name"] = names.get((row["channel"], row["campaign_id"]))
    return leads, _revenue_only(days)


def _revenue_only(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in ("first_orders", "second_orders")} for row in days
    ]


def lead_funnel_counts(
    *, by: str, window: Window, grain: str | None = None
) -> list[dict[str, Any]]:
    """Per group (and period): leads, leads reaching each stage, payers, repurchasers, revenue."""
    return _funnel_rows(by=by, window=window, grain=grain)[0]


def campaign_names(*, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Display name per (channel, campaign id): the latest first touch's non-empty name."""
    keys = {k for k in keys if k[1]}
    if not keys:
        return {}
    # One statement; each lookup walks the campaign_id index and stops at the first match.
    one = """
        SELECT %s AS channel, %s AS campaign_id, (
            SELECT t.campaign_name FROM funnel_touchpoint t
            WHERE t.campaign_id = %s AND t.channel = %s AND t.is_first AND t.campaign_name <> ''
            ORDER BY t.id DESC LIMIT 1
        ) AS campaign_name
    """
    ordered = sorted(keys)
    params = [v for channel, campaign in ordered for v in (channel, campaign, campaign, channel)]
    rows = _fetch(" UNION ALL ".join([one] * len(ordered)), params)
    return {
        (r["channel"], r["campaign_id"]): r["campaign_name"] for r in rows if r["campaign_name"]
    }


_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def spend_totals(*, by: str, window: Window, grain: str | None = None) -> list[dict[str, Any]]:
    """Per channel (or campaign) and period: cost, impressions, clicks from SpendRecord."""
    if by not in SPEND_DIMENSIONS:
        return []
    keys = ["channel"] if by == "channel" else ["channel", "campaign_id"]
    qs = SpendRecord.objects.filter(date__gte=window.start, date__lte=window.end)
    if grain:
        qs = qs.annotate(period=_TRUNC[grain]("date"))
        keys = ["period", *keys]
    annotations: dict[str, Any] = {
        "spend": Sum("cost"),
        "impressions": Sum("impressions"),
        "clicks": Sum("clicks"),
    }
    if by == "campaign":
        annotations["campaign_name"] = Max("campaign_name")
    rows = list(qs.values(*keys).annotate(**annotations).order_by(*keys))
    for row in rows:
        if grain:
            row["period"] = _as_date(row["period"])
    return rows


def dimension_labels(*, by: str, ids: list[Any]) -> dict[Any, str]:
    """Display names for assistant / specialty / content ids (one query each)."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    if by == "assistant":
        return dict(Assistant.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "specialty":
        return dict(Specialty.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "content":
        from wagtail.models import Page

        return dict(Page.objects.filter(pk__in=ids).values_list("pk", "title"))
    return {}


def specialty_slugs(ids: list[Any]) -> dict[Any, str]:
    return dict(Specialty.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "slug"))


def cohort_counts(*, window: Window) -> list[dict[str, Any]]:
    """Weekly lead cohorts: size, members with any event on local day 1, 7 and 30 after
    creation, the new leads referred by the cohort's members (any time), and the members who
    paid before the window's end (payers, for CAC)."""
    cohort = _period_sql("l.created_at", "week")
    if connection.vendor == "postgresql":
        diff = f"({_local_date_sql('e.created_at')} - {_local_date_sql('l.created_at')})"
    else:
        diff = (
            f"CAST(julianday({_local_date_sql('e.created_at')}) - "
            f"julianday({_local_date_sql('l.created_at')}) AS INTEGER)"
        )
    sql = f"""
        WITH act AS (
            SELECT e.lead_id,
                MAX(CASE WHEN {diff} = 1 THEN 1 ELSE 0 END) AS d1,
                MAX(CASE WHEN {diff} = 7 THEN 1 ELSE 0 END) AS d7,
                MAX(CASE WHEN {diff} = 30 THEN 1 ELSE 0 END) AS d30
            FROM funnel_leadevent e JOIN funnel_lead l ON l.id = e.lead_id
            WHERE l.created_at >= %s AND l.created_at < %s
            GROUP BY e.lead_id
        ), refs AS (
            SELECT r.referred_by_id AS lead_id, COUNT(*) AS n
            FROM funnel_lead r WHERE r.referred_by_id IS NOT NULL
            GROUP BY r.referred_by_id
        )
        SELECT {cohort} AS cohort, COUNT(*) AS size,
            SUM(COALESCE(act.d1, 0)) AS day1, SUM(COALESCE(act.d7, 0)) AS day7,
            SUM(COALESCE(act.d30, 0)) AS day30, SUM(COALESCE(refs.n, 0)) AS referred,
            SUM(CASE WHEN EXISTS (
                SELECT 1 FROM funnel_order o WHERE o.lead_id = l.id AND o.paid_at < %s
            ) THEN 1 ELSE 0 END) AS payers
        FROM funnel_lead l
        LEFT JOIN act ON act.lead_id = l.id
        LEFT JOIN refs ON refs.lead_id = l.id
        WHERE l.created_at >= %s AND l.created_at < %s
        GROUP BY {cohort}
        ORDER BY 1
    """  # noqa: S608 (constant fragments; values are bound parameters)
    rows = _fetch(
        sql, [window.start_at, window.end_at, window.end_at, window.start_at, window.end_at]
    )
    for row in rows:
        row["cohort"] = _as_date(row["cohort"])
    return rows


def spend_by_week(*, window: Window) -> dict[dt.date, Decimal]:
    """Spend (yuan) of every channel per week (Monday start) of the window, from SpendRecord:
    the cost of the week's cohort (platforms report local days, so no time zone work)."""
    rows = (
        SpendRecord.objects.filter(date__gte=window.start, date__lte=window.end)
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(spend=Sum("cost"))
        .order_by("week")
    )
    return {_as_date(r["week"]): r["spend"] for r in rows}


def cohort_conversion_counts(*, by: str, window: Window, after_days: int) -> list[dict[str, Any]]:
    """Per channel or campaign: leads created in the window at least ``after_days`` ago, and
    those of them that paid within ``after_days`` of creation (elimination signal input)."""
    keys = _LEAD_KEYS[by]
    select_keys = ", ".join(f"{expr} AS {name}" for name, expr in keys)
    group = ", ".join(expr for _, expr in keys)
    if connection.vendor == "postgresql":
        within = "o.paid_at < l.created_at + make_interval(days => %s)"
    else:
        within = "julianday(o.paid_at) < julianday(l.created_at) + %s"
    sql = f"""
        SELECT {select_keys}, COUNT(*) AS cohort_leads,
            SUM(CASE WHEN EXISTS (
                SELECT 1 FROM funnel_order o WHERE o.lead_id = l.id AND {within}
            ) THEN 1 ELSE 0 END) AS cohort_payers
        FROM funnel_lead l
        WHERE l.created_at >= %s AND l.created_at < %s AND l.created_at < %s
        GROUP BY {group}
    """  # noqa: S608 (constant fragments; values are bound parameters)
    matured = dt.datetime.now(_tz()) - dt.timedelta(days=after_days)
    return _fetch(sql, [after_days, window.start_at, window.end_at, matured])


def assistant_board_counts(*, window: Window) -> list[dict[str, Any]]:
    """Per assistant: assigned leads created in the window, stage reach, revenue, SLA breaches.

    A breach is an SLA check due in the window that fired: a stage change cancels the pending
    check (``stages._after_stage``), so a check the dispatcher claimed (``sent_at`` set,
    whatever status it ends in) fell due while the lead was still new. The dispatcher marks
    SLA checks ``done`` after enforcing them, never leaves them ``sent``."""
    rows = lead_funnel_counts(by="assistant", window=window)
    sql = """
        SELECT f.assignee_id AS assistant_id, COUNT(*) AS sla_breaches
        FROM funnel_followup f
        WHERE f.kind = 'sla_check' AND f.sent_at IS NOT NULL
            AND f.due_at >= %s AND f.due_at < %s
        GROUP BY f.assignee_id
    """
    breaches = {
        r["assistant_id"]: r["sla_breaches"] for r in _fetch(sql, [window.start_at, window.end_at])
    }
    for row in rows:
        row["sla_breaches"] = breaches.get(row["assistant_id"], 0)
    return rows


def assistant_wecom_inputs(*, window: Window) -> dict[str, Any]:
    """What the assistant board shows beside the funnel, per assistant id (analytics turns it
    into figures):

    - "behavior": imported WeCom behaviour days (`AssistantBehaviorDay`, found by the
      assistant's `wecom_userid`) with a day in the window, summed per assistant: counts, and
      `reply_weighted` / `reply_time_weighted` = Σ figure × chat_cnt over days that have it,
      with `reply_chats` / `reply_time_chats` = Σ chat_cnt over those days (chat-weighted means).
    - "add_minutes": per assistant, a list of minutes from the assignment to that assistant to
      the first 已加微 stage event, one per lead created in the window (the board's leads)
      whose assignee it is (see `_add_minutes`).
    - "deletions": per assistant (the lead's assignee), WeCom 删除 events (the patient deleted
      the member, `del_follow_user`) recorded in the window."""
    by_userid: dict[str, list[int]] = {}
    for pk, userid in Assistant.objects.exclude(wecom_userid="").values_list("pk", "wecom_userid"):
        by_userid.setdefault(userid, []).append(pk)
    behavior: dict[int, dict[str, Any]] = {}
    days = AssistantBehaviorDay.objects.filter(
        day__gte=window.start, day__lte=window.end, userid__in=list(by_userid)
    ).values_list(
        "userid",
        "new_apply_cnt",
        "new_contact_cnt",
        "chat_cnt",
        "message_cnt",
        "reply_percentage",
        "avg_reply_time",
        "negative_feedback_cnt",
    )
    for userid, apply, new, chats, messages, reply, reply_time, negative in days:
        for assistant_id in by_userid[userid]:
            row = behavior.setdefault(
                assistant_id,
                {
                    "new_apply_cnt": 0,
                    "new_contact_cnt": 0,
                    "chat_cnt": 0,
                    "message_cnt": 0,
                    "negative_feedback_cnt": 0,
                    "reply_weighted": Decimal("0"),
                    "reply_chats": 0,
                    "reply_time_weighted": 0,
                    "reply_time_chats": 0,
                },
            )
            row["new_apply_cnt"] += apply
            row["new_contact_cnt"] += new
            row["chat_cnt"] += chats
            row["message_cnt"] += messages
            row["negative_feedback_cnt"] += negative
            if reply is not None:
                row["reply_weighted"] += reply * chats
                row["reply_chats"] += chats
            if reply_time is not None:
                row["reply_time_weighted"] += reply_time * chats
                row["reply_time_chats"] += chats
    add_minutes = _add_minutes(window)
    deletions = {
        r["lead__assignee_id"]: r["n"]
        for r in LeadEvent.objects.filter(
            kind=LeadEvent.Kind.CHURN,
            data__change="del_follow_user",
            created_at__gte=window.start_at,
            created_at__lt=window.end_at,
            lead__assignee_id__isnull=False,
        )
        .values("lead__assignee_id")
        .annotate(n=Count("pk"))
    }
    return {"behavior": behavior, "add_minutes": add_minutes, "deletions": deletions}


def _add_minutes(window: Window) -> dict[int, list[float]]:
    """Assistant id → minutes (float) from the lead's assignment to that assistant (its current
    assignee, the board's row) to the lead's first 已加微 stage event, per lead created in the
    window. The assignment is the latest assign event naming the assistant (`assigned_event` /
    `reassigned_event`: data has "previous_assistant_id"; an SLA escalation keeps the lead and
    is no assignment) at or before that 已加微. Not the lead's current `assigned_at`: a lead
    moved after its add would count 0. A lead with no such assignment (moved to the assistant
    after the add; seeded without events) is skipped, not clamped to 0."""
    sql = """
        SELECT l.id AS lead_id, l.assignee_id AS assistant_id, MIN(e.created_at) AS added_at
        FROM funnel_lead l
        JOIN funnel_leadevent e ON e.lead_id = l.id AND e.kind = %s AND e.to_stage = %s
        WHERE l.created_at >= %s AND l.created_at < %s AND l.assignee_id IS NOT NULL
        GROUP BY l.id, l.assignee_id
    """
    added = {
        r["lead_id"]: (r["assistant_id"], _as_datetime(r["added_at"]))
        for r in _fetch(
            sql, [LeadEvent.Kind.STAGE, Stage.CONTACTED, window.start_at, window.end_at]
        )
    }
    assigned: dict[int, dt.datetime] = {}  # lead id → latest assignment to its assignee ≤ add
    events = LeadEvent.objects.filter(
        kind=LeadEvent.Kind.ASSIGN,
        data__has_key="previous_assistant_id",
        lead__created_at__gte=window.start_at,
        lead__created_at__lt=window.end_at,
        lead__assignee_id__isnull=False,
    ).values_list("lead_id", "data__assistant_id", "created_at")
    for lead_id, assistant_id, at in events:
        if lead_id not in added:
            continue
        owner, added_at = added[lead_id]
        if assistant_id != owner or at > added_at:
            continue
        if lead_id not in assigned or at > assigned[lead_id]:
            assigned[lead_id] = at
    add_minutes: dict[int, list[float]] = {}
    for lead_id, at in assigned.items():
        owner, added_at = added[lead_id]
        add_minutes.setdefault(owner, []).append((added_at - at).total_seconds() / 60)
    return add_minutes


def _as_datetime(value: Any) -> dt.datetime:
    """A timestamp from a raw cursor: PostgreSQL gives aware datetimes, SQLite naive UTC text."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def report_inputs(*, by: str, window: Window, grain: str | None = None) -> dict[str, Any]:
    """Everything ``analytics.funnel_table`` needs, plus display labels."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    leads, revenue = _funnel_rows(by=by, window=window, grain=grain)
    spend = spend_totals(by=by, window=window, grain=grain)
    id_key = {
        "assistant": "assistant_id",
        "specialty": "specialty_id",
        "content": "content_page_id",
    }
    labels: dict[Any, str] = {}
    slugs: dict[Any, str] = {}
    if by in id_key:
        ids = sorted({r[id_key[by]] for r in leads if r[id_key[by]] is not None})
        labels = dimension_labels(by=by, ids=ids)
        if by == "specialty":
            slugs = specialty_slugs(ids)
    return {"leads": leads, "revenue": revenue, "spend": spend, "labels": labels, "slugs": slugs}


def funnel_report(*, by: str, window: Window, grain: str | None = None) -> list[dict[str, Any]]:
    """The ROI and funnel table: SQL aggregates in, metric rows out (see analytics)."""
    from funnel.reports import analytics

    inputs = report_inputs(by=by, window=window, grain=grain)
    return analytics.funnel_table(
        by=by,
        leads=inputs["leads"],
        spend=inputs["spend"],
        revenue=inputs["revenue"],
        start=window.start,
        grain=grain,
        labels=inputs["labels"],
        slugs=inputs["slugs"],
    )
