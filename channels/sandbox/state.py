"""What the sandbox remembers between calls: lead count, clock, faults, tokens, postbacks."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from channels.sandbox import baidu, douyin, xiaohongshu
from channels.sandbox.data import BEIJING


class SandboxState:
    """Everything the sandbox remembers; every access holds the lock."""

    def __init__(self, lead_count: int = 120, now: dt.datetime | None = None) -> None:
        self.lock = threading.Lock()
        self.reset(lead_count=lead_count, now=now)

    def reset(self, lead_count: int = 120, now: dt.datetime | None = None) -> None:
        self.lead_count = lead_count
        self.__dict__.pop("wecom", None)  # the WeCom look-alike's world starts empty too
        self.now = (now or dt.datetime.now(BEIJING)).astimezone(BEIJING).replace(microsecond=0)
        self.late_fields = False
        self.duplicate_across_pages = False
        self.faults: list[dict[str, Any]] = []
        # Per-account page caps (advertiser id / userName → rows per page, "*" for every
        # account): the server returns at most this many rows whatever page size is asked,
        # like the Baidu accounts in API_FACTS ("Page sizes are the server's").
        self.page_caps: dict[str, int] = {}
        self.revoked: set[str] = set()
        self.token_seq = 0
        self.served: set[str] = set()
        self.calls: dict[str, int] = {}
        self.postbacks: list[dict[str, Any]] = []
        self.refreshes = 0
        self.__dict__.pop("wecom", None)  # the WeCom look-alike's tokens, codes and callback
        self._cache: dict[tuple, list] = {}

    # -- time ------------------------------------------------------------------------------
    def lead_time(self, i: int) -> dt.datetime:
        """Lead 0 is the newest; all fall in the 3 days before `now`."""
        gap = max(1, (3 * 86400) // max(1, self.lead_count))
        return self.now - dt.timedelta(seconds=(i + 1) * gap)

    # -- generated records (each platform's module knows its own format) ------------------
    def douyin_lead(self, i: int) -> dict[str, Any]:
        return douyin.lead_record(self, i)

    def baidu_lead(self, i: int) -> dict[str, Any]:
        return baidu.lead_record(self, i)

    def xhs_push(self, i: int) -> dict[str, Any]:
        return xiaohongshu.push_body(self, i)

    def douyin_push(self, i: int) -> dict[str, Any]:
        return douyin.push_body(self, i)

    def baidu_push(self, i: int, token: str, delayed: bool = False) -> dict[str, Any]:
        return baidu.push_body(self, i, token, delayed)

    def window(self, platform: str, start: dt.datetime, end: dt.datetime, kind: str = "") -> list:
        """Indexes of the leads inside [start, end], newest first (cached per pull window)."""
        key = (platform, self.lead_count, start, end, kind)
        cached = self._cache.get(key)
        if cached is None:
            cached = [
                i
                for i in range(self.lead_count)
                if start <= self.lead_time(i) <= end
                and (not kind or baidu.BAIDU_TYPES[i % 3] == kind)
            ]
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def page_size(self, account: str, requested: int, limit: int) -> int:
        """Rows per page this server gives `account`: what was asked, within the platform's
        limit and the account's cap."""
        cap = self.page_caps.get(str(account), self.page_caps.get("*", limit))
        return max(1, min(requested, limit, cap))

    # -- tokens ----------------------------------------------------------------------------
    def token_ok(self, token: str) -> bool:
        return bool(token) and token not in self.revoked

    def new_pair(self, old_access: str, old_refresh: str) -> tuple[str, str]:
        self.token_seq += 1
        self.refreshes += 1
        self.revoked.update(t for t in (old_access, old_refresh) if t)
        return f"sbx-at-{self.token_seq}", f"sbx-rt-{self.token_seq}"

    def take_fault(self, path: str, page: int | None, flag: str) -> str:
        if flag:
            return flag
        for fault in self.faults:
            if fault.get("times", 1) <= 0 or fault.get("path", "") not in path:
                continue
            if fault.get("page") is not None and fault["page"] != page:
                continue
            fault["times"] = fault.get("times", 1) - 1
            return fault["kind"]
        return ""
