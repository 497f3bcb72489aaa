"""Funnel ingest and routing throughput on PostgreSQL.

- ingest: 10,000 payloads (30% repeat phones) stored by intake a page at a time, as a pull
  does, then processed by one worker a page per batch (`intake_process` → `leads_ingest`:
  normalize, hash, identify, touchpoint, score, route); baseline: a plain bulk insert of the
  same rows (Lead + Touchpoint) measured in the same run. Receive + ingest in one process is
  reported too.
- routing: 8 worker processes assign 2,000 leads in one weighted pool, in batches; baseline:
  one process.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time

from django.db import connections, transaction

from tests.benchmarks.common import Figure

# The size is 10,000; BENCH_FUNNEL_PAYLOADS shrinks it for a quick look.
N_PAYLOADS = int(os.environ.get("BENCH_FUNNEL_PAYLOADS", "10000"))
REPEAT_SHARE = 0.30
ROUTE_LEADS = int(os.environ.get("BENCH_FUNNEL_ROUTE_LEADS", "2000"))
WORKERS = 8
# Records per ingest batch: one pulled page (Douyin and Baidu pages hold up to 100).
PAGE = int(os.environ.get("BENCH_FUNNEL_PAGE", "100"))


def _reset() -> None:
    """Empty the funnel tables. TRUNCATE, not DELETE: dead rows from earlier runs would slow
    whichever measurement comes later and skew the ratio."""
    from funnel.models import (
        AssistantDayLoad,
        FollowUp,
        InboundLead,
        Lead,
        LeadEvent,
        Order,
        Touchpoint,
    )

    tables = [
        m._meta.db_table
        for m in (FollowUp, LeadEvent, Order, Touchpoint, InboundLead, AssistantDayLoad, Lead)
    ]
    with connections["default"].cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # noqa: S608  our table names


def _setup_pool(tag: str):
    from funnel.models import Assistant, AssistantPool, PoolMember, RoutingRule, Specialty

    Specialty.objects.get_or_create(slug="hair-loss", defaults={"name": "脱发"})
    pool, _ = AssistantPool.objects.get_or_create(slug=f"bench-{tag}", defaults={"name": tag})
    if not pool.members.exists():
        for i, weight in enumerate([3, 2, 1]):
            assistant = Assistant.objects.create(name=f"bench-{tag}-{i}")
            PoolMember.objects.create(pool=pool, assistant=assistant, weight=weight)
    RoutingRule.objects.filter(name__startswith="bench").delete()
    RoutingRule.objects.create(name=f"bench {tag}", priority=0, pool=pool)
    return pool


def _payloads():
    from funnel.payload import Consent, LeadPayload

    rng = random.Random(7)  # noqa: S311  benchmark data
    distinct = int(N_PAYLOADS * (1 - REPEAT_SHARE))
    phones = [
        f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" for _ in range(distinct)
    ]
    out = []
    for i in range(N_PAYLOADS):
        phone = phones[i] if i < distinct else rng.choice(phones)
        out.append(
            LeadPayload(
                phone=phone,
                name="测试",
                channel="baidu",
                specialty="hair-loss",
                keyword="脱发怎么治疗",
                campaign_id=f"C{i % 20}",
                external_id=f"bench-{i}",
                consent=Consent(given=True, version="v1"),
                click_ids={"bd_vid": f"v{i}"},
            )
        )
    return out


def _receive(payloads) -> tuple[float, list[list[int]]]:
    """Store the payloads a page at a time, as a pull does (its own process in production:
    the pull stores, a worker processes). Returns (seconds, ids per page). Intake's storing
    step alone (`leads_intake` would also enqueue the processing, which runs inline here)."""
    from funnel.services.intake import IntakeSource, _store_page

    pages: list[list[int]] = []
    started = time.perf_counter()
    for at in range(0, len(payloads), PAGE):
        page = payloads[at : at + PAGE]
        received = _store_page(
            IntakeSource(channel="baidu"),
            [(p.external_id, {"phone": p.phone, "i": p.external_id}, p) for p in page],
        )
        pages.append([row.pk for row, changed in received if changed])
    return time.perf_counter() - started, pages


def _process(pages: list[list[int]]) -> float:
    """The ingest worker: each stored page as one batch (`intake_process_task`)."""
    from funnel.services.intake import intake_process

    started = time.perf_counter()
    for ids in pages:
        intake_process(inbound_ids=ids)
    return time.perf_counter() - started


def _bulk_baseline(payloads) -> float:
    from django.utils import timezone

    from funnel.crypto import phone_hash
    from funnel.models import Lead, Touchpoint
    from funnel.services.identity import phone_normalize

    started = time.perf_counter()
    seen: dict[str, Lead] = {}
    leads = []
    for payload in payloads:
        e164 = phone_normalize(payload.phone)
        if e164 not in seen:
            lead = Lead(phone_hash=phone_hash(e164), phone=e164, name=payload.name)
            seen[e164] = lead
            leads.append(lead)
    with transaction.atomic():
        Lead.objects.bulk_create(leads, batch_size=1000)
        now = timezone.now()
        Touchpoint.objects.bulk_create(
            [
                Touchpoint(
                    lead=seen[phone_normalize(p.phone)],
                    channel=p.channel,
                    keyword=p.keyword,
                    campaign_id=p.campaign_id,
                    occurred_at=now,
                )
                for p in payloads
            ],
            batch_size=1000,
        )
    return time.perf_counter() - started


def _route_worker(lead_ids: list[int]) -> None:
    from funnel.models import Lead
    from funnel.services.routing import RouteFacts, leads_route

    connections.close_all()
    for at in range(0, len(lead_ids), PAGE):
        with transaction.atomic():
            leads = list(Lead.objects.filter(pk__in=lead_ids[at : at + PAGE]).order_by("pk"))
            facts = RouteFacts(
                specialty_id=None, channel="baidu", city="", keyword="", age=None, score=0
            )
            leads_route(items=[(lead, facts) for lead in leads])
    connections.close_all()


def _route(workers: int) -> float:
    from funnel.models import Lead

    _reset()
    _setup_pool("route")
    leads = Lead.objects.bulk_create(
        [Lead(phone_hash=f"route-{i}", phone=f"+86139{i:08d}") for i in range(ROUTE_LEADS)]
    )
    ids = [lead.pk for lead in leads]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    started = time.perf_counter()
    procs = [ctx.Process(target=_route_worker, args=(ids[w::workers],)) for w in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - started
    assert Lead.objects.filter(assignee__isnull=True).count() == 0
    return elapsed


def run() -> list[Figure]:
    payloads = _payloads()
    _reset()
    baseline = _bulk_baseline(payloads)
    _reset()
    _setup_pool("ingest")
    received_s, pages = _receive(payloads)
    processed_s = _process(pages)
    from funnel.models import Lead

    leads = Lead.objects.count()
    routed = Lead.objects.exclude(assignee=None).count()
    one = _route(1)
    many = _route(WORKERS)
    _reset()
    note = f"{leads} distinct leads ({routed} routed) from {N_PAYLOADS} payloads, pages of {PAGE}"
    return [
        Figure(
            "ingest worker (inbox → lead → routed), 1 worker",
            N_PAYLOADS / processed_s,
            "payloads/s",
            "plain bulk insert of the same rows",
            N_PAYLOADS / baseline,
            target="≥ 1,000 leads/s",
            note=note,
        ),
        Figure(
            "inbox receive + ingest in one process",
            N_PAYLOADS / (received_s + processed_s),
            "payloads/s",
            "plain bulk insert of the same rows",
            N_PAYLOADS / baseline,
            note=f"receive alone {N_PAYLOADS / received_s:,.0f} payloads/s",
        ),
        Figure(
            f"routing, {WORKERS} workers, one pool",
            ROUTE_LEADS / many,
            "leads/s",
            "routing, 1 worker",
            ROUTE_LEADS / one,
            note=f"batches of {PAGE}; one pool serialises on its row locks (exact weights, caps)",
        ),
    ]
