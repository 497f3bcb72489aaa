"""Ocean Engine (巨量引擎) Marketing API client: token refresh, lead list, spend, lead callback.

Facts: shared/channels/API_FACTS.md. Uncertain points are per-account settings
(`ChannelAccount.settings`):
- `rate_limit_codes` (default [40100]) and `auth_codes` (default 40101-40109): the [U] error
  codes; HTTP 429 is always a rate limit.
- `page_size` (default 100), `trailing_minutes` (re-pull window for late fields, default 30).
- `callback_states` (default {"contacted": 2, "paid": 3}): the clue_convert_state we report on
  `clue/life/callback` when a lead becomes valid / pays [U: exact enum not published].
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from channels.base import (
    LeadPage,
    SpendRow,
    TokenPair,
    as_decimal,
    as_int,
    as_str,
    beijing_fmt,
    http_json,
    session,
)
from channels.errors import PlatformError, RateLimited, TokenExpired

DEFAULT_BASE_URL = "https://ad.oceanengine.com/open_api/"
RATE_LIMIT_CODES = [40100]
AUTH_CODES = list(range(40101, 40110))


class DouyinClient:
    def __init__(self, account: Any) -> None:
        self.account = account
        self.base = (account.api_base_url or DEFAULT_BASE_URL).rstrip("/") + "/"
        self.settings = account.settings or {}
        self.http = session()

    # -- envelope --------------------------------------------------------------------------
    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        code = as_int(data.get("code"), default=-1)
        if code == 0:
            return data.get("data") or {}
        message = as_str(data.get("message"))
        if code in self.settings.get("rate_limit_codes", RATE_LIMIT_CODES):
            raise RateLimited(str(code), message)
        if code in self.settings.get("auth_codes", AUTH_CODES):
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
        data = self._call(
            "GET",
            "2/tools/clue/get/",
            params={
                "advertiser_ids": json.dumps([as_int(self.account.advertiser_id)]),
                "start_time": beijing_fmt(start),
                "end_time": beijing_fmt(end),
                "page": page,
                "page_size": int(self.settings.get("page_size", 100)),
            },
        )
        info = data.get("page_info") or {}
        records = [r for r in (data.get("list") or []) if isinstance(r, dict)]
        return LeadPage(records=records, page=page, total_pages=as_int(info.get("total_page"), 1))

    # -- spend -----------------------------------------------------------------------------
    def spend(self, *, start: dt.date, end: dt.date) -> list[SpendRow]:
        rows: list[SpendRow] = []
        page = 1
        while True:
            data = self._call(
                "GET",
                "v3.0/report/custom/get/",
                params={
                    "advertiser_id": self.account.advertiser_id,
                    "dimensions": json.dumps(["stat_time_day", "cdp_project_id"]),
                    "metrics": json.dumps(["stat_cost", "show_cnt", "click_cnt", "convert_cnt"]),
                    "filters": "[]",
                    "order_by": "[]",
                    "start_time": start.isoformat(),
                    "end_time": end.isoformat(),
                    "page": page,
                    "page_size": 1000,
                },
            )
            for row in data.get("rows") or []:
                dims = row.get("dimensions") or {}
                metrics = row.get("metrics") or {}
                day = as_str(dims.get("stat_time_day"))[:10]
                rows.append(
                    SpendRow(
                        campaign_id=as_str(dims.get("cdp_project_id")),
                        campaign_name=as_str(dims.get("cdp_project_name")),
                        date=dt.date.fromisoformat(day),
                        cost=as_decimal(metrics.get("stat_cost")),
                        impressions=as_int(metrics.get("show_cnt")),
                        clicks=as_int(metrics.get("click_cnt")),
                        conversions=as_int(metrics.get("convert_cnt")),
                    )
                )
            info = data.get("page_info") or {}
            if page >= as_int(info.get("total_page"), 1):
                return rows
            page += 1

    # -- postback --------------------------------------------------------------------------
    def clue_callback(self, *, clue_id: str, stage: str) -> None:
        states = {"contacted": 2, "paid": 3, **self.settings.get("callback_states", {})}
        self._call(
            "POST",
            "2/tools/clue/life/callback/",
            json={
                "advertiser_id": as_int(self.account.advertiser_id),
                "clue_id": clue_id,
                "clue_convert_state": states[stage],
            },
        )
