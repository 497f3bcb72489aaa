"""The anonymous page cache for landing and package pages.

Entries are keyed on the path plus the matched keyword variant and the A/B arm; attribution
parameters (bd_vid, clickid, utm_* …) never reach the key because landing.js copies them into
the form in the browser. An alias maps (path, raw keyword) to the variant's entry.

Purging replaces one generation token (a random value, so a cleared cache never brings old
entries back), which invalidates every entry at once: publishing is rare, rendering is cheap.
Each process keeps a small local copy of entries in front of the shared cache and re-reads
the generation at most every LANDING_CACHE_LOCAL_SECONDS, so a hit usually costs no network
round trip; other processes see a purge within that many seconds (this one at once).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

GEN_KEY = "lp:gen"
LOCAL_MAX = 512
_local: dict[str, object] = {}
_gen_seen: list = ["", 0.0]  # [token, monotonic time read]


def _h(value: str) -> str:
    return hashlib.blake2s(value.encode(), digest_size=10).hexdigest()


def alias_key(path: str, keyword: str) -> str:
    return f"lp:a:{_h(path)}:{_h(keyword.strip().lower())}"


def entry_key(path: str, variant: str, arm: str) -> str:
    return f"lp:e:{_h(path)}:{variant}:{arm}"


@dataclass(frozen=True)
class Alias:
    gen: str
    variant: str
    test_id: int | None


def generation() -> str:
    """The current generation token, from the shared cache (created on first use)."""
    token = cache.get(GEN_KEY)
    if token is None:
        cache.add(GEN_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(GEN_KEY) or ""
    _gen_seen[0], _gen_seen[1] = token, time.monotonic()
    return token


def _generation_local() -> str:
    ttl = settings.LANDING_CACHE_LOCAL_SECONDS
    if ttl > 0 and _gen_seen[0] and time.monotonic() - _gen_seen[1] < ttl:
        return _gen_seen[0]
    return generation()


def _fresh(value: object | None, gen: str) -> bool:
    # "until" (epoch seconds) bounds an entry by the deadlines it shows: the local copy has
    # no timeout of its own, and a promo must not outlive its deadline on a cached page.
    return value is not None and value["gen"] == gen and value.get("until", 0) > time.time()


def _get(key: str, gen: str) -> object | None:
    use_local = settings.LANDING_CACHE_LOCAL_SECONDS > 0
    value = _local.get(key) if use_local else None
    if not _fresh(value, gen):
        value = cache.get(key)
        if not _fresh(value, gen):
            return None
        if use_local:
            if len(_local) >= LOCAL_MAX:
                _local.clear()
            _local[key] = value
    return value


def alias_lookup(*, path: str, keyword: str) -> Alias | None:
    gen = _generation_local()
    value = _get(alias_key(path, keyword), gen)
    if value is None:
        return None
    return Alias(gen=gen, variant=value["variant"], test_id=value["test"])


def entry_lookup(*, path: str, alias: Alias, arm: str) -> str | None:
    value = _get(entry_key(path, alias.variant, arm), alias.gen)
    return None if value is None else value["html"]


def cache_seconds(
    *, deadlines: Iterable[dt.datetime | None], now: dt.datetime | None = None
) -> int:
    """How long a page may be cached: ``LANDING_CACHE_SECONDS``, cut at the first deadline
    still ahead among those it shows (at that instant its promo price, strike-through and
    countdown change). 0: do not cache."""
    now = now or timezone.now()
    seconds = float(settings.LANDING_CACHE_SECONDS)
    for deadline in deadlines:
        if deadline is not None and deadline > now:
            seconds = min(seconds, (deadline - now).total_seconds())
    return max(int(seconds), 0)


def page_cache_store(
    *,
    path: str,
    keyword: str,
    variant: str,
    test_id: int | None,
    arm: str,
    html: str,
    gen: str,
    timeout: int | None = None,
) -> None:
    """Store a rendered page; ``timeout`` (seconds, from ``cache_seconds``) defaults to
    ``LANDING_CACHE_SECONDS``."""
    timeout = settings.LANDING_CACHE_SECONDS if timeout is None else timeout
    if timeout <= 0:
        return
    until = time.time() + timeout
    cache.set_many(
        {
            alias_key(path, keyword): {
                "gen": gen,
                "variant": variant,
                "test": test_id,
                "until": until,
            },
            entry_key(path, variant, arm): {"gen": gen, "html": html, "until": until},
        },
        timeout=timeout,
    )


def page_cache_purge() -> str:
    """Invalidate every cached landing and package page (called on publish)."""
    token = uuid.uuid4().hex
    cache.set(GEN_KEY, token, timeout=None)
    _local.clear()
    _gen_seen[0], _gen_seen[1] = token, time.monotonic()
    return token


def page_cache_purge_receiver(sender, **kwargs) -> None:
    page_cache_purge()


def page_cache_purge_on_commit(sender, **kwargs) -> None:
    """A service package changed (price, stock, deadline, on sale): every landing and package
    page may show it, so all are purged — after the commit, so a page rendered meanwhile
    from the old row cannot be stored under the new generation."""
    transaction.on_commit(page_cache_purge)


# The rows whose change may change a cached landing page: the page's own (its specific row and
# Wagtail's base row, which holds `expire_at`) and a doctor's it shows (round 35, second tester
# F5.1), by label so a data migration's historical model counts too.
_PAGE_ROWS = frozenset({"landing.landingpage", "wagtailcore.page", "cms.doctorpage"})


def landing_page_saved(sender, **kwargs) -> None:
    """A landing page's row saved or deleted outside a publish (`post_save`/`post_delete` of
    any model; only the page rows act): purge after the commit, as `page_cache_purge_on_commit`.
    A base `Page` row of another page type purges too (one label check cannot tell; saving a
    page is rare). A queryset `update()` sends no signal: call `page_cache_purge` after one."""
    if sender._meta.label_lower in _PAGE_ROWS:
        transaction.on_commit(page_cache_purge)
