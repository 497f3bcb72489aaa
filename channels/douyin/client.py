"""Ocean Engine (巨量引擎) Marketing API client: token refresh, lead list, spend, lead callback.

Facts: shared/channels/API_FACTS.md. Uncertain points are per-account settings
(`ChannelAccount.settings`):
- `rate_limit_codes` (default [40100]) and `auth_codes` (default 40101-40109): the [U] error
  codes; HTTP 429 is always a rate limit.
- `page_size` (default 100), `trailing_minutes` (re-pull window for late fields, default 30).
- `callback_states` (default {"contacted": 2, "paid": 3}): the clue_convert_state we report on
  `clue/life/callback` when a lead becomes valid / pays [U: exact enum not published].
- `conversion_events`, `conversion_base_url`: the conversion API (`channels.douyin.postback`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from urllib.parse import urlsplit

from channels.account_settings import knob
from channels.base import (
    LeadPage,
    ServerPaging,
    SpendRow,
    TokenPair,
    as_decimal,
    as_int,
    as_str,
    beijing_fmt,
    http_json,
    server_flag,
    session,
    spend_read,
)
from channels.errors import PlatformError, RateLimited, TokenExpired

DEFAULT_BASE_URL = "https://ad.oceanengine.com/open_api/"
DEFAULT_CONVERSION_URL = "https://analytics.oceanengine.com"
# Where this account's token may go (base URL, conversion URL): every call is checked.
API_DOMAINS = ("oceanengine.com",)
RATE_LIMIT_CODES = [40100]
AUTH_CODES = list(range(40101, 40110))


SPEND_PAGE_SIZE = 1000


def _paging(data: dict[str, Any]) -> ServerPaging:
    """What `page_info` says about the list (any field may be missing)."""
    info = data.get("page_info") or {}
    return ServerPaging(
        total=as_int(info.get("total_number")),
        total_pages=as_int(info.get("total_page")),
        page=as_int(info.get("page")),
        has_more=server_flag(info.get("has_more")),
    )


class DouyinClient:
    def __init__(self, account: Any) -> None:
        self.account = account
        self.base = (account.api_base_url or DEFAULT_BASE_URL).rstrip("/") + "/"
        self.http = session(API_DOMAINS)

    # -- envelope --------------------------------------------------------------------------
    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        code = as_int(data.get("code"), default=-1)
        if code == 0:
            return data.get("data") or {}
        message = as_str(data.get("message"))
        if code in knob(self.account, "rate_limit_codes", RATE_LIMIT_CODES):
            raise RateLimited(str(code), message)
        if code in knob(self.account, "auth_codes", AUTH_CODES):
            raise TokenExpired(str(code), message)
        raise PlatformError(str(code), message)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Access-Token": self.account.access_token}
        return self._check(
            http_json(self.http, method, self.base + path, headers=headers, **kwargs)
        )

    # -- auth ------------------------------------------------------------------------------
    def refresh(self) -> TokenPair:
        data = self._check(
            http_json(
                self.http,
                "POST",
                self.base + "oauth2/refresh_token/",
                json={
                    "app_id": as_int(self.account.app_id) or self.account.app_id,
                    "secret": self.account.secret,
                    "grant_type": "refresh_token",
                    "refresh_token": self.account.refresh_token,
                },
            )
        )
        if not data.get("access_token") or not data.get("refresh_token"):
            raise PlatformError("bad_token_response", "no token pair")
        return TokenPair(
            access_token=as_str(data["access_token"]),
            refresh_token=as_str(data["refresh_token"]),
            expires_in=as_int(data.get("expires_in"), 86400),
        )

    # -- leads -----------------------------------------------------------------------------
    def lead_page(
        self, *, stream: str, start: dt.datetime, end: dt.datetime, page: int
    ) -> LeadPage:
        requested = knob(self.account, "page_size", 100)
        data = self._call(
            "GET",
            "2/tools/clue/get/",
            params={
                "advertiser_ids": json.dumps([as_int(self.account.advertiser_id)]),
                "start_time": beijing_fmt(start),
                "end_time": beijing_fmt(end),
                "page": page,
                "page_size": requested,
            },
        )
        records = [r for r in (data.get("list") or []) if isinstance(r, dict)]
        return LeadPage(records=records, page=page, server=_paging(data))

    # -- spend -----------------------------------------------------------------------------
    def spend(self, *, start: dt.date, end: dt.date) -> list[SpendRow]:
        """Daily spend per promotion, every page of the report (`spend_read`)."""

        def fetch(page: int, _received: int) -> tuple[list[SpendRow], ServerPaging]:
            data = self._call(
                "GET",
                "v3.0/report/custom/get/",
                params={
                    "advertiser_id": self.account.advertiser_id,
                    # Promotions (广告), the level a clue's `promotion_id` names: spend and
                    # leads join at one level (API_FACTS, "Spend and leads must join at one
                    # level"); projects (`cdp_project_id`) are a level above, other ids.
                    "dimensions": json.dumps(["stat_time_day", "cdp_promotion_id"]),
                    "metrics": json.dumps(["stat_cost", "show_cnt", "click_cnt", "convert_cnt"]),
                    "filters": "[]",
                    "order_by": "[]",
                    "start_time": start.isoformat(),
                    "end_time": end.isoformat(),
                    "page": page,
                    "page_size": SPEND_PAGE_SIZE,
                },
            )
            rows = []
            for row in data.get("rows") or []:
                dims = row.get("dimensions") or {}
                metrics = row.get("metrics") or {}
                rows.append(
                    SpendRow(
                        campaign_id=as_str(dims.get("cdp_promotion_id")),
                        campaign_name=as_str(dims.get("cdp_promotion_name")),
                        date=dt.date.fromisoformat(as_str(dims.get("stat_time_day"))[:10]),
                        cost=as_decimal(metrics.get("stat_cost")),
                        impressions=as_int(metrics.get("show_cnt")),
                        clicks=as_int(metrics.get("click_cnt")),
                        conversions=as_int(metrics.get("convert_cnt")),
                    )
                )
            return rows, _paging(data)

        return spend_read(fetch, account=self.account, what="report/custom/get")

    # -- postback --------------------------------------------------------------------------
    def clue_callback(self, *, clue_id: str, state: int) -> str:
        """`clue/life/callback` [C]: tell the platform what became of its clue. Returns the
        answer's message (for the postback log)."""
        data = http_json(
            self.http,
            "POST",
            self.base + "2/tools/clue/life/callback/",
            headers={"Access-Token": self.account.access_token},
            json={
                "advertiser_id": as_int(self.account.advertiser_id),
                "clue_id": clue_id,
                "clue_convert_state": state,
            },
        )
        self._check(data)
        return f"{as_int(data.get('code'))} {as_str(data.get('message'))}"

    def conversion_base(self) -> str:
        explicit = knob(self.account, "conversion_base_url", "")
        if explicit:
            return str(explicit).rstrip("/")
        if self.account.api_base_url:  # the sandbox (or a proxy) serves both hosts
            parts = urlsplit(self.account.api_base_url)
            return f"{parts.scheme}://{parts.netloc}"
        return DEFAULT_CONVERSION_URL

    def conversion(self, *, callback: str, event_type: str) -> str:
        """The conversion API [S] (API_FACTS, "Conversion API for landing-page visits"): one
        event for the visit whose `clickid` / `callback` is `callback`. No token: the callback
        value identifies the ad and account. Returns the answer's message."""
        data = http_json(
            self.http,
            "POST",
            self.conversion_base() + "/api/v2/conversion",
            json={
                "event_type": event_type,
                "context": {"ad": {"callback": callback}},
                "timestamp": int(time.time() * 1000),
            },
        )
        self._check(data)
        return f"{as_int(data.get('code'))} {as_str(data.get('message'))}"
