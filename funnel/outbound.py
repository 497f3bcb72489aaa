"""Outbound HTTP calls: what a failure may say about itself, how long a request may wait.

requests puts the whole URL of a failed call in the exception's text, query string included,
and the services we call take secrets there: WeCom's `gettoken?corpsecret=…` and every call's
`access_token=…`, Baidu's link push `token=…`, the WeCom group robot's `webhook/send?key=…`.
That text reaches logs, `last_error` columns shown in the admin and alerts, so none of it is
ever used: only the exception's kind and the host.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def request_error_text(exc: BaseException) -> str:
    """`"ConnectTimeout (qyapi.weixin.qq.com)"`: the kind of failure and the host it was
    calling, without the URL's path, query or the exception's own message."""
    request = getattr(exc, "request", None)
    url = str(getattr(request, "url", "") or "")
    host = urlsplit(url).hostname or ""
    return f"{type(exc).__name__} ({host})" if host else type(exc).__name__


# ---- the time a web request may spend calling out ------------------------------------------
#
# Without a broker (the embedded default: no REDIS_URL, Celery runs tasks eagerly) the work a
# request enqueues runs inside it: the WeCom welcome after a callback, postbacks after a stage
# change, robot notices after a new lead. WeCom answers a callback that takes more than 5 s with
# retries (WECOM_FACTS.md, "Callback events"), and a patient waits on the thank-you page. So a
# request carries a budget (`config.middleware.OutboundBudgetMiddleware`,
# settings.OUTBOUND_REQUEST_BUDGET_SECONDS): every outbound call in it gets at most what is left,
# and a call with less than MIN_CALL_SECONDS left is not made. Such a failure is an ordinary
# transient one (code `deadline`): the outbox, the sweeps and the welcome record take it as they
# take a timeout. Workers, beat and management commands have no budget.

_deadline: ContextVar[float | None] = ContextVar("outbound_deadline", default=None)
MIN_CALL_SECONDS = 0.2
DEADLINE = "deadline"


DEADLINE_IN_FLIGHT = "deadline_in_flight"


class BudgetSpent(Exception):
    """The request's outbound budget is spent: the call is not made."""

    code = DEADLINE


class BudgetCut(BudgetSpent):
    """The call was made and the budget ran out before its answer: the platform may have
    acted on it (result unknown). The call goes on in the background and its answer is
    dropped."""

    code = DEADLINE_IN_FLIGHT


@contextmanager
def outbound_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, outbound calls together take at most `seconds` (wall clock, from
    now); a tighter budget already in force is kept. None or ≤ 0: no budget."""
    if not seconds or seconds <= 0:
        yield
        return
    ends = time.monotonic() + float(seconds)
    outer = _deadline.get()
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def budget_active() -> bool:
    return _deadline.get() is not None


def call_timeout(timeout: float | tuple[float, float]) -> float | tuple[float, float]:
    """`timeout` (seconds, or requests' (connect, read) pair) cut to the budget left.
    Raises BudgetSpent when less than MIN_CALL_SECONDS is left."""
    ends = _deadline.get()
    if ends is None:
        return timeout
    left = ends - time.monotonic()
    if left < MIN_CALL_SECONDS:
        raise BudgetSpent(f"outbound budget spent ({left:.2f} s left)")
    if isinstance(timeout, tuple):
        return (min(timeout[0], left), min(timeout[1], left))
    return min(timeout, left)


def within_budget(call: Callable[[Any], T], timeout: float | tuple[float, float]) -> T:
    """`call(timeout)` (one outbound HTTP call that reads its whole answer), held to the
    request's budget as a whole: requests' timeouts bound each socket read, so a platform
    trickling its answer a byte at a time never trips them. Inside a budget the call runs in
    a helper thread that the request waits for no longer than the budget left; past it,
    BudgetCut. Before it, BudgetSpent when nothing is left. Outside a budget, a plain call."""
    ends = _deadline.get()
    if ends is None:
        return call(timeout)
    clipped = call_timeout(timeout)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call(clipped)
        except BaseException as exc:  # noqa: BLE001  handed to the waiting request
            box["error"] = exc

    worker = threading.Thread(target=run, name="outbound-call", daemon=True)
    worker.start()
    worker.join(max(0.0, ends - time.monotonic()))
    if worker.is_alive():
        raise BudgetCut("outbound budget ran out while waiting for the answer")
    if "error" in box:
        raise box["error"]
    return box["value"]
