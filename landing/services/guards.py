"""Abuse guards for public forms: a signed, single-use ticket (minimum time to submit) and rate
limits counted on the real cache with atomic increments (Redis INCR in production)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from config.client_address import rate_limit_address
from config.errors import ApplicationError
from funnel.services.identity import phone_normalize
from landing import errors

TICKET_SALT = "landing.ticket"

logger = logging.getLogger("yinliu.landing")


def ticket_issue() -> str:
    """Handed out by the uncached token endpoint when the visitor starts filling the form."""
    return signing.dumps({"t": time.time(), "n": secrets.token_urlsafe(12)}, salt=TICKET_SALT)


def ticket_check(*, ticket: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    try:
        data = signing.loads(ticket, salt=TICKET_SALT, max_age=settings.LANDING_TICKET_MAX_AGE)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise ApplicationError(
            errors.TICKET_INVALID, errors.MESSAGES[errors.TICKET_INVALID], status=400
        ) from exc
    if now - float(data.get("t", now)) < settings.LANDING_MIN_SUBMIT_SECONDS:
        raise ApplicationError(errors.TOO_FAST, errors.MESSAGES[errors.TOO_FAST], status=400)


def ticket_use(*, ticket: str, idem: str) -> None:
    """Spend a (checked) ticket on one submission: the first submission that uses it binds it
    to its idempotency key with one atomic cache ADD (Redis SET NX; the local-memory cache
    locks), so a ticket carries one submission however many are sent with it. The same
    submission sent again (same key: a double click, a retry) is the inbox's replay, not a new
    submission, and passes. A cache outage fails open, like the rate limits."""
    key = f"lp:tk:{_digest(ticket)}"
    added = cache.add(key, idem, timeout=settings.LANDING_TICKET_MAX_AGE + 60)
    if added is None:  # django-redis answers None when Redis is unreachable (logged)
        logger.warning("form ticket not recorded: cache unavailable")
        return
    if not added and cache.get(key) != idem:
        raise ApplicationError(
            errors.TICKET_INVALID, errors.MESSAGES[errors.TICKET_INVALID], status=400
        )


def _digest(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:24]


def rate_limit_hit(*, scope: str, ident: str, limit: int, window: int) -> int:
    """Count one attempt in the current fixed window; raise once `limit` is exceeded."""
    bucket = int(time.time() // window)
    key = f"lp:rl:{scope}:{_digest(ident)}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=window + 5)
        count = 1
    if count is None:
        # The cache is unreachable (its backend answers None, logged): fail open. Refusing
        # every patient's form for an outage of our own would lose more than a burst of spam.
        logger.warning("rate limit %s not counted: cache unavailable", scope)
        return 0
    if count > limit:
        raise ApplicationError(
            errors.RATE_LIMITED,
            errors.MESSAGES[errors.RATE_LIMITED],
            status=429,
            extra={"scope": scope},
        )
    return count


def submit_limits_check(*, ip: str, phone: str) -> None:
    ip_limit, ip_window = settings.LANDING_RATE_LIMIT_IP
    phone_limit, phone_window = settings.LANDING_RATE_LIMIT_PHONE
    # an IPv6 visitor is counted per /64: the block one subscriber holds
    rate_limit_hit(scope="ip", ident=rate_limit_address(ip), limit=ip_limit, window=ip_window)
    # Counted per person, as identity decides who that is: every way of writing one number
    # (full-width digits, marks, spaces) is one bucket.
    try:
        ident = phone_normalize(phone)
    except ApplicationError:
        ident = "".join(ch for ch in phone if ch.isdigit())[-11:]
    rate_limit_hit(scope="phone", ident=ident, limit=phone_limit, window=phone_window)
