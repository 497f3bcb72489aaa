"""pytest: the same database and cache wiring as dev (DATABASE_URL / REDIS_URL decide).

`make test` runs the suite in parallel processes (pytest-xdist). pytest-django gives each
process its own test database (`test_<name>_gw0`, `_gw1`, …); Redis has no such thing, and every
test starts by emptying the cache (FLUSHDB), so each process here takes its own Redis database
number: the URL's own number plus one plus the worker's index. One process alone (no xdist)
keeps the URL as given.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def worker_redis_url(url: str, worker: str) -> str:
    """`redis://host:6379/0` for worker `gw1` -> `redis://host:6379/2`. Redis has 16 databases
    by default (redis.conf `databases`); more workers than that share by wrapping around."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = (base + 1 + int(worker[2:])) % 16
    return urlunsplit(parts._replace(path=f"/{number}"))


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(
        os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

from .dev import *  # noqa: E402, F403

# Each test process keeps its own cache (dev's file cache would be one directory for every
# parallel test process, and each test empties it); Redis when REDIS_URL is set.
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WAGTAILADMIN_BASE_URL = "http://testserver"
