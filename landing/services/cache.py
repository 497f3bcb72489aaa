"""The anonymous page cache for landing and package pages.

Entries are keyed on the path plus the matched keyword variant and the A/B arm; attribution
parameters (bd_vid, clickid, utm_* …) never reach the key because landing.js copies them into
the form in the browser. An alias maps (path, raw keyword) to the variant's entry so a cache
hit costs two cache reads and no database query. Purging bumps one generation number, which
invalidates every entry at once (publishing is rare; rendering is cheap).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

GEN_KEY = "lp:gen"


def _h(value: str) -> str:
    return hashlib.blake2s(value.encode(), digest_size=10).hexdigest()


def alias_key(path: str, keyword: str) -> str:
    return f"lp:a:{_h(path)}:{_h(keyword.strip().lower())}"


def entry_key(path: str, variant: str, arm: str) -> str:
    return f"lp:e:{_h(path)}:{variant}:{arm}"


@dataclass(frozen=True)
class Alias:
    gen: int
    variant: str
    test_id: int | None


def generation() -> int:
    return int(cache.get(GEN_KEY) or 0)


def alias_lookup(*, path: str, keyword: str) -> Alias | None:
    found = cache.get_many([alias_key(path, keyword), GEN_KEY])
    value = found.get(alias_key(path, keyword))
    if not value or value["gen"] != int(found.get(GEN_KEY) or 0):
        return None
    return Alias(gen=value["gen"], variant=value["variant"], test_id=value["test"])


def entry_lookup(*, path: str, alias: Alias, arm: str) -> str | None:
    value = cache.get(entry_key(path, alias.variant, arm))
    if not value or value["gen"] != alias.gen:
        return None
    return value["html"]


def page_cache_store(
    *, path: str, keyword: str, variant: str, test_id: int | None, arm: str, html: str, gen: int
) -> None:
    timeout = settings.LANDING_CACHE_SECONDS
    cache.set_many(
        {
            alias_key(path, keyword): {"gen": gen, "variant": variant, "test": test_id},
            entry_key(path, variant, arm): {"gen": gen, "html": html},
        },
        timeout=timeout,
    )


def page_cache_purge() -> int:
    """Invalidate every cached landing and package page (called on publish)."""
    cache.add(GEN_KEY, 0, timeout=None)
    try:
        return cache.incr(GEN_KEY)
    except ValueError:
        cache.set(GEN_KEY, 1, timeout=None)
        return 1


def page_cache_purge_receiver(sender, **kwargs) -> None:
    page_cache_purge()
