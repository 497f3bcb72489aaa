"""Baidu 普通收录 link submission API (`http://data.zz.baidu.com/urls`): one POST, URLs one
per line. Answers `{"success": n, "remain": m, …}` or `{"error": 401, "message": "…"}`.

Only this module speaks HTTP to Baidu; failures come back as the two exceptions below so
the task can decide what is worth retrying."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

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
        response = requests.post(
            endpoint,
            params={"site": site, "token": token},
            data="\n".join(urls).encode(),
            headers={"Content-Type": "text/plain", "User-Agent": "yinliu-cms/1"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise PushTransient(f"network: {exc}") from exc
    try:
        body: dict[str, Any] | str = response.json()
    except ValueError:
        body = response.text[:500]
    if response.status_code >= 500:
        raise PushTransient(f"http_{response.status_code}: {body}")
    if response.status_code >= 400 or not isinstance(body, dict) or "error" in body:
        raise PushRejected(response.status_code, body)
    return PushAnswer(status=response.status_code, body=body)
