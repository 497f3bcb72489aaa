"""WeCom connector error codes (callbacks answer them as 4xx JSON; the command and the admin
show their messages)."""

from __future__ import annotations

from channels import errors as channel_errors

INVALID_SIGNATURE = channel_errors.INVALID_SIGNATURE
STALE_TIMESTAMP = channel_errors.STALE_TIMESTAMP
PAYLOAD_TOO_LARGE = channel_errors.PAYLOAD_TOO_LARGE
UNKNOWN_ACCOUNT = channel_errors.UNKNOWN_ACCOUNT
MALFORMED_BODY = channel_errors.MALFORMED_BODY
UNAVAILABLE = channel_errors.UNAVAILABLE
DECRYPT_FAILED = "decrypt_failed"
WRONG_RECEIVER = "wrong_receiver"
INVALID_AES_KEY = "invalid_aes_key"
INVALID_BASE_URL = "invalid_base_url"
METHOD_NOT_ALLOWED = "method_not_allowed"
MISSING_PARAMETER = "missing_parameter"
INVALID_ACCOUNT = "invalid_account"
CORP_IN_USE = "corp_in_use"

MESSAGES = {
    **channel_errors.MESSAGES,
    DECRYPT_FAILED: "解密失败 / the encrypted message cannot be decrypted",
    WRONG_RECEIVER: "接收方不符 / the message is for another company (receive id)",
    INVALID_AES_KEY: "EncodingAESKey 须为 43 位 / the EncodingAESKey must be 43 base64 characters",
    INVALID_BASE_URL: "API 地址不允许 / the API base URL is not allowed",
    METHOD_NOT_ALLOWED: "仅支持 GET 与 POST / only GET and POST are accepted",
    MISSING_PARAMETER: "缺少参数 / msg_signature, timestamp, nonce (and echostr) are required",
    INVALID_ACCOUNT: "企业微信账户信息不完整或不合法 / invalid WeCom account fields",
    CORP_IN_USE: "该企业 ID 已由另一个启用的账户连接 / another account connects this corp id",
}

STATUS = {
    **channel_errors.STATUS,
    DECRYPT_FAILED: 400,
    WRONG_RECEIVER: 401,
    INVALID_AES_KEY: 400,
    INVALID_BASE_URL: 400,
    METHOD_NOT_ALLOWED: 405,
    MISSING_PARAMETER: 400,
    INVALID_ACCOUNT: 400,
    CORP_IN_USE: 409,
}
