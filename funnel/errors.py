"""Funnel error codes. A payload rejected with one of these is quarantined, never dropped."""

from __future__ import annotations

from config.errors import ApplicationError

MISSING_PHONE = "missing_phone"
INVALID_PHONE = "invalid_phone"
CONSENT_REQUIRED = "consent_required"

MESSAGES = {
    MISSING_PHONE: "没有手机号 / no phone number",
    INVALID_PHONE: "手机号无效 / the phone number is not valid",
    CONSENT_REQUIRED: "缺少健康信息授权 / no consent for health information",
}


class LeadRejected(ApplicationError):
    """The payload cannot become a lead; the inbox quarantines it with this code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(
            code, MESSAGES.get(code, code) + (f": {detail}" if detail else ""), status=422
        )
