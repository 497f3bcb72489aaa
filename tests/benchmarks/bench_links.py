"""Link-reading benchmark (issue 17): `check_page` (fields and served page) of a 科普 draft
with few links and of one with many distinct links (own articles, paths no page serves,
other sites), on the seeded bench database. Figures: the per-link cost on the long page as a
ratio to the per-link cost on the short one, measured interleaved in the same run (≈ 1 or
below when reading a link costs the same whatever the page holds; the check's fixed cost —
rendering, the text rules — makes it fall below 1), and the SQL queries of each check
(the long page's as a ratio to the short one's: ≈ 1 when the links are routed together), and
the check of a page of 3,000 links, over the bound (refused without reading a link), as a
ratio to the short page's.
The drafts are made in a transaction that is rolled back."""

from __future__ import annotations

import os

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.benchmarks.common import Figure, median, timed

FEW = int(os.environ.get("BENCH_LINKS_FEW", "10"))
MANY = int(os.environ.get("BENCH_LINKS_MANY", "300"))
OVER = int(os.environ.get("BENCH_LINKS_OVER", "3000"))
RUNS = int(os.environ.get("BENCH_LINKS_RUNS", "3"))


class _Rollback(Exception):
    """Leaves the benchmark's drafts out of the database."""


def _hrefs(count: int, own: list[str]) -> list[str]:
    """`count` distinct links: a third own articles (with a query to keep them distinct),
    a third paths no page serves, a third other sites' pages."""
    hrefs = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            hrefs.append(f"{own[i % len(own)]}?ref={i}")
        elif kind == 1:
            hrefs.append(f"/archive/{i}/")
        else:
            hrefs.append(f"https://www.who.int/health-topics/{i}")
    return hrefs


def _draft(parent, slug: str, hrefs: list[str]):
    from cms.models import ArticlePage

    anchors = "、".join(f'<a href="{href}">参考{i}</a>' for i, href in enumerate(hrefs))
    body = [{"type": "paragraph", "value": f"<p>延伸阅读：{anchors}</p>"}]
    page = ArticlePage(title=f"睡眠卫生{slug}", slug=slug, layer="science", body=body, live=False)
    parent.add_child(instance=page)
    return page


def run() -> list[Figure]:
    from cms.compliance import check_page
    from cms.models import ArticlePage, SpecialtyPage
    from tests.benchmarks.bench_cms import _seed

    _seed()
    own = [page.url_path.split("/", 2)[2] for page in ArticlePage.objects.live()[:40]]
    own = ["/" + path for path in own]
    figures: list[Figure] = []
    try:
        with transaction.atomic():
            hub = SpecialtyPage.objects.first()
            few = _draft(hub, "bench-links-few", _hrefs(FEW, own))
            many = _draft(hub, "bench-links-many", _hrefs(MANY, own))
            check_page(few)  # warm-up: rules, templates, the site list
            short, long = [], []
            for _ in range(RUNS):  # interleaved: drift on a shared machine hits both alike
                short.append(timed(lambda: check_page(few)))
                long.append(timed(lambda: check_page(many)))
            with CaptureQueriesContext(connection) as few_queries:
                check_page(few)
            with CaptureQueriesContext(connection) as many_queries:
                check_page(many)
            # a page over the bound (a pasted bibliography): its check reads no link
            over = _draft(hub, "bench-links-over", _hrefs(OVER, own))
            refused = [timed(lambda: check_page(over)) for _ in range(RUNS)]
            per_short = median(short) / FEW * 1000
            per_long = median(long) / MANY * 1000
            figures = [
                Figure(
                    name=f"check_page per link, {MANY} distinct links (median)",
                    value=per_long,
                    unit="ms/link",
                    baseline_name=f"per link with {FEW} links",
                    baseline_value=per_short,
                    target="≤ 1 (a link costs no more on a long page)",
                    note=f"{MANY} links {median(long):.2f} s, {FEW} links {median(short):.2f} s",
                ),
                Figure(
                    name=f"check_page, {OVER} distinct links (over the bound, median)",
                    value=median(refused) * 1000,
                    unit="ms",
                    baseline_name=f"with {FEW} links",
                    baseline_value=median(short) * 1000,
                    # what is left is parsing the markup and the text rules over its words
                    # (linear in the text), not the links: ~25 ms a link before the bound
                    note="no link read: markup parsed and text rules only",
                ),
                Figure(
                    name=f"check_page SQL queries, {MANY} distinct links",
                    value=len(many_queries),
                    unit="queries",
                    baseline_name=f"with {FEW} links",
                    baseline_value=len(few_queries),
                    target="≈ 1 (links routed together)",
                ),
            ]
            raise _Rollback
    except _Rollback:
        pass
    return figures
