"""Baidu 百度营销 client: OAuth refresh, 营销通 lead pull (getNoticeList), report, OCPC upload.

Three hosts: api.baidu.com (leads, reports), u.baidu.com (OAuth), ocpc.baidu.com (OCPC).
`api_base_url` on the account replaces all three (the sandbox serves every path); or set
`auth_base_url` / `ocpc_base_url` in the account settings. Uncertain points, as settings:
- `solution_types` (default all six), `page_size` (default 1000, max 5000),
  `window_days` (≤30 [U]), `trailing_minutes` (default 30).
- `auth_codes` (default [8206, 8207]) and `rate_limit_codes` (default [8904, 8905]) among
  `header.failures[].code` [U]; `rquota` = 0 also means rate limited.
- `ocpc_new_type` (default 26, a paid conversion [U]).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    session,
    spend_read,
)
from channels.errors import PlatformError, RateLimited, TokenExpired, Transient

DEFAULT_API = "https://api.baidu.com"
DEFAULT_AUTH = "https://u.baidu.com"
DEFAULT_OCPC = "https://ocpc.baidu.com"
# Where this account's token may go (API, auth, OCPC): every call is checked.
API_DOMAINS = ("baidu.com",)
SOLUTION_TYPES = ["phone", "consult", "form", "wechat", "callback", "follow"]
AUTH_CODES = [8206, 8207]
RATE_LIMIT_CODES = [8904, 8905]
REPORT_SEARCH_CAMPAIGN = 2290316
SPEND_CHUNK = 1000  # report rows asked for per request (the server may return fewer)


class BaiduClient:
    def __init__(self, account: Any) -> None:
        self.account = account
        self.api = (account.api_base_url or DEFAULT_API).rstrip("/")
        # Settings are read through `knob`: a stored value it cannot use raises SettingsInvalid,
        # which the pull, the spend import and the outbox record like a platform failure.
        self.auth = (
            knob(account, "auth_base_url", "") or account.api_base_url or DEFAULT_AUTH
        ).rstrip("/")
        self.ocpc = (
            knob(account, "ocpc_base_url", "") or account.api_base_url or DEFAULT_OCPC
        ).rstrip("/")
        self.http = session(API_DOMAINS)

    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        header = data.get("header") or {}
        status = as_int(header.get("status"), default=-1)
        failures = header.get("failures") or []
        codes = [as_int(f.get("code")) for f in failures if isinstance(f, dict)]
        message = "; ".join(as_str(f.get("message")) for f in failures if isinstance(f, dict))
        if status == 0 and not codes:
            return data.get("body") or {}
        if any(c in knob(self.account, "auth_codes", AUTH_CODES) for c in codes):
            raise TokenExpired(str(codes[0]), message)
        rate = knob(self.account, "rate_limit_codes", RATE_LIMIT_CODES)
        if any(c in rate for c in codes) or (
            "rquota" in header and as_int(header.get("rquota"), 1) <= 0
        ):
            raise RateLimited(str(codes[0] if codes else "quota"), message or "quota exhausted")
        raise PlatformError(
            str(codes[0] if codes else status), message or as_str(header.get("desc"))
        )

    def _service(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        envelope = {
            "header": {
                "userName": self.account.advertiser_id,
                "accessToken": self.account.access_token,
            },
            "body": body,
        }
        return self._check(http_json(self.http, "POST", self.api + path, json=envelope))

    def refresh(self) -> TokenPair:
        data = http_json(
            self.http,
            "POST",
            self.auth + "/oauth/refreshToken",
            json={
                "appId": self.account.app_id,
                "refreshToken": self.account.refresh_token,
                "secretKey": self.account.secret,
                "userId": knob(self.account, "user_id", None),
            },
        )
        if as_int(data.get("code"), -1) != 0:
            raise PlatformError(as_str(data.get("code")), as_str(data.get("message")))
        d = data.get("data") or {}
        if not d.get("accessToken") or not d.get("refreshToken"):
            raise PlatformError("bad_token_response", "no token pair")
        return TokenPair(
            access_token=as_str(d["accessToken"]),
            refresh_token=as_str(d["refreshToken"]),
            expires_in=as_int(d.get("expiresIn"), 86400),
        )

    def streams(self) -> list[str]:
        return list(knob(self.account, "solution_types", SOLUTION_TYPES))

    def lead_page(
        self, *, stream: str, start: dt.datetime, end: dt.datetime, page: int
    ) -> LeadPage:
        page_size = knob(self.account, "page_size", 1000)
        body = self._service(
            "/json/sms/service/LeadsNoticeService/getNoticeList",
            {
                "solutionType": stream,
                "startDate": beijing_fmt(start),
                "endDate": beijing_fmt(end),
                "pageNo": page,
                "pageSize": page_size,
            },
        )
        blocks = body.get("data") or []
        block = blocks[0] if blocks and isinstance(blocks[0], dict) else {}
        records = [r for r in (block.get("noticeDetailList") or []) if isinstance(r, dict)]
        # Some accounts' servers cap pageSize far below what we ask, and a page may repeat the
        # previous page's last row (API_FACTS, "Page sizes are the server's"): only `totalNum`
        # is taken from the server, the caller counts the rows received against it.
        # `rowNumber` is not relied on: its meaning is [U].
        return LeadPage(
            records=records, page=page, server=ServerPaging(total=as_int(block.get("totalNum")))
        )

    def spend(self, *, start: dt.date, end: dt.date) -> list[SpendRow]:
        """Daily spend per search campaign, every chunk of the report (`spend_read`)."""
        columns = ["date", "campaignId", "campaignNameStatus", "impression", "click", "cost"]

        def fetch(_page: int, received: int) -> tuple[list[SpendRow], ServerPaging]:
            body = self._service(
                "/json/sms/service/OpenApiReportService/getReportData",
                {
                    "reportType": REPORT_SEARCH_CAMPAIGN,
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat(),
                    "timeUnit": "DAY",
                    "columns": columns,
                    # The next chunk starts after the distinct rows the server returned, not
                    # after the rowCount asked for (a capped server returns fewer; a repeated
                    # row is not a new one).
                    "startRow": received,
                    "rowCount": SPEND_CHUNK,
                    "needSum": False,
                },
            )
            blocks = body.get("data") or []
            block = blocks[0] if blocks else {}
            rows = []
            for raw in block.get("rows") or []:
                row = dict(zip(columns, raw, strict=False)) if isinstance(raw, list) else raw
                rows.append(
                    SpendRow(
                        campaign_id=as_str(row.get("campaignId")),
                        campaign_name=as_str(row.get("campaignNameStatus")),
                        date=dt.date.fromisoformat(as_str(row.get("date"))[:10]),
                        cost=as_decimal(row.get("cost")),
                        impressions=as_int(row.get("impression")),
                        clicks=as_int(row.get("click")),
                    )
                )
            return rows, ServerPaging(total=as_int(block.get("totalRowCount")))

        return spend_read(fetch, account=self.account, what="getReportData")

    def ocpc_upload(self, *, conversions: list[dict[str, Any]]) -> str:
        """At most 99 per call; `header.status` 4 means retry later. Returns the last answer's
        `desc` (for the postback log)."""
        desc = ""
        token = self.account.postback_token or self.account.access_token
        for i in range(0, len(conversions), 99):
            data = http_json(
                self.http,
                "POST",
                self.ocpc + "/ocpcapi/api/uploadConvertData",
                json={"token": token, "conversionTypes": conversions[i : i + 99]},
            )
            status = as_int((data.get("header") or {}).get("status"), -1)
            if status == 4:
                raise Transient("4", "OCPC asks to retry later")
            desc = as_str((data.get("header") or {}).get("desc"))
            if status != 0:
                raise PlatformError(str(status), desc)
        return f"0 {desc}"
