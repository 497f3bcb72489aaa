"""The Wagtail Site a request is for, read from one cached list of the sites.

Why not Wagtail's own lookup: `Site.find_for_request` builds and runs a CASE-ordered query on
every request, and routing then loads the root page's specific row: two queries and ~2-3 ms
of ORM work on each page view (profiled on the article render, `make bench ONLY=cms`), for
rows that change a few times a year. Wagtail caches the sites' root paths the same way
(`Site.get_site_root_paths`); this caches the rows themselves.

Shape: `sites()` → every Site with its root page as its specific class, from the default
cache (one key, `SITES_CACHE_KEY`, kept a minute); `site_for_host(hostname, port)` picks one
exactly as `wagtail.models.sites.get_site_for_hostname` ranks them (hostname and port, then
hostname on the default site, then the default, then a unique hostname).
`SiteMiddleware` hands the choice to Wagtail (`request._wagtail_site`, which
`Site.find_for_request` reads first). The key is deleted whenever a Site is saved or deleted
and whenever a site's root page is saved or deleted (`cms.signals`), in every process that
shares the cache, after at most `LOCAL_SECONDS` (each process's own copy). Processes that
share no cache (several web workers on the embedded default's per-process cache) see another
worker's change within `SITES_CACHE_SECONDS`; Wagtail keeps its own root paths an hour under
the same conditions. A cache that fails reads as a miss (the database answers).
"""

from __future__ import annotations

import logging
import pickle
import time
from typing import Any

from django.core.cache import cache
from django.http.request import split_domain_port

SITES_CACHE_KEY = "yinliu:cms:sites:v1"
SITES_CACHE_SECONDS = 60
# Each process also keeps the list it last read for this long: a Redis that is down or does
# not answer costs one timeout per process every few seconds, not one per request (issue 14,
# point 12: an outage of the cache takes no page down), and most requests skip the cache read.
LOCAL_SECONDS = 5.0

logger = logging.getLogger("yinliu.cms.sites")
_local: dict[str, Any] = {"until": 0.0, "blob": None}


def sites() -> list:
    from wagtail.models import Site

    now = time.monotonic()
    if _local["blob"] is not None and now < _local["until"]:
        # a fresh copy per request: views may set attributes on the root page they get; the
        # bytes are this process's own pickle of its database rows, never outside input
        return pickle.loads(_local["blob"])  # noqa: S301
    found = _cache_call(cache.get, SITES_CACHE_KEY)
    if found is None:
        found = list(Site.objects.select_related("root_page"))
        for site in found:
            # routing starts from the specific root page (HomePage.route): load it once here
            site.root_page = site.root_page.specific
        _cache_call(cache.set, SITES_CACHE_KEY, found, SITES_CACHE_SECONDS)
    _local["blob"], _local["until"] = pickle.dumps(found), now + LOCAL_SECONDS
    return found


def clear_sites_cache() -> None:
    _local["blob"], _local["until"] = None, 0.0
    _cache_call(cache.delete, SITES_CACHE_KEY)


def _cache_call(method, *args):
    """The shared cache, or None when it fails: the site list is read from the database then
    (a down cache backend that raises, like Django's own Redis one, never fails a page)."""
    try:
        return method(*args)
    except Exception:  # noqa: BLE001  any backend's failure reads as a miss
        logger.warning("site cache unavailable; reading the sites from the database", exc_info=True)
        return None


def site_for_host(hostname: str, port: int):
    """The Site for `hostname`:`port`, or None; the same choice as Wagtail's
    `get_site_for_hostname` (which raises Site.DoesNotExist where this returns None)."""
    every = sites()
    exact = [s for s in every if s.hostname == hostname and s.port == port]
    if exact:
        return exact[0]
    named = [s for s in every if s.hostname == hostname]
    default = [s for s in every if s.is_default_site]
    if default and default[0] in named:
        return default[0]  # the hostname on the default site, another port
    if len(named) == 1:
        return named[0]  # the only site of that hostname, whatever its port
    if default:
        return default[0]  # an unknown hostname, or several ports of it: the default
    return None  # several ports of the hostname and no default: Wagtail finds none either


class SiteMiddleware:
    """Sets the request's Site for Wagtail from the cached list (see the module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "_wagtail_site"):
            # Wagtail's own reading of the host: the raw host, ALLOWED_HOSTS checked elsewhere
            hostname = split_domain_port(request._get_raw_host())[0]
            try:
                port = int(request.get_port())
            except ValueError:
                port = -1  # no site listens there: only the hostname can match
            request._wagtail_site = site_for_host(hostname, port)
        return self.get_response(request)
