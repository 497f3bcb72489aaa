"""What every connector shares: the HTTP session, envelope checks, lenient parsing helpers."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import time
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
class LeadPage:
    """One page of raw lead records as the platform sent them. `has_more` is decided from what
    the server returned (its rows, totals and page fields), never from the size we asked for;
    `total_pages` is the server's figure or an estimate from its rows (0 when unknown), for
    progress lines only."""

    records: list[dict[str, Any]]
    page: int
    has_more: bool
    total_pages: int = 0


def server_has_more(*, got: int, seen: int, total: int, requested: int) -> bool:
    """Whether another page is worth asking for (API_FACTS, "Page sizes are the server's").

    `got`: rows on this page; `seen`: rows the server has returned up to and including this
    page (an estimate where the server's page size is unknown); `total`: the server's total
    (0 when it gave none); `requested`: the page size we asked for. An empty page always ends
    (it also ends a server whose total is too high); without a total, a page as full as we asked
    may have a successor. A server that caps its pages returns fewer rows than requested, so
    the size we asked for never decides the page count when a total is known."""
    if got <= 0:
        return False
    if total > 0:
        return seen < total
    return got >= requested


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


def beijing_iso(text: str) -> str:
    """ "2026-11-01 10:21:33" (Beijing time, no zone) → ISO-8601 with +08:00; "" if unreadable."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=BEIJING).isoformat()
        except ValueError:
            continue
    return ""


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
    return ts // 1000 if ts > 10**11 else ts  # milliseconds → seconds


def push_check_fresh(ts: int, account: Any, default_skew: int) -> None:
    """Refuse a replayed or forged-late push: `push_max_skew_seconds` (per account) either way.
    A stored skew that cannot be used is read as the platform's default (bounded either way)."""
    from channels.account_settings import knob_or_default

    skew = knob_or_default(account, "push_max_skew_seconds", default_skew)
    if ts <= 0 or abs(int(time.time()) - ts) > skew:  # integers: any size compares
        raise errors.WebhookRejected(errors.STALE_TIMESTAMP)
