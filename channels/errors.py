"""Channel error codes (webhooks answer them as 4xx JSON; connectors raise PlatformError)."""

from __future__ import annotations

from config.errors import ApplicationError

INVALID_SIGNATURE = "invalid_signature"
STALE_TIMESTAMP = "stale_timestamp"
MALFORMED_BODY = "malformed_body"
PAYLOAD_TOO_LARGE = "payload_too_large"
UNKNOWN_ACCOUNT = "unknown_account"
UNKNOWN_CHANNEL = "unknown_channel"
METHOD_NOT_ALLOWED = "method_not_allowed"
UNAVAILABLE = "unavailable"
WEBHOOK_SECRET_MISSING = "webhook_secret_missing"  # noqa: S105  (an error code)
INVALID_API_BASE_URL = "invalid_api_base_url"
# A platform API answered with a redirect: never followed (the token would go with it).
UNEXPECTED_REDIRECT = "unexpected_redirect"
# An account's settings (其他配置) hold a value a connector cannot use
# (`channels.account_settings`).
INVALID_SETTINGS = "invalid_settings"

MESSAGES = {
    INVALID_SIGNATURE: "签名校验失败 / the signature does not match",
    STALE_TIMESTAMP: "时间戳过期 / the timestamp is too old or in the future",
    MALFORMED_BODY: "请求体格式错误 / the body cannot be read as a lead",
    PAYLOAD_TOO_LARGE: "请求体过大 / the body is too large",
    UNKNOWN_ACCOUNT: "未知账户 / no such active account on this channel",
    UNKNOWN_CHANNEL: "未知渠道 / this channel has no push webhook",
    METHOD_NOT_ALLOWED: "仅支持 POST / only POST is accepted",
    UNAVAILABLE: "请稍后重试 / storage is unavailable, retry later",
    WEBHOOK_SECRET_MISSING: "该账户未配置推送密钥，拒绝推送 / the account has no webhook secret",
    INVALID_API_BASE_URL: "API 地址不是该平台的官方地址 / not one of the platform's API hosts",
    UNEXPECTED_REDIRECT: "平台接口返回了跳转，已拒绝 / the platform API answered with a redirect",
    INVALID_SETTINGS: "账户的其他配置有误，请在广告账户中修改 / the account's settings are invalid",
}

STATUS = {
    INVALID_SIGNATURE: 401,
    STALE_TIMESTAMP: 401,
    MALFORMED_BODY: 400,
    PAYLOAD_TOO_LARGE: 413,
    UNKNOWN_ACCOUNT: 404,
    UNKNOWN_CHANNEL: 404,
    METHOD_NOT_ALLOWED: 405,
    UNAVAILABLE: 503,
    WEBHOOK_SECRET_MISSING: 403,
}


class WebhookRejected(ApplicationError):
    def __init__(self, code: str, *, inbound_id: int | None = None) -> None:
        extra = {"inbound_id": inbound_id} if inbound_id is not None else {}
        super().__init__(code, MESSAGES[code], status=STATUS[code], extra=extra)


class PlatformError(Exception):
    """A platform answered with an error envelope (or an HTTP error).

    Its text is the code alone: the text goes to the admin (the account's last error, alerts,
    the outbox), and `message` comes from the remote side, so it is only ever logged. Errors
    whose message we wrote ourselves (`remote = False`) keep it in their text."""

    remote = True

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message and not self.remote else str(code))
        self.code = str(code)
        self.message = message


class RateLimited(PlatformError):
    """Back off: the checkpoint must not move and the pull is retried later."""


class TokenExpired(PlatformError):
    """The access token is dead: refresh once, store the new pair, retry."""


class Transient(PlatformError):
    """5xx or a network failure: retry later."""


class PageCapReached(PlatformError):
    """The server kept saying there were more pages past `max_pages`: stop rather than loop
    forever (the window is closed; the account records the error for staff to look at)."""

    remote = False  # our own words


class SettingsInvalid(PlatformError):
    """An account's stored settings hold a value a connector cannot use. Raised where the
    value is read, so a pull or spend import records it on the account and a postback on its
    outbox delivery, like any platform failure; staff fix it in 广告账户 → 其他配置."""

    remote = False  # our own words: the key and what is wrong with its value

    def __init__(self, problem: str) -> None:
        super().__init__(INVALID_SETTINGS, f"{MESSAGES[INVALID_SETTINGS]}: {problem}")
