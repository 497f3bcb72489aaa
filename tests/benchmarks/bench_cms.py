"""Content benchmark, in-process through Django's test client on the bench database:
an ArticlePage render (median of N, seeded content) as a ratio to a bare Django view
rendering a trivial template, measured interleaved in the same run; plus the article's SQL
query count (the test suite asserts ≤ 15); plus the compliance checker on one long line of
findings (round 8, L7): its time as a ratio to normalising the same line (linear work, same
run), and its time on a line four times longer as a ratio to the shorter one (≈ 4 when the
checker is near-linear; it was ≈ 16 before round 8); and the same ratio on one long run of
numerals (round 9, L7 sibling: 「1」×N was quadratic, 141 s for 20,000)."""

from __future__ import annotations

import logging
import os
import time

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from tests.benchmarks.common import Figure, median, timed

ARTICLE = "/hair-loss/hair-loss-science-1/"
BARE = "/__bench/template/"
RENDERS = int(os.environ.get("BENCH_CMS_RENDERS", "200"))
# one line of 「保证治愈」 repeated: every four characters a finding (characters per line)
CHECK_CHARS = int(os.environ.get("BENCH_CMS_CHECK_CHARS", "64000"))
CHECK_RUNS = int(os.environ.get("BENCH_CMS_CHECK_RUNS", "5"))

TRIVIAL = engines["django"].from_string(
    "<!DOCTYPE html><html lang=zh-CN><head><title>{{ title }}</title></head>"
    "<body><p>{{ title }}</p></body></html>"
)


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TRIVIAL.render({"title": "引流健康"}, request))


# ROOT_URLCONF for the run: the bare view beside the real site.
urlpatterns = [path(BARE.strip("/") + "/", bare), path("", include("config.urls"))]


def _seed() -> None:
    import io

    from cms.seed import seed as cms_seed
    from funnel import seed as funnel_seed

    # the seed publishes ~50 pages; without a token each logs a "push skipped" line
    quiet = logging.getLogger("yinliu.cms.baidu_push")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        funnel_seed._packages(funnel_seed._specialties())
        cms_seed(stdout=io.StringIO())
    finally:
        quiet.setLevel(level)


def _timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def _check_figures() -> list[Figure]:
    from cms.compliance.checker import check_report
    from cms.textnorm import normalize_map

    def line(chars: int) -> str:
        return "保证治愈" * (chars // 4)

    def fold(text: str) -> float:
        return timed(lambda: normalize_map(text))

    def check(text: str) -> float:
        return timed(lambda: check_report(text, second_reader=False))

    short, long = line(CHECK_CHARS // 4), line(CHECK_CHARS)
    check(short)  # warm-up: rules compiled, OpenCC loaded
    checked, folded, checked_short = [], [], []
    for _ in range(CHECK_RUNS):  # interleaved, as above
        checked.append(check(long))
        folded.append(fold(long))
        checked_short.append(check(short))
    digits_short, digits_long = "1" * (CHECK_CHARS // 16), "1" * (CHECK_CHARS // 4)
    check(digits_short)
    digits, digits_shorter = [], []
    for _ in range(CHECK_RUNS):
        digits.append(check(digits_long))
        digits_shorter.append(check(digits_short))
    return [
        Figure(
            name="compliance check, one long line (median)",
            value=median(checked) * 1000,
            unit="ms",
            baseline_name="normalising the same line",
            baseline_value=median(folded) * 1000,
            note=f"{CHECK_CHARS} characters of 保证治愈, {CHECK_CHARS // 4} findings",
        ),
        Figure(
            name="compliance check, line 4× longer (median)",
            value=median(checked) * 1000,
            unit="ms",
            baseline_name=f"the same check on {CHECK_CHARS // 4} characters",
            baseline_value=median(checked_short) * 1000,
            target="≈ 4 (near-linear)",
        ),
        Figure(
            name="compliance check, run of numerals 4× longer (median)",
            value=median(digits) * 1000,
            unit="ms",
            baseline_name=f"the same check on {CHECK_CHARS // 16} characters of 「1」",
            baseline_value=median(digits_shorter) * 1000,
            target="≈ 4 (near-linear; ≈ 16 before round 9)",
        ),
    ]


def run() -> list[Figure]:
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    _seed()
    with override_settings(ROOT_URLCONF=__name__):
        client = Client(HTTP_HOST="127.0.0.1")
        for _ in range(10):  # warm-up: template loading, Site and content-type caches
            _timed_get(client, ARTICLE)
            _timed_get(client, BARE)
        article, baseline = [], []
        for _ in range(RENDERS):  # interleaved, so drift on a shared machine hits both alike
            article.append(_timed_get(client, ARTICLE))
            baseline.append(_timed_get(client, BARE))
        with CaptureQueriesContext(connection) as queries:
            _timed_get(client, ARTICLE)

    return [
        Figure(
            name="article render (median)",
            value=median(article) * 1000,
            unit="ms",
            baseline_name="bare template view",
            baseline_value=median(baseline) * 1000,
            note=f"{RENDERS} renders each, {ARTICLE}",
        ),
        Figure(
            name="article render SQL queries",
            value=len(queries),
            unit="queries",
            target="≤ 15",
        ),
        *_check_figures(),
    ]
