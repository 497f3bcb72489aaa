"""`make bench`: run every tests/benchmarks/bench_*.py and print its figures.

Each module exposes ``run() -> list[Figure]``. A figure carries its own baseline measured in
the same run (a bare Django view, a plain bulk insert, pandas over all rows …), so what we
compare is a ratio on this machine today, never an absolute timer threshold.

Usage: python -m tests.benchmarks [name ...]   (name = the part after ``bench_``)
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent.parent / "bench-results"


def ensure_database(url: str) -> None:
    """Create the benchmark database on first use (PostgreSQL only)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Measure what production runs: no per-query debug logging, no debug templates.
    os.environ.setdefault("DEBUG", "false")
    # DEBUG off refuses the dev throwaway keys (config.keys): the bench database gets fixed
    # keys of its own (bench data only; never use them anywhere else).
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuv")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
    os.environ.setdefault("PHONE_HASH_KEY", "bench-only-phone-hash-key-0123456789-abc")
    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from tests.benchmarks.common import Figure, render

    wanted = set(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    figures: list[Figure] = []
    for name in names:
        short = name.removeprefix("bench_")
        if wanted and short not in wanted:
            continue
        print(f"== {short}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"tests.benchmarks.{name}")
        got = module.run()
        for figure in got:
            print("   " + figure.line(), flush=True)
        figures.extend(got)
        print(f"   ({time.perf_counter() - started:.1f}s)", flush=True)
    print()
    print(render(figures))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps([f.as_dict() for f in figures], ensure_ascii=False, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
