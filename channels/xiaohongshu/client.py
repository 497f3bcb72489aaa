"""Xiaohongshu Juguang (聚光) Marketing API client: token refresh and the offline spend report.

There is no lead pull API: leads arrive by landing-page data push (see webhooks). Per-account
settings for the uncertain points:
- `rate_limit_codes` / `auth_codes`: envelope codes [U] (defaults below; HTTP 429 always
  means rate limit).
- `fee_unit`: "yuan" (default) or "fen" — whether `fee` is yuan with decimals [U].
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from channels.account_settings import knob
from channels.base import (
    ServerPaging,
    SpendRow,
    TokenPair,
    as_decimal,
    as_int,
    as_str,
    http_json,
    session,
    spend_read,
)
from channels.errors import PlatformError, RateLimited, TokenExpired

DEFAULT_BASE_URL = "https://adapi.xiaohongshu.com"
# Where this account's token may go: every call is checked.
API_DOMAINS = ("xiaohongshu.com",)
RATE_LIMIT_CODES = [429, 40100]
AUTH_CODES = [401, 40101, 40102]
SPEND_PAGE_SIZE = 500


class XiaohongshuClient:
    def __init__(self, account: Any) -> None:
        self.account = account
        self.base = (account.api_base_url or DEFAULT_BASE_URL).rstrip("/")
        self.http = session(API_DOMAINS)

    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        code = as_int(data.get("code"), default=-1)
        if code == 0 and data.get("success", True) is not False:
            return data.get("data") or {}
        message = as_str(data.get("msg"))
        if code in knob(self.account, "rate_limit_codes", RATE_LIMIT_CODES):
            raise RateLimited(str(code), message)
        if code in knob(self.account, "auth_codes", AUTH_CODES):
            raise TokenExpired(str(code), message)
        raise PlatformError(str(code), message)

    def _post(self, path: str, body: dict[str, Any], *, auth: bool = True) -> dict[str, Any]:
        headers = {"Access-Token": self.account.access_token} if auth else {}
        return self._check(
            http_json(self.http, "POST", self.base + path, json=body, headers=headers)
        )

    def refresh(self) -> TokenPair:
        data = self._post(
            "/api/open/oauth2/refresh_token",
            {
                "app_id": self.account.app_id,
                "secret": self.account.secret,
                "refresh_token": self.account.refresh_token,
            },
            auth=False,
        )
        if not data.get("access_token") or not data.get("refresh_token"):
            raise PlatformError("bad_token_response", "no token pair")
        return TokenPair(
            access_token=as_str(data["access_token"]),
            refresh_token=as_str(data["refresh_token"]),
            expires_in=as_int(data.get("access_token_expires_in"), 86400),
        )

    def spend(self, *, start: dt.date, end: dt.date) -> list[SpendRow]:
        """Daily spend per campaign, every page of the offline report (`spend_read`)."""
        per_fen = knob(self.account, "fee_unit", "yuan") == "fen"

        def fetch(page: int, _received: int) -> tuple[list[SpendRow], ServerPaging]:
            data = self._post(
                "/api/open/jg/data/report/offline/campaign",
                {
                    "advertiser_id": self.account.advertiser_id,
                    "start_date": start.isoformat(),
                    "end_date": end.isoformat(),
                    "time_unit": "DAY",
                    "page_num": page,
                    "page_size": SPEND_PAGE_SIZE,
                },
            )
            rows = []
            for item in data.get("data_list") or []:
                cost = as_decimal(item.get("fee"))
                if per_fen:
                    cost = (cost / Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                rows.append(
                    SpendRow(
                        campaign_id=as_str(item.get("campaign_id")),
                        campaign_name=as_str(item.get("campaign_name")),
                        date=dt.date.fromisoformat(as_str(item.get("time"))[:10]),
                        cost=cost,
                        impressions=as_int(item.get("impression")),
                        clicks=as_int(item.get("click")),
                        conversions=as_int(item.get("leads")),
                    )
                )
            return rows, ServerPaging(total=as_int(data.get("total_count")))

        return spend_read(fetch, account=self.account, what="report/offline/campaign")
