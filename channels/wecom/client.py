"""WeCom server API client (WECOM_FACTS.md, "Access"): `gettoken` with the company's corp id and
secret; the access token is cached (Django cache) for its lifetime less a margin, and an
invalid or expired token answer (errcode 40014 / 42001) fetches a new one once and retries.
Every answer carries `errcode` (0 = ok); a non-zero one raises `PlatformError`.

The base URL is the account's (official host by default; tests and the demo use the sandbox)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache

from channels.base import as_int, as_str, http_json, session
from channels.errors import PlatformError, RateLimited, Transient
from channels.wecom.models import OFFICIAL_BASE_URL, WECOM_API_DOMAINS
from funnel.outbound import DEADLINE, DEADLINE_IN_FLIGHT

TOKEN_ERRCODES = {40014, 42001}  # invalid / expired access token
RATE_LIMIT_ERRCODES = {45009, 45033}  # API frequency limits [S]
BUSY_ERRCODES = {-1}  # 系统繁忙: WeCom's global code for "try again later" [S]
TOKEN_MARGIN_SECONDS = 300


class WecomClient:
    def __init__(self, account: Any) -> None:
        self.account = account
        self.base = (account.api_base_url or OFFICIAL_BASE_URL).rstrip("/") + "/cgi-bin/"
        # checked again on every call: a URL stored before the rule never receives the secret
        self.http = session(WECOM_API_DOMAINS)

    def _cache_key(self) -> str:
        # Keyed by account and credentials: a changed secret never reuses the old token.
        tag = hashlib.sha256(
            f"{self.account.corp_id}\0{self.account.secret}\0{self.base}".encode()
        ).hexdigest()[:16]
        return f"wecom:access_token:{self.account.pk}:{tag}"

    @staticmethod
    def _check(data: dict[str, Any]) -> dict[str, Any]:
        code = as_int(data.get("errcode"), default=0)
        if code == 0:
            return data
        message = as_str(data.get("errmsg"))
        if code in RATE_LIMIT_ERRCODES:
            raise RateLimited(str(code), message)
        if code in BUSY_ERRCODES:
            raise Transient(str(code), message)
        raise PlatformError(str(code), message)

    def _fetch_token(self) -> str:
        data = self._check(
            http_json(
                self.http,
                "GET",
                self.base + "gettoken",
                params={"corpid": self.account.corp_id, "corpsecret": self.account.secret},
            )
        )
        token = as_str(data.get("access_token"))
        if not token:
            raise PlatformError("bad_token_response", "no access_token")
        lifetime = as_int(data.get("expires_in"), 7200)
        timeout = max(60, lifetime - TOKEN_MARGIN_SECONDS)
        cache.set(self._cache_key(), token, timeout=timeout)
        return token

    def access_token(self) -> str:
        return cache.get(self._cache_key()) or self._fetch_token()

    def _token_for_call(self, fetch) -> str:
        """A token for the call about to be made. A token fetch cut by the request's time
        budget means the call itself was never made: said as `deadline` (not sent), never as
        `deadline_in_flight` (the welcome would read 结果未知 for a message never sent)."""
        try:
            return fetch()
        except Transient as exc:
            if exc.code == DEADLINE_IN_FLIGHT:
                raise Transient(DEADLINE, "token fetch cut: the call was not made") from exc
            raise

    def call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One API call with the cached token; on 40014 / 42001 one fresh token and one retry."""
        token = self._token_for_call(self.access_token)
        for attempt in (1, 2):
            query = {**(params or {}), "access_token": token}
            data = http_json(
                self.http, method, self.base + path.lstrip("/"), params=query, json=json
            )
            code = as_int(data.get("errcode"), default=0)
            if code in TOKEN_ERRCODES and attempt == 1:
                cache.delete(self._cache_key())
                token = self._token_for_call(self._fetch_token)
                continue
            return self._check(data)
        raise AssertionError("unreachable")

    def external_contact(self, external_userid: str) -> dict[str, Any]:
        """`externalcontact/get` (the contact and its follow users, each with its `state`)."""
        return self.call("GET", "externalcontact/get", params={"external_userid": external_userid})
