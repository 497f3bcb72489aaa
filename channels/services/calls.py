"""One platform API call with the retry and token-refresh policy every pull shares.

Facts: shared/channels/API_FACTS.md, "General rules for every connector": rate limit → back off
and retry; token expired → refresh once, store the new pair, retry; anything else → an error
the caller records on the account. Lead pulls (`services/pull.py`) and spend pulls
(`services/spend.py`) both go through `platform_call`, so they fail the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from channels.account_settings import knob
from channels.errors import RateLimited, TokenExpired, Transient
from channels.models import ChannelAccount
from channels.services.accounts import account_tokens_refresh

T = TypeVar("T")


class CallStats(Protocol):
    """Counters a caller may want kept (PullStats has them)."""

    refreshed: int
    retries: int


def platform_call(
    account: ChannelAccount,
    client: Any,
    fn: Callable[[], T],
    stats: CallStats | None = None,
    retries: int | None = None,
) -> T:
    """Return `fn()` (a call on `client`), retrying as the platform rules say; raise otherwise.

    - `TokenExpired`: refresh the pair once (`account_tokens_refresh`: stored under the row
      lock, `account` and `client` get the new tokens) and call again. A second expiry in the
      same call raises `TokenExpired`; a refresh that fails raises its `PlatformError` (the
      stored pair is left as it was).
    - `RateLimited` / `Transient` (429, 5xx, network): sleep `backoff_seconds * 2**n` and call
      again, at most `max_retries` times (account settings, default 3 and 2.0 s), then raise
      the last error.
    - Any other `PlatformError` raises at once.
    The caller decides how to record a failure; `stats` (if given) counts refreshes and retries.
    `retries` overrides `max_retries` (postbacks pass 0: the outbox owns their back-off).
    """
    retries = knob(account, "max_retries", 3) if retries is None else retries
    backoff = knob(account, "backoff_seconds", 2.0)
    refreshed = False
    attempt = 0
    while True:
        try:
            return fn()
        except TokenExpired:
            if refreshed:
                raise
            account_tokens_refresh(account=account, client=client)
            refreshed = True
            if stats is not None:
                stats.refreshed += 1
        except (RateLimited, Transient):
            if attempt >= retries:
                raise
            if stats is not None:
                stats.retries += 1
            time.sleep(backoff * (2**attempt))
            attempt += 1
