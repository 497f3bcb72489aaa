"""One error type for the whole product (Django-Styleguide's ApplicationError).

Each domain keeps its codes and messages in its own `errors.py`; views turn an
ApplicationError into a 4xx answer `{"error": code, "message": …}` and never a 500.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        status: int = 400,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.status = status
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}
