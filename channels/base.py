"""What every connector shares: the HTTP session, envelope checks, lenient parsing helpers."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from channels import errors
from channels.errors import PlatformError, RateLimited, Transient
from funnel.outbound import BudgetSpent, budget_active, request_error_text, within_budget

BEIJING = ZoneInfo("Asia/Shanghai")
TIMEOUT = (5, 30)
logger = logging.getLogger("yinliu.channels")


# Guard against a server that never says it is done (API_FACTS, "Page sizes are the
# server's"): a pull or report stops after this many pages (per-account `max_pages`).
MAX_PAGES = 1000


@dataclass
class ServerPaging:
    """What one answer says about the whole list, in the server's own fields (API_FACTS, "Page
    sizes are the server's"); 0 / None where the server did not say.

    `total`: rows in the list (Douyin `total_number`, Baidu `totalNum`, the reports'
    `totalRowCount` / `total_count`); `total_pages`: the server's page count (Douyin
    `total_page`); `page`: the page the server says it answered (Douyin `page_info.page`);
    `has_more`: an explicit "more follow" flag."""

    total: int = 0
    total_pages: int = 0
    page: int = 0
    has_more: bool | None = None


@dataclass
class LeadPage:
    """One page of raw lead records as the platform sent them, with what the server said about
    the list (`server`). Whether another page follows is decided by the caller from the rows
    received so far (`PageCount`, `more_pages`), never from this page's size alone."""

    records: list[dict[str, Any]]
    page: int
    server: ServerPaging = field(default_factory=ServerPaging)


@dataclass
class PageCount:
    """What the pages of one list have returned so far: the only measure of how far a list
    has been read (API_FACTS, "Page sizes are the server's").

    `rows`: distinct rows received so far. A server may send a row again on the next page
    (newest-first lists repeat a page's last row on the next one): a repeat is counted once,
    else the count reaches the server's total a row early and the list's last row is never
    asked for. `first_page_rows`: rows (as sent, repeats included) on the list's first page,
    the server's own page size (it may cap what we ask, and what it reports in a `page_size`
    field is not always its own); 0 before the first page. `seen`: keys of the rows counted
    (a lead's platform id, a spend row's campaign and day); `last_keys`: the previous page's,
    which is what a lead pull keeps between runs (a resumed pull recognises the usual repeat,
    a row of the page before; a row repeated from further back, after a resume, counts twice).
    """

    rows: int = 0
    first_page_rows: int = 0
    seen: set[str] = field(default_factory=set)
    last_keys: list[str] = field(default_factory=list)

    @classmethod
    def resumed(cls, *, rows: int, first_page_rows: int, last_keys: list[str]) -> PageCount:
        """The count of a list read in an earlier run, as its checkpoint kept it."""
        keys = [str(k) for k in last_keys or []]
        return cls(rows=rows, first_page_rows=first_page_rows, seen=set(keys), last_keys=keys)

    def add(self, *, page: int, keys: list[str]) -> int:
        """Count one page's rows (`keys`, as sent, one per row); returns how many were new."""
        new = 0
        for key in keys:
            if key not in self.seen:
                self.seen.add(key)
                new += 1
        self.rows += new
        if page == 1:
            self.first_page_rows = len(keys)
        self.last_keys = list(dict.fromkeys(keys))
        return new

    def pages_estimate(self, server: ServerPaging) -> int:
        """The list's page count for progress lines: the server's, else its total over its own
        page size; 0 when unknown. Never used to decide paging."""
        if server.total_pages:
            return server.total_pages
        if server.total and self.first_page_rows:
            return -(-server.total // self.first_page_rows)
        return 0


def more_pages(*, page: int, got: int, count: PageCount, server: ServerPaging) -> bool:
    """Whether to ask for the page after `page` (API_FACTS, "Page sizes are the server's").

    `got`: rows on this page as sent; `count`: the list's rows so far, this page included;
    `server`: what this answer said about the list. An empty page always ends (also a server
    whose total was too high). Otherwise each field the server gave may ask for more, and any
    one that does wins (a wrong stop loses leads for good, a wrong "more" costs one request
    that comes back empty): an explicit `has_more`, its page count against the page it says it
    answered, its total against the distinct rows received. A server that gave none of them is
    read until a short page: fewer rows than its own first page held (never the size we asked
    for, which a capping server ignores); the first page is never short by that measure, so a
    one-page list costs one more request, which comes back empty."""
    if got <= 0:
        return False
    said: list[bool] = []
    if server.has_more is not None:
        said.append(server.has_more)
    if server.total_pages > 0:
        said.append((server.page or page) < server.total_pages)
    if server.total > 0:
        said.append(count.rows < server.total)
    if said:
        return any(said)
    return page == 1 or got >= count.first_page_rows


def server_flag(value: Any) -> bool | None:
    """A server's `has_more`-style flag (true/false, 1/0, "true"/"false") or None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def max_pages(account: Any) -> int:
    """The account's `max_pages`; raises SettingsInvalid for a value it cannot use."""
    from channels.account_settings import knob

    return knob(account, "max_pages", MAX_PAGES)


@dataclass
class SpendRow:
    campaign_id: str
    campaign_name: str
    date: dt.date
    cost: Decimal
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0

    @property
    def key(self) -> str:
        """One report row per campaign and day: a row a server sends twice has the same key."""
        return f"{self.campaign_id}|{self.date.isoformat()}"


# One request of a paged spend report: (page from 1, rows received so far) → (its rows
# parsed, what the server said about the list).
SpendFetch = Callable[[int, int], tuple[list[SpendRow], ServerPaging]]


def spend_read(fetch: SpendFetch, *, account: Any, what: str) -> list[SpendRow]:
    """A paged spend report read to its end, each row once (`more_pages`).

    `fetch(page, received)`: `received` is the distinct rows so far, the offset of the next
    row for a report paged by row (Baidu `startRow`): the rows the server returned, repeats
    counted once, never the count asked for. A row sent again (same campaign and day) keeps
    its last copy: the funnel writes one row per campaign and day in one statement, which
    PostgreSQL refuses when it names a row twice. Raises PageCapReached (`what` in its
    message) after the account's `max_pages` requests if the server still says there is more.
    """
    count = PageCount()
    kept: dict[str, SpendRow] = {}
    limit = max_pages(account)
    for page in range(1, limit + 1):
        rows, server = fetch(page, count.rows)
        count.add(page=page, keys=[row.key for row in rows])
        for row in rows:
            kept[row.key] = row
        if not more_pages(page=page, got=len(rows), count=count, server=server):
            return list(kept.values())
    raise errors.PageCapReached("page_cap", f"{what} past {limit} pages")


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


SANDBOX_HOSTS = ("localhost",)
# Reserved names that never resolve (RFC 2606/6761): the tests' fake platform hosts.
SANDBOX_SUFFIXES = (".invalid", ".test", ".localhost")


# A host name as the platform's own hosts are spelled: ASCII letters, digits and hyphens in
# non-empty dot-separated labels, no trailing dot. Anything else (an IDN, an empty label, a
# trailing dot that some resolvers and TLS stacks treat differently) is refused, not normalised.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
# Characters with no business in a base URL: each one is a place where two URL parsers (ours
# and the HTTP client's) or a proxy can read a different host. `%`: escapes (a `%2e` or `%2f`
# in the authority); `\\`: urllib3 ends the authority there, urllib.parse does not; `@`:
# userinfo, the classic "official-host@evil" trick.
_REFUSED_CHARS = set("\\%@")


def api_url_problem(url: str, domains: tuple[str, ...], *, base: bool = True) -> str:
    """ "" when `url` may receive an account's access token, else why not (English, short).

    `domains`: the platform's own domains (a host equal to one, or a subdomain of one, is
    allowed). `base`: True when checking a stored base URL (save time: no query or fragment);
    False at call time, where the client has appended its path.

    The URL is read by both parsers that matter: `urllib.parse` (ours) and
    `urllib3.util.parse_url` (the one `requests` uses to pick the host it connects to). They
    must agree on scheme, host and port; the URL must be plain ASCII without whitespace, control
    characters, backslashes, percent-escapes or userinfo; the port is the scheme's default.
    Loopback and the reserved test names (any port, http or https) only where
    settings.CHANNELS_SANDBOX_URLS_ALLOWED (dev, demo, tests): the sandbox look-alikes.
    Anything else could hand the token to whoever runs another host.
    """
    from django.conf import settings
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    text = str(url)
    if not text.isascii():
        return "non-ASCII characters (IDN or look-alike host)"
    if any(ch <= " " or ch == "\x7f" for ch in text):
        return "whitespace or control characters"
    if _REFUSED_CHARS & set(text):
        return "backslash, percent-escape or userinfo (@)"
    try:
        parts = urlsplit(text)
        ours = (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
        seen = parse_url(text)  # what requests will connect to
        theirs = ((seen.scheme or "").lower(), (seen.host or "").lower(), seen.port)
    except (ValueError, LocationParseError):
        return "unreadable URL"
    scheme, host, port = ours
    if theirs[1].startswith("[") and theirs[1].endswith("]"):
        theirs = (theirs[0], theirs[1][1:-1], theirs[2])
    if ours != theirs:
        return "URL parsers disagree on its host"
    if parts.username is not None or parts.password is not None or seen.auth:
        return "credentials in the URL"
    if base and (parts.query or parts.fragment or "?" in text or "#" in text):
        return "query or fragment in a base URL"
    sandbox = bool(getattr(settings, "CHANNELS_SANDBOX_URLS_ALLOWED", False))
    if sandbox and scheme in ("http", "https") and _is_sandbox_host(host):
        return ""
    if not _HOST_NAME.match(host):
        return f"host {host or '?'} is not a plain host name"
    if scheme != "https":
        return f"{scheme or '?'}: only https"
    if port not in (None, 443):
        return f"port {port}: only the default port"
    if any(host == d or host.endswith("." + d) for d in domains):
        return ""
    return f"host {host} is not one of {', '.join(domains)} (https)"


def _is_sandbox_host(host: str) -> bool:
    """Loopback (an IP literal) or a reserved name that never resolves off this machine."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return bool(_HOST_NAME.match(host)) and (
            host in SANDBOX_HOSTS or host.endswith(SANDBOX_SUFFIXES)
        )


def sandbox_url(url: str) -> bool:
    """The URL points at a sandbox look-alike on this machine (loopback or a reserved name)."""
    return _is_sandbox_host((urlsplit(url).hostname or "").lower())


class PlatformSession(requests.Session):
    """A session that sends nothing (and so no token) to a host outside the platform's domains,
    whatever the stored base URL says: the check runs on every request, at call time.

    It never follows a redirect: `requests` would send the next hop without this check, keep
    custom headers such as `Access-Token` and re-send the body (Baidu's carries the token) on a
    307/308. No platform API answers with a redirect, so one is refused as PlatformError
    `unexpected_redirect` and nothing is sent to its Location."""

    def __init__(self, domains: tuple[str, ...]) -> None:
        super().__init__()
        self.domains = domains
        self.headers["User-Agent"] = "yinliu-connector/1"
        self.max_redirects = 0  # belt and braces: a caller's allow_redirects=True still stops

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        problem = api_url_problem(url, self.domains, base=False)
        if problem:
            logger.warning("refused a platform call to %s: %s", urlsplit(str(url)).netloc, problem)
            raise PlatformError(errors.INVALID_API_BASE_URL)
        kwargs["allow_redirects"] = False
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.TooManyRedirects as exc:
            raise PlatformError(errors.UNEXPECTED_REDIRECT) from exc
        if response.is_redirect or 300 <= response.status_code < 400:
            location = urlsplit(response.headers.get("Location", "")).netloc
            logger.warning(
                "refused a platform redirect (%s) from %s to %s",
                response.status_code,
                urlsplit(str(url)).netloc,
                location[:200],
            )
            response.close()
            raise PlatformError(errors.UNEXPECTED_REDIRECT)
        return response


def session(domains: tuple[str, ...]) -> requests.Session:
    """The only session a connector uses: checked hosts, no redirects (`PlatformSession`)."""
    return PlatformSession(domains)


def http_json(sess: requests.Session, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """One call; HTTP-level failures become PlatformError subclasses (never requests errors)."""
    try:
        # Inside a web request, no longer than the request's outbound budget (funnel.outbound).
        response = within_budget(
            lambda timeout: sess.request(method, url, timeout=timeout, **kwargs), TIMEOUT
        )
    except BudgetSpent as exc:
        raise Transient(exc.code, str(exc)) from exc
    except requests.Timeout as exc:
        code = BudgetSpent.code if budget_active() else "network"
        raise Transient(code, request_error_text(exc)) from exc
    except requests.RequestException as exc:
        raise Transient("network", request_error_text(exc)) from exc
    # The remote body is logged here, never carried in the error: the error's text reaches
    # the admin (last error, alerts), and a platform (or whatever answers) controls the body.
    if response.status_code == 429:
        logger.warning("platform answered 429: %s", response.text[:500])
        raise RateLimited("http_429")
    if response.status_code >= 500:
        logger.warning("platform answered %s: %s", response.status_code, response.text[:500])
        raise Transient(f"http_{response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise PlatformError(f"http_{response.status_code}", "not JSON") from exc
    if not isinstance(data, dict):
        raise PlatformError("bad_envelope", "not a JSON object")
    return data


def as_str(value: Any) -> str:
    """Ids arrive as numbers or strings; we keep strings (big ints must not become floats)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError, OverflowError):  # "inf", "NaN", junk
        return default


def as_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return Decimal("0.00")


# An epoch from 10**11 on is milliseconds: as seconds that is the year 5138, as milliseconds
# 1973, and no platform time falls beyond either. Below 10**9 seconds (2001) no lead was made:
# such a number is no time of ours (a date's digits, a counter), so it is unreadable.
EPOCH_MS_FROM = 10**11
EPOCH_SECONDS_FROM = 10**9
_EPOCH = re.compile(r"\d{1,20}(?:\.\d{1,9})?")
_CLOCK_TIME = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"  # 2026-11-25, 2026/11/25, 2026.11.25
    r"(?:(?:[ T]+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?"  # 10:21[:33[.5]]
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?"  # Z, +08:00, +0800, +08
)
# What an unreadable lead time is kept as in the payload's `extra` ({field: text as sent}).
UNREADABLE_TIMES = "unreadable_times"


def _epoch_time(number: Decimal) -> dt.datetime | None:
    if not number.is_finite() or number <= 0:
        return None
    seconds = number / 1000 if number >= EPOCH_MS_FROM else number
    if seconds < EPOCH_SECONDS_FROM:
        return None
    try:
        return dt.datetime.fromtimestamp(float(seconds), tz=BEIJING)
    except (OverflowError, OSError, ValueError):  # past the calendar's year 9999
        return None


def _clock_offset(text: str | None) -> dt.tzinfo | None:
    """ "Z", "+08:00", "+0800", "+08" → a fixed offset; None for none given (Asia/Shanghai)."""
    if not text:
        return None
    if text in ("Z", "z"):
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))  # ValueError ≥ 24 h


def platform_time(value: Any) -> dt.datetime | None:
    """A platform's lead time → an aware datetime; None when empty or unreadable.

    The one reader of every connector's lead times (Douyin `create_time_detail` /
    `create_time`, Baidu `commitTime` / `commit_time`, Xiaohongshu `submitted_time`): text
    "2026-11-25 10:21:33", "2026/11/25 10:21:33", "2026-11-25T10:21:33" (seconds, a fraction
    and the time itself optional), Asia/Shanghai when it carries no offset (an offset, "Z" or
    "+08:00", is honoured); or a unix epoch, a number or its digits as text, in seconds or
    milliseconds by magnitude (`EPOCH_MS_FROM`). Unreadable: impossible dates (2026-02-30),
    epochs before 2001 or past the calendar, NaN, booleans and any other shape."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            return _epoch_time(Decimal(str(value)))
        except InvalidOperation:
            return None
    text = str(value).strip()
    if _EPOCH.fullmatch(text):
        return _epoch_time(Decimal(text))
    match = _CLOCK_TIME.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_clock_offset(offset) or BEIJING,
        )
    except ValueError:  # 2026-02-30, 25:00, an offset of a day or more
        return None


def occurred_iso(extra: dict[str, Any], *fields: tuple[str, Any], channel: str) -> str:
    """When the person submitted, as ISO-8601 with its offset: the first of `fields`
    ((field name, value as sent), most precise first) that `platform_time` reads; "" when
    none does, and intake dates the lead at receipt. A value that was sent but cannot be read
    is not dropped silently: it is kept in `extra[UNREADABLE_TIMES]` ({field: text, cut at 64
    characters}, in the raw record staff can replay) and logged with `channel`."""
    found = ""
    for name, value in fields:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        moment = platform_time(value)
        if moment is None:
            extra.setdefault(UNREADABLE_TIMES, {})[name] = str(value)[:64]
            logger.warning("%s lead time %s unreadable: %r", channel, name, str(value)[:64])
        elif not found:
            found = moment.isoformat()
    return found


def beijing_fmt(moment: dt.datetime, with_time: bool = True) -> str:
    local = moment.astimezone(BEIJING)
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d")


SPECIALTY_WORDS = {
    "脱发": ("脱发", "生发", "发际线", "植发", "头发"),
    "失眠": ("失眠", "睡眠", "睡不着", "助眠"),
    "糖尿病": ("糖尿病", "血糖", "控糖", "胰岛素"),
}


def specialty_guess(*texts: str) -> str:
    """The specialty a campaign or keyword is about (campaign names carry it: 脱发-表单-北京)."""
    joined = " ".join(t for t in texts if t)
    for name, words in SPECIALTY_WORDS.items():
        if any(w in joined for w in words):
            return name
    return ""


def push_ts_seconds(value: Any) -> int:
    """A push timestamp as unix seconds (Xiaohongshu sends milliseconds, Feiyu seconds)."""
    ts = as_int(value, 0)
    return ts // 1000 if ts >= EPOCH_MS_FROM else ts  # milliseconds → seconds


def push_check_fresh(ts: int, account: Any, default_skew: int) -> None:
    """Refuse a replayed or forged-late push: `push_max_skew_seconds` (per account) either way.
    A stored skew that cannot be used is read as the platform's default (bounded either way)."""
    from channels.account_settings import knob_or_default

    skew = knob_or_default(account, "push_max_skew_seconds", default_skew)
    if ts <= 0 or abs(int(time.time()) - ts) > skew:  # integers: any size compares
        raise errors.WebhookRejected(errors.STALE_TIMESTAMP)
