"""Render every live page of the current database and write the HTML to a directory, so a
change meant to speed pages up can be shown to leave their output identical (issue 17).

Usage (on the bench database, which `python -m tests.benchmarks cms` seeds):

    DATABASE_URL=postgres://…/yl_bench17 PYTHONPATH=$PWD \
        .venv/bin/python scripts/render_pages.py OUT_DIR [--profile URL]

Writes OUT_DIR/<page id>-<slug>.html (plus ?layer= and ?p=2 variants of each hub) and
prints "<url> <queries>" per page. Compare two runs with `diff -r BEFORE AFTER`.
`--profile URL` instead prints a cProfile of 200 renders of URL (after 10 warm-ups).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def setup() -> None:
    # The same settings as tests/benchmarks/__main__.py (production-like, no debug).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuv")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
    os.environ.setdefault("PHONE_HASH_KEY", "bench-only-phone-hash-key-0123456789-abc")
    import django

    django.setup()


def dump(out: Path) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import Page

    from cms.models import SpecialtyPage

    out.mkdir(parents=True, exist_ok=True)
    client = Client(HTTP_HOST="127.0.0.1")
    urls: list[tuple[str, str]] = []
    for page in Page.objects.live().public().filter(depth__gt=1).order_by("path"):
        url = page.get_url()
        name = f"{page.pk}-{page.slug}"
        urls.append((name, url))
        if page.specific_class is SpecialtyPage:
            urls += [(f"{name}-layer", f"{url}?layer=science"), (f"{name}-p2", f"{url}?p=2")]
    urls += [("search", "/search/?q=脱发")]
    failed = 0
    for name, url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            print(f"{url} answered {response.status_code}", file=sys.stderr)
            failed += 1
            continue
        (out / f"{name}.html").write_bytes(response.content)
        print(f"{url} {len(queries)}")
    return 1 if failed else 0


def profile(url: str) -> int:
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(10):
        client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    setup()
    if sys.argv[1] == "--profile":
        sys.exit(profile(sys.argv[2]))
    sys.exit(dump(Path(sys.argv[1])))
