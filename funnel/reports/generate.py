"""Benchmark data generator: N leads with first touches, stage/assign/score/note events, orders,
referrals and a year of daily spend, written by PostgreSQL itself (INSERT … SELECT over
generate_series) so a million leads take a minute or two, not an hour of ORM saves.

Distributions (seeded, so two runs with the same seed give the same data):
- channel: douyin 45 %, baidu 30 %, xiaohongshu 20 %, landing 5 %; 12 campaigns per paid channel,
  one content page id in 40 content pieces per lead (60 % of leads come through content);
- created_at: uniform over the year before ``end``, denser on weekdays;
- funnel: contacted 70 %, then profiled 60 %, consulted 70 %, prescribed 60 %, paid 50 %,
  repurchased 30 %; 20 % of leads that stop before paying end as lost;
- orders: 699 / 1280 / 1980 / 2680 yuan within 1–20 days of prescription; repurchase +30–90 days;
- referrals: 3 % of leads were referred by an earlier lead;
- spend: every campaign every day, 150–1,650 yuan per 100,000 leads, CTR ≈ 1–3 %.
Then the leads' report facts (first touch, furthest stage) are derived from those rows by
``lead_facts_backfill``, as the migration does for real data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from funnel.crypto import encrypt_str
from funnel.models import (
    STAGE_MAIN_PATH,
    Assistant,
    Lead,
    LeadEvent,
    Order,
    Specialty,
    Touchpoint,
)
from funnel.services.lead_facts import lead_facts_backfill

MARK = "gen-"  # phone_hash prefix of generated leads
CHANNELS = ["douyin", "baidu", "xiaohongshu", "landing"]
CAMPAIGNS_PER_CHANNEL = 12
STAGES = [str(stage) for stage in STAGE_MAIN_PATH]


def generated_lead_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM funnel_lead WHERE phone_hash LIKE %s", [MARK + "%"])
        return int(cursor.fetchone()[0])


def _insert_select(
    model: type[Model], exprs: dict[str, Any], from_sql: str, params: list[Any]
) -> int:
    """INSERT INTO model's table, every concrete column either from ``exprs`` (SQL) or its
    Python default (bound), so new nullable/defaulted columns never break the generator."""
    columns, values, bound = [], [], []
    for field in model._meta.concrete_fields:
        if field.generated or (field.primary_key and field.column not in exprs):
            continue  # the database computes generated columns itself
        columns.append(field.column)
        if field.column in exprs:
            expr = exprs[field.column]
            if isinstance(expr, tuple):  # (SQL with placeholders, its parameters)
                expr, expr_params = expr
                bound.extend(expr_params)
            values.append(expr)
        elif field.null:
            values.append("NULL")
        else:
            values.append("%s")
            bound.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 (model metadata)
        f"SELECT {', '.join(values)} {from_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bound, *params])
        return cursor.rowcount


def funnel_data_generate(*, leads: int, end: dt.date, seed: float = 0.42) -> dict[str, int]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the generator writes with PostgreSQL's generate_series")
    specialties = [
        Specialty.objects.get_or_create(slug=slug, defaults={"name": name})[0].pk
        for slug, name in (("hair-loss", "脱发"), ("insomnia", "失眠"), ("diabetes", "糖尿病"))
    ]
    assistants = [
        Assistant.objects.get_or_create(name=f"生成医助{i:02d}")[0].pk for i in range(1, 13)
    ]
    accounts = {c: f"{c}-bench" for c in CHANNELS[:3]}  # spend names its account
    start = end - dt.timedelta(days=364)
    phone = encrypt_str("+8613800000000")  # one ciphertext for all: reports never read phones
    empty = encrypt_str("")
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        base = generated_lead_count()
        cursor.execute("DROP TABLE IF EXISTS gen_lead")
        cursor.execute(
            f"""
            CREATE TEMP TABLE gen_lead AS
            SELECT n, nextval(pg_get_serial_sequence('funnel_lead', 'id')) AS id,
                %s::timestamptz + (random() * 365 * 86400) * interval '1 second' AS created_at,
                CASE WHEN u < .45 THEN 0 WHEN u < .75 THEN 1 WHEN u < .95 THEN 2 ELSE 3 END AS ch,
                floor(random() * {CAMPAIGNS_PER_CHANNEL})::int AS camp,
                CASE WHEN random() < .6 THEN 1000 + floor(random() * 40)::int END AS content,
                floor(random() * 3)::int AS spec,
                floor(random() * {len(assistants)})::int AS asg,
                CASE WHEN random() >= .7 THEN 0 WHEN random() >= .6 THEN 1
                     WHEN random() >= .7 THEN 2 WHEN random() >= .6 THEN 3
                     WHEN random() >= .5 THEN 4 WHEN random() >= .3 THEN 5 ELSE 6 END AS rank,
                random() < .2 AS lost,
                floor(random() * 3.25)::int AS notes,
                random() AS r
            FROM (SELECT g AS n, random() AS u FROM generate_series(%s, %s) g) s
            """,  # noqa: S608 (integer constants only)
            [dt.datetime.combine(start, dt.time(0)), base + 1, base + leads],
        )
        cursor.execute("ALTER TABLE gen_lead ADD COLUMN referred_by bigint")
        cursor.execute(
            "UPDATE gen_lead SET referred_by = id - 1 - floor(random() * (n - 1))::int "
            "WHERE r < .03 AND n > 1"
        )
        cursor.execute("ANALYZE gen_lead")
        stage_case = "(ARRAY[" + ",".join(f"'{s}'" for s in STAGES) + "])"
        spec_arr = "ARRAY[" + ",".join(map(str, specialties)) + "]"
        asg_arr = "ARRAY[" + ",".join(map(str, assistants)) + "]"
        ch_arr = "ARRAY[" + ",".join(f"'{c}'" for c in CHANNELS) + "]"
        counts["leads"] = _insert_select(
            Lead,
            {
                "id": "g.id",
                "phone_hash": f"'{MARK}' || g.n",
                "phone": ("%s", [phone]),
                "name": ("%s", [empty]),
                "wechat_id": ("%s", [empty]),
                "specialty_id": f"({spec_arr})[g.spec + 1]",
                "assignee_id": f"({asg_arr})[g.asg + 1]",
                "assigned_at": "g.created_at",
                "stage": f"CASE WHEN g.lost AND g.rank BETWEEN 1 AND 4 THEN 'lost' "
                f"ELSE {stage_case}[g.rank + 1] END",
                "referred_by_id": "g.referred_by",
                "created_at": "g.created_at",
                "updated_at": "g.created_at",
                "last_touch_at": "g.created_at",
            },
            "FROM gen_lead g ORDER BY g.id",
            [],
        )
        counts["touchpoints"] = _insert_select(
            Touchpoint,
            {
                "lead_id": "g.id",
                "channel": f"({ch_arr})[g.ch + 1]",
                "account_name": f"({ch_arr})[g.ch + 1] || '-bench'",
                "campaign_id": f"CASE WHEN g.ch < 3 THEN ({ch_arr})[g.ch + 1] || '-c' || g.camp "
                "ELSE '' END",
                "campaign_name": f"CASE WHEN g.ch < 3 THEN ({ch_arr})[g.ch + 1] || ' 计划 ' "
                "|| g.camp ELSE '' END",
                "content_page_id": "g.content",
                "referrer_id": "g.referred_by",
                "is_first": "TRUE",
                "occurred_at": "g.created_at",
            },
            "FROM gen_lead g",
            [],
        )
        # Stage steps are a few hours to a few days apart; assignment and scoring at arrival.
        counts["events"] = _insert_select(
            LeadEvent,
            {
                "lead_id": "g.id",
                "kind": "'stage'",
                "from_stage": f"{stage_case}[k]",
                "to_stage": f"{stage_case}[k + 1]",
                "created_at": "g.created_at + k * (0.2 + random() * 3) * interval '1 day'",
            },
            "FROM gen_lead g CROSS JOIN LATERAL generate_series(1, g.rank) k",
            [],
        )
        counts["events"] += _insert_select(
            LeadEvent,
            {
                "lead_id": "g.id",
                "kind": "'stage'",
                "from_stage": f"{stage_case}[g.rank + 1]",
                "to_stage": "'lost'",
                "created_at": "g.created_at + (g.rank + 2) * interval '2 days'",
            },
            "FROM gen_lead g WHERE g.lost AND g.rank BETWEEN 1 AND 4",
            [],
        )
        for kind, offset in (("assign", "0"), ("score", "1")):
            counts["events"] += _insert_select(
                LeadEvent,
                {
                    "lead_id": "g.id",
                    "kind": f"'{kind}'",
                    "created_at": f"g.created_at + interval '{offset} second'",
                },
                "FROM gen_lead g",
                [],
            )
        counts["events"] += _insert_select(
            LeadEvent,
            {
                "lead_id": "g.id",
                "kind": "'note'",
                "note": ("%s", [encrypt_str("已电话沟通，约定复诊时间")]),
                "created_at": "g.created_at + k * (1 + random() * 10) * interval '1 day'",
            },
            "FROM gen_lead g CROSS JOIN LATERAL generate_series(1, g.notes) k",
            [],
        )
        amount = "(ARRAY[699, 1280, 1980, 2680])[1 + floor(random() * 4)::int]::numeric"
        counts["orders"] = _insert_select(
            Order,
            {
                "lead_id": "g.id",
                "amount": amount,
                "paid_at": "g.created_at + (5 + random() * 20) * interval '1 day'",
                "created_at": "g.created_at",
            },
            "FROM gen_lead g WHERE g.rank >= 5",
            [],
        )
        counts["orders"] += _insert_select(
            Order,
            {
                "lead_id": "g.id",
                "amount": amount,
                "paid_at": "g.created_at + (30 + random() * 60) * interval '1 day'",
                "created_at": "g.created_at",
            },
            "FROM gen_lead g WHERE g.rank = 6",
            [],
        )
        cursor.execute("SELECT MIN(id) FROM gen_lead")
        first_id = cursor.fetchone()[0]
        cursor.execute("DROP TABLE gen_lead")
        counts["spend"] = _spend_year(cursor, accounts, start, end, scale=leads / 100_000)
    # The report facts come from the events and touches just written, by the very backfill the
    # migration runs, so the benchmark measures the real path.
    counts["facts"] = lead_facts_backfill(first_id=first_id)
    # VACUUM sets the visibility map the report's index-only scan needs; it cannot run inside
    # a transaction (a test's), where ANALYZE alone keeps the plans right.
    verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in ("funnel_lead", "funnel_touchpoint", "funnel_leadevent", "funnel_order"):
            cursor.execute(f"{verb} {table}")
    return counts


def _spend_year(
    cursor: Any, accounts: dict[str, str], start: dt.date, end: dt.date, *, scale: float
) -> int:
    # Cost grows with the lead volume so ROI stays in a believable 1–2 range at any N.
    rows = 0
    for channel, account_name in accounts.items():
        cursor.execute(
            f"""
            INSERT INTO channels_spendrecord
                (channel, account_name, campaign_id, campaign_name, date, cost, impressions,
                 clicks, conversions, imported_at)
            SELECT %s, %s, %s || '-c' || c, %s || ' 计划 ' || c, d::date,
                round(((150 + random() * 1500) * %s)::numeric, 2), (20000 + random() * 80000)::int,
                (20000 + random() * 80000) * (0.01 + random() * .02), 0, now()
            FROM generate_series(0, {CAMPAIGNS_PER_CHANNEL - 1}) c,
                 generate_series(%s::date, %s::date, interval '1 day') d
            ON CONFLICT (channel, account_name, campaign_id, date) DO NOTHING
            """,  # noqa: S608 (integer constant only)
            [channel, account_name, channel, channel, scale, start, end],
        )
        rows += cursor.rowcount
    return rows


def events_top_up(*, target: int) -> int:
    """Add follow-up notes to generated leads until there are ``target`` events (a data set
    generated by an older, sparser version reaches the benchmark's size without a rebuild)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM funnel_leadevent")
        missing = target - int(cursor.fetchone()[0])
    if missing <= 0:
        return 0
    added = _insert_select(
        LeadEvent,
        {
            "lead_id": "l.id",
            "kind": "'note'",
            "note": ("%s", [encrypt_str("复诊前电话提醒")]),
            "created_at": "l.created_at + interval '3 days'",
        },
        "FROM (SELECT id, created_at FROM funnel_lead WHERE phone_hash LIKE %s "
        "ORDER BY id LIMIT %s) l",
        [MARK + "%", missing],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE funnel_leadevent")
    return added
