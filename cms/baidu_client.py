"""Baidu 普通收录 link submission API (`http://data.zz.baidu.com/urls`): one POST, URLs one
per line. Answers `{"success": n, "remain": m, …}` or `{"error": 401, "message": "…"}`.

Only this module speaks HTTP to Baidu; failures come back as the two exceptions below so
the task can decide what is worth retrying. A redirect is never followed: the token is in the
query string and a 307/308 would re-send the body to the Location; any 3xx is PushRejected
with the code `unexpected_redirect` (the API does not redirect: retrying cannot help)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from cms import errors
from funnel.outbound import BudgetSpent, request_error_text, within_budget

logger = logging.getLogger("yinliu.cms.baidu_push")

ENDPOINT = "http://data.zz.baidu.com/urls"
TIMEOUT = (5, 20)


class PushTransient(Exception):
    """Network failure or 5xx: worth retrying later."""


class PushRejected(Exception):
    """Baidu refused the request (4xx: bad token, site not verified, quota): retrying the same
    request cannot succeed."""

    def __init__(self, status: int, body: dict[str, Any] | str) -> None:
        super().__init__(f"http_{status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class PushAnswer:
    status: int
    body: dict[str, Any]

    @property
    def success(self) -> int:
        return int(self.body.get("success") or 0)

    @property
    def remain(self) -> int | None:
        remain = self.body.get("remain")
        return int(remain) if remain is not None else None


def urls_submit(*, site: str, token: str, urls: list[str], endpoint: str = ENDPOINT) -> PushAnswer:
    try:
        # Inside a web request (a publish without a broker), the request's outbound budget.
        response = within_budget(
            lambda timeout: requests.post(
                endpoint,
                params={"site": site, "token": token},
                data="\n".join(urls).encode(),
                headers={"Content-Type": "text/plain", "User-Agent": "yinliu-cms/1"},
                timeout=timeout,
                allow_redirects=False,
            ),
            TIMEOUT,
        )
    except BudgetSpent as exc:
        raise PushTransient(f"{exc.code}: {exc}") from exc
    except requests.RequestException as exc:
        raise PushTransient(f"network: {request_error_text(exc)}") from exc
    if response.is_redirect or 300 <= response.status_code < 400:
        location = urlsplit(response.headers.get("Location", "")).netloc
        logger.warning(
            "%s: Baidu's push API answered %s towards %s, not followed",
            errors.UNEXPECTED_REDIRECT,
            response.status_code,
            location[:200],
        )
        raise PushRejected(response.status_code, {"error": errors.UNEXPECTED_REDIRECT})
    try:
        body: dict[str, Any] | str = response.json()
    except ValueError:
        body = response.text[:500]
    if response.status_code >= 500:
        raise PushTransient(f"http_{response.status_code}: {body}")
    if response.status_code >= 400 or not isinstance(body, dict) or "error" in body:
        raise PushRejected(response.status_code, body)
    return PushAnswer(status=response.status_code, body=body)
