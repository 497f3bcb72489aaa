"""Landing error codes: every refusal is a 4xx with one of these codes, never a 500. The
messages are what a patient reads (Chinese sentences); codes shared with intake are
funnel's (`funnel.errors`), said here in a patient's words."""

from __future__ import annotations

from funnel.errors import (
    CONSENT_REQUIRED,
    INVALID_PHONE,
    INVALID_VALUE,
    MISSING_PHONE,
    PERSON_ANONYMIZED,
    PHONE_CHANGED,
    PROCESSING_FAILED,
    STRING_UNICODE,
    UNMAPPED,
)

TOO_FAST = "too_fast"
TICKET_INVALID = "ticket_invalid"
RATE_LIMITED = "rate_limited"
CONSENT_VERSION_STALE = "consent_version_stale"
NO_CONSENT_TEXT = "no_consent_text"
LINK_EXPIRED = "link_expired"
LINK_INVALID = "link_invalid"
LINK_REVOKED = "link_revoked"
# A genuine link whose plan was erased with its person (withdrawal or retention purge): 410,
# said neutrally (whoever holds a forwarded link learns nothing about the person).
LINK_GONE = "link_gone"
UNKNOWN_PACKAGE = "unknown_package"
INVALID_FORM = "invalid_form"
NO_VISITOR = "no_visitor"
CROSS_ORIGIN = "cross_origin"
SUBMIT_FAILED = "submit_failed"
CONSENT_TEXT_IMMUTABLE = "consent_text_immutable"

MESSAGES = {
    TOO_FAST: "提交过快，请稍后再试",
    TICKET_INVALID: "页面已过期，请刷新后再提交",
    RATE_LIMITED: "提交次数过多，请稍后再试",
    CONSENT_REQUIRED: "请阅读并勾选健康信息授权后再提交",
    CONSENT_VERSION_STALE: "授权文本已更新，请阅读新版本后重新勾选",
    NO_CONSENT_TEXT: "暂未配置授权文本，暂不能提交",
    LINK_EXPIRED: "链接已过期，请联系您的医助获取新链接",
    LINK_INVALID: "链接无效",
    LINK_REVOKED: "此链接已被撤销，请联系您的医助获取新链接",
    LINK_GONE: "此链接已失效",
    UNKNOWN_PACKAGE: "服务包不存在或已下架",
    INVALID_FORM: "请检查以下标红的内容",
    NO_VISITOR: "没有服务器分配的访客标识",
    CROSS_ORIGIN: "请求不是从本站页面发出的",
    SUBMIT_FAILED: "提交未成功，请检查后重试",
    CONSENT_TEXT_IMMUTABLE: "已发布的授权文本不能修改：请新建一个版本（新的版本号）",
    # Intake's codes (funnel.errors.QUARANTINE_REASONS), said to a patient: each refusal the
    # form can get has its own sentence (a generic one misleads: a withdrawn person re-sending
    # the same submission must learn why it was not taken, not to retry).
    MISSING_PHONE: "请填写手机号",
    INVALID_PHONE: "请填写正确的手机号",
    PERSON_ANONYMIZED: (
        "您此前已撤回授权，这次提交未被保存。如需重新咨询，请刷新页面后重新填写并勾选授权"
    ),
    PHONE_CHANGED: (
        "这次提交的手机号与先前同一次提交不一致，已转人工核对；如需更换手机号，请刷新页面后重新提交"
    ),
    UNMAPPED: "提交内容无法识别，请刷新页面后重新填写",
    INVALID_VALUE: "部分内容无法保存，请检查填写的内容后重新提交",
    STRING_UNICODE: "部分内容含无法识别的字符，请检查填写的内容后重新提交",
    PROCESSING_FAILED: "提交已保存，正在处理中，请稍后刷新页面",
}
DEFAULT_MESSAGE = "信息有误，请检查后重新提交"

# Where a refusal is shown on the form: next to the field the visitor has to fix (phones
# scroll there); refusals that no field can fix sit right above the submit button.
ERROR_FIELD = {
    CONSENT_REQUIRED: "consent",
    CONSENT_VERSION_STALE: "consent",
    INVALID_PHONE: "phone",
    MISSING_PHONE: "phone",
}
