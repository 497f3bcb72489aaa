"""Report facts stored on the lead: how far it got and where it first came from.

The growth reports group a million leads by first-touch channel/campaign/content and count
how far each got along the funnel. Deriving that per report from ~5 M events and the first
touchpoints took 20 s; these columns hold the same answer, kept in step by the services that
change it:

- ``furthest_rank`` (0 new … 6 repurchased; exits do not lower it) is raised by
  ``funnel.services.stages._set_stage`` through ``furthest_rank_raise``;
- ``first_channel``, ``first_campaign_id``, ``first_content_page_id`` copy the touchpoint with
  ``is_first=True``; ingest and merge call ``lead_facts_refresh`` after writing touchpoints.

``lead_facts_refresh`` recomputes every fact from the events and touchpoints in one set-based
statement, so it is always safe to call again (idempotent), and ``lead_facts_backfill`` runs it
over id ranges (migration ``funnel.0006`` and the benchmark generator use it).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from funnel.models import STAGE_MAIN_PATH, Lead

STAGE_RANKS: dict[str, int] = {stage: rank for rank, stage in enumerate(STAGE_MAIN_PATH)}
# SQLite caps bound parameters per statement; ingest batches are far smaller anyway.
_IDS_PER_STATEMENT = 900


def stage_rank(stage: str) -> int:
    """Position on the main path; invalid and lost are exits and rank as 0."""
    return STAGE_RANKS.get(stage, 0)


def furthest_rank_raise(*, lead: Lead, to_stage: str) -> list[str]:
    """Raise ``lead.furthest_rank`` in memory for a stage change (the caller holds the row lock
    and saves); returns the field to add to ``update_fields`` when it changed."""
    rank = stage_rank(to_stage)
    if rank <= lead.furthest_rank:
        return []
    lead.furthest_rank = rank
    return ["furthest_rank"]


def _rank_case(column: str) -> str:
    whens = " ".join(f"WHEN '{stage}' THEN {rank}" for stage, rank in STAGE_RANKS.items() if rank)
    return f"CASE {column} {whens} ELSE 0 END"


def _refresh_sql(lead_filter: str, event_filter: str) -> str:
    # One UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33): events are aggregated by hash, not per
    # lead, which is what makes the million-lead backfill take seconds instead of minutes.
    return f"""
        UPDATE funnel_lead SET
            furthest_rank = f.furthest_rank,
            first_channel = f.first_channel,
            first_campaign_id = f.first_campaign_id,
            first_content_page_id = f.first_content_page_id
        FROM (
            SELECT l.id AS lead_id,
                COALESCE(ev.rank, 0) AS furthest_rank,
                COALESCE(t.channel, '') AS first_channel,
                COALESCE(t.campaign_id, '') AS first_campaign_id,
                t.content_page_id AS first_content_page_id
            FROM funnel_lead l
            LEFT JOIN (
                SELECT e.lead_id, MAX({_rank_case("e.to_stage")}) AS rank
                FROM funnel_leadevent e
                WHERE e.kind = 'stage' AND {event_filter}
                GROUP BY e.lead_id
            ) ev ON ev.lead_id = l.id
            LEFT JOIN funnel_touchpoint t ON t.lead_id = l.id AND t.is_first
            WHERE {lead_filter}
        ) f
        WHERE funnel_lead.id = f.lead_id
    """  # noqa: S608 (constant fragments; values are bound parameters)


def lead_facts_refresh(*, lead_ids: Iterable[int]) -> int:
    """Recompute the stored facts of these leads from their events and first touchpoint.

    Call it after writing touchpoints (ingest, merge) or raw events; returns the rows updated.
    """
    ids = sorted({int(i) for i in lead_ids})
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _IDS_PER_STATEMENT):
            chunk = ids[start : start + _IDS_PER_STATEMENT]
            marks = ", ".join(["%s"] * len(chunk))
            sql = _refresh_sql(f"l.id IN ({marks})", f"e.lead_id IN ({marks})")
            cursor.execute(sql, [*chunk, *chunk])
            updated += cursor.rowcount
    return updated


def lead_facts_backfill(*, first_id: int | None = None, batch: int = 100_000) -> int:
    """Refresh every lead with ``id >= first_id`` (all when None), ``batch`` ids per committed
    statement so a big table is never rewritten in one transaction. Idempotent."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM funnel_lead")
        low, high = cursor.fetchone()
    if low is None:
        return 0
    low = max(low, first_id or low)
    sql = _refresh_sql("l.id BETWEEN %s AND %s", "e.lead_id BETWEEN %s AND %s")
    updated = 0
    for start in range(low, high + 1, batch):
        end = min(start + batch - 1, high)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [start, end, start, end])  # events' range, then leads'
            updated += cursor.rowcount
    return updated
