"""Funnel error codes, the one place each is defined. A payload rejected with an intake code is
quarantined, never dropped; the others are refusals a view answers as 4xx JSON (never a 500).
Messages are for staff and API callers (Chinese first); a page a patient sees says it in its
own words (`landing.errors`)."""

from __future__ import annotations

from config.errors import ApplicationError

# Intake: why a record could not become a lead (kept in quarantine with this code).
MISSING_PHONE = "missing_phone"
INVALID_PHONE = "invalid_phone"
CONSENT_REQUIRED = "consent_required"
INVALID_CONSENT_TIME = "invalid_consent_time"  # funnel.consent.consent_time_read
CONSENT_TIME_IN_FUTURE = "consent_time_in_future"
UNMAPPED = "unmapped"
ALREADY_PROCESSED = "already_processed"
PERSON_ANONYMIZED = "person_anonymized"
INVALID_VALUE = "invalid_value"
# A re-send of a processed record (same source and external id) names another person: held
# for staff review instead of quietly becoming a second lead.
PHONE_CHANGED = "phone_changed"
# A lone surrogate (U+D800–U+DFFF) in a received string: it cannot be encoded as UTF-8. The
# lead API refuses the body (422); a platform record is kept with U+FFFD in its place and held.
STRING_UNICODE = "string_unicode"
# A record whose processing kept failing for a reason outside its content (its channel's
# platform refusing a call it needs, a handler error): set aside after
# `intake.PROCESS_ATTEMPTS` tries so the sweep moves on; staff replay it from quarantine.
PROCESSING_FAILED = "processing_failed"
# Every reason intake can quarantine a record with (a page that submits through intake, the
# landing form, has a sentence for each: tests/landing/test_refusal_messages.py).
QUARANTINE_REASONS = (
    MISSING_PHONE,
    INVALID_PHONE,
    CONSENT_REQUIRED,
    UNMAPPED,
    PERSON_ANONYMIZED,
    INVALID_VALUE,
    PHONE_CHANGED,
    STRING_UNICODE,
    PROCESSING_FAILED,
)

# Stages and orders.
UNKNOWN_STAGE = "unknown_stage"
FORBIDDEN_TRANSITION = "forbidden_transition"
AMOUNT_REQUIRED = "amount_required"
INVALID_AMOUNT = "invalid_amount"

# Identity and privacy.
SAME_LEAD = "same_lead"
MARKED_DISTINCT = "marked_distinct"
REVEAL_FORBIDDEN = "reveal_forbidden"
WITHDRAW_FORBIDDEN = "withdraw_forbidden"  # 403: no funnel.withdraw_consent
ALREADY_ANONYMIZED = "already_anonymized"  # 409: withdrawn or purged before

# Assignment, follow-ups, groups.
ASSISTANT_UNAVAILABLE = "assistant_unavailable"
FOLLOWUP_CLOSED = "followup_closed"
FOLLOWUP_NOT_FOUND = "followup_not_found"
INVALID_SNOOZE = "invalid_snooze"
GROUP_FULL = "group_full"
GROUP_CLOSED = "group_closed"
ALREADY_MEMBER = "already_member"
NOT_MEMBER = "not_member"

# Lead API.
INVALID_BODY = "invalid_body"
INVALID_TOKEN = "invalid_token"  # noqa: S105  an error code, not a secret
INSUFFICIENT_SCOPE = "insufficient_scope"  # 403: the token may not call this endpoint
MALFORMED_BODY = "malformed_body"
LEAD_NOT_FOUND = "lead_not_found"
UNKNOWN_PACKAGE = "unknown_package"
EMPTY_EVENT = "empty_event"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
IDEMPOTENCY_KEY_TOO_LONG = "idempotency_key_too_long"
IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
UNKNOWN_CHANNEL = "unknown_channel"
PAYLOAD_TOO_LARGE = "payload_too_large"
SLA_CHECK_NOT_CLOSABLE = "sla_check_not_closable"

# Staff forms that act once (`funnel.services.idempotency.form_submit_once`).
FORM_TOKEN_INVALID = "form_token_invalid"  # noqa: S105  an error code, not a secret
FORM_RESUBMITTED = "form_resubmitted"

# Notifier: the WeCom group robot answered with a redirect. Never followed (the robot key is in
# the URL, a 307/308 would re-send the message to the Location); the message stays queued.
UNEXPECTED_REDIRECT = "unexpected_redirect"

MESSAGES = {
    MISSING_PHONE: "没有手机号 / no phone number",
    INVALID_PHONE: "手机号无效 / the phone number is not valid",
    CONSENT_REQUIRED: "缺少健康信息授权 / no consent for health information",
    INVALID_CONSENT_TIME: "授权时间无法识别或超出范围 / the consent time cannot be read",
    CONSENT_TIME_IN_FUTURE: "授权时间在未来 / the consent time is in the future",
    UNMAPPED: "无法识别的线索格式 / no normalized payload",
    ALREADY_PROCESSED: "该原始线索已入库为线索，修改请在线索页进行",
    PERSON_ANONYMIZED: "此人已撤回授权或超过保存期限，原始记录已匿名化：同一记录的重发不再入库",
    INVALID_VALUE: "字段值无法保存 / a value cannot be stored",
    PROCESSING_FAILED: "多次处理失败，已暂存待人工处理 / processing kept failing; set aside",
    PHONE_CHANGED: "同一来源记录重发时手机号变了，待人工核对 / a re-send of this record carries "
    "another phone: held for review",
    STRING_UNICODE: "文本含无效的 Unicode 字符（孤立代理项 U+D800–U+DFFF）/ a string holds a lone "
    "surrogate",
    UNKNOWN_STAGE: "未知阶段",
    FORBIDDEN_TRANSITION: "不允许的阶段变更",
    AMOUNT_REQUIRED: "支付需要金额",
    INVALID_AMOUNT: "金额无效",
    SAME_LEAD: "同一条线索",
    MARKED_DISTINCT: "这两条线索已被标记为不同的人，不能合并",
    REVEAL_FORBIDDEN: "没有查看完整信息的权限",
    WITHDRAW_FORBIDDEN: "没有撤回患者授权的权限",
    ALREADY_ANONYMIZED: "此人已撤回授权或超过保存期限，个人信息已匿名化，无需再次操作",
    INVALID_BODY: "请求字段无效",
    INVALID_TOKEN: "Bearer token missing or unknown",
    INSUFFICIENT_SCOPE: "此 API 令牌无权调用该接口 / the token's scopes do not cover this endpoint",
    MALFORMED_BODY: "请求体不是有效的 JSON",
    LEAD_NOT_FOUND: "线索不存在",
    UNKNOWN_PACKAGE: "服务包不存在",
    EMPTY_EVENT: "需要 stage 或 note",
    IDEMPOTENCY_KEY_REUSED: "同一个 Idempotency-Key 已用于不同的请求内容",
    IDEMPOTENCY_KEY_TOO_LONG: "Idempotency-Key 最长 128 个字符 / the key is over 128 characters",
    IDEMPOTENCY_KEY_INVALID: "Idempotency-Key 含控制字符 / the key has control characters",
    UNKNOWN_CHANNEL: "未知渠道 / channel must be one of: ",
    PAYLOAD_TOO_LARGE: "请求体过大 / the body is too large",
    SLA_CHECK_NOT_CLOSABLE: "加微时限检查在加微后自动关闭，不能手动完成或推迟",
    FORM_TOKEN_INVALID: "表单已失效，请刷新页面后重新提交",
    FORM_RESUBMITTED: "该操作已提交，未重复记录",
    ASSISTANT_UNAVAILABLE: "该医助已离职，不能接收线索",
    FOLLOWUP_CLOSED: "此跟进已完成或已取消",
    FOLLOWUP_NOT_FOUND: "跟进不存在",
    INVALID_SNOOZE: "请选择有效的稍后提醒时间（须晚于现在）",
    GROUP_FULL: "社群已满员",
    GROUP_CLOSED: "社群已结营，不能再加入",
    ALREADY_MEMBER: "已在此社群中",
    NOT_MEMBER: "不在此社群中",
    UNEXPECTED_REDIRECT: "群机器人地址返回了跳转，已拒绝 / the robot URL answered with a redirect",
}


class ReplayRefused(ApplicationError):
    """A replay that cannot apply (the record is already a lead)."""

    def __init__(self, code: str, *, lead_id: int | None) -> None:
        super().__init__(
            code,
            MESSAGES.get(code, code) + (f"（线索 #{lead_id}）" if lead_id else ""),
            status=409,
            extra={"lead_id": lead_id},
        )


class LeadRejected(ApplicationError):
    """The payload cannot become a lead; intake quarantines it with this code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(
            code, MESSAGES.get(code, code) + (f": {detail}" if detail else ""), status=422
        )


# A write into a withdrawn or purged person's record (a note, a stage, an order, a follow-up,
# a group, a merge, an edit): refused with ALREADY_ANONYMIZED and this message, so nothing
# recontacts or re-identifies them (PIPL Art. 15: withdrawal stops processing).
ANONYMIZED_WRITE = "此人已撤回授权或超过保存期限，个人信息已匿名化：不能再记录、变更或合并"


def lead_live_require(lead: object) -> None:
    """Refuse a write into an anonymized lead: `already_anonymized` 409 (every service that
    writes into one lead calls it, on the row it locked, so every caller is covered). `lead`:
    anything with `anonymized_at` (a Lead)."""
    if getattr(lead, "anonymized_at", None) is not None:
        raise ApplicationError(ALREADY_ANONYMIZED, ANONYMIZED_WRITE, status=409)


def refusal(code: str, *, status: int = 409) -> ApplicationError:
    """A refusal with its code's message (desk actions: reassign, follow-ups, groups)."""
    return ApplicationError(code, MESSAGES[code], status=status)
