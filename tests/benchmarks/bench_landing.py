"""Landing benchmarks, under gunicorn on the bench database:
- cached landing page requests/s ÷ a bare Django view on the same server, same run (≥ 0.8);
- uncached landing render: median time and query count (in-process, cache purged each time);
- form POST latency p50/p99 (token fetch excluded), beside the bare view's latency.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.benchmarks.common import Figure, median, percentile

ROOT = Path(__file__).resolve().parents[2]
LANDING = "/lp/hair-loss/?utm_term=%E8%84%82%E6%BA%A2%E6%80%A7%E8%84%B1%E5%8F%91&bd_vid=bench"
BARE = "/__bench/bare/"
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, dict(resp.getheaders())


def _hammer(args: tuple[int, str, float]) -> int:
    port, path, seconds = args
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        status, _, _ = _get(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        done += 1
    return done


def _rps(port: int, path: str) -> float:
    with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
        started = time.perf_counter()
        counts = pool.map(_hammer, [(port, path, SECONDS)] * CLIENTS)
        return sum(counts) / (time.perf_counter() - started)


def _seed() -> None:
    import io

    from cms.seed import seed as cms_seed
    from funnel.seed import seed as funnel_seed
    from landing.seed import seed as landing_seed

    out = io.StringIO()
    cms_seed(stdout=out)
    funnel_seed(stdout=out)
    landing_seed(stdout=out)


def _uncached_render() -> tuple[float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from landing.services.cache import page_cache_purge

    client = Client(HTTP_HOST="127.0.0.1")
    times, queries = [], []
    for _ in range(40):
        page_cache_purge()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(LANDING)
            times.append(time.perf_counter() - started)
        assert response["X-Page-Cache"] == "MISS", response.status_code
        queries.append(len(ctx))
    return median(times) * 1000, int(median(queries))


def _post_latencies(port: int, n: int = 150) -> list[float]:
    from landing.selectors import consent_current

    version = consent_current().version
    prefix = random.randint(100, 999)  # noqa: S311 - distinct phones per run
    samples = []
    for i in range(n):
        status, body, headers = _get(port, "/lp/token/")
        token = json.loads(body)
        cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
        form = {
            "name": "压测用户",
            "phone": f"137{prefix}{i:05d}",
            "consent": "on",
            "consent_version": version,
            "idem": f"bench-{prefix}-{i}-{time.time_ns()}",
            "ticket": token["ticket"],
            "csrfmiddlewaretoken": token["csrf"],
            "utm_term": "脂溢性脱发",
            "bd_vid": f"bench{i}",
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request(
            "POST",
            "/lp/hair-loss/",
            body=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Referer": f"http://127.0.0.1:{port}/lp/hair-loss/",
            },
        )
        resp = conn.getresponse()
        resp.read()
        samples.append(time.perf_counter() - started)
        conn.close()
        if resp.status != 302:
            raise RuntimeError(f"form POST answered {resp.status}")
    return samples


def run() -> list[Figure]:
    _seed()
    render_ms, render_queries = _uncached_render()
    port = _free_port()
    env = {
        **os.environ,
        "LANDING_MIN_SUBMIT_SECONDS": "0",
        "LANDING_RATE_LIMIT_IP": "1000000",
        "LANDING_RATE_LIMIT_PHONE": "1000000",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "tests.benchmarks.landing_wsgi:application",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                if _get(port, BARE)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        # warm every worker's view of the cache (Redis: shared; locmem: per worker)
        for _ in range(WORKERS * 4):
            _get(port, LANDING)
        status, _, headers = _get(port, LANDING)
        assert headers.get("X-Page-Cache") == "HIT", headers
        bare_rps = _rps(port, BARE)
        cached_rps = _rps(port, LANDING)
        bare_lat = []
        for _ in range(200):
            started = time.perf_counter()
            _get(port, BARE)
            bare_lat.append(time.perf_counter() - started)
        posts = _post_latencies(port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    bare_p50 = percentile(bare_lat, 50) * 1000
    return [
        Figure(
            "landing cached page",
            cached_rps,
            "req/s",
            "bare Django view",
            bare_rps,
            target="ratio ≥ 0.8",
            note=f"gunicorn -w {WORKERS}, {CLIENTS} clients",
        ),
        Figure(
            "landing uncached render (median)",
            render_ms,
            "ms",
            note=f"{render_queries} queries per render",
        ),
        Figure("landing uncached render queries", render_queries, "queries"),
        Figure(
            "landing form POST p50",
            percentile(posts, 50) * 1000,
            "ms",
            "bare view GET p50",
            bare_p50,
            note="inbox + ingest + routing, 302",
        ),
        Figure(
            "landing form POST p99",
            percentile(posts, 99) * 1000,
            "ms",
            "bare view GET p50",
            bare_p50,
        ),
    ]
