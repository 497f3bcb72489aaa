"""The welcome message (WECOM_FACTS.md, "Welcome message"; WeCom doc 92137): an
`add_external_contact` event carries a `WelcomeCode`; `externalcontact/send_welcome_msg` with it
writes to the patient as the member, **once, within 20 seconds** of the event.

How it goes:
1. `welcome_plan` runs inside the processing of the add event (`channels.wecom.services`, in
   the intake batch's transaction): it records one `WecomWelcome` row per (account, code) —
   a database constraint, so a replayed, re-processed or concurrently processed add finds the
   row and plans nothing more — and, only when it made the row, asks for the send after the
   commit.
2. `welcome_send` runs right after that commit, in the worker that processed the event (no
   second queue hop: the code is good for 20 s; no sweep either, for the same reason). It
   claims the row (pending → sending, one UPDATE: one sender), then decides and records one
   outcome: sent; failed (WeCom's errcode, an HTTP 5xx, the network: the code alone is kept,
   never WeCom's text); or not sent, with the reason (no template, the text failed the
   compliance check or no checker is installed, the code already older than 20 s, the
   person anonymized meanwhile). Failures never raise: the callback was answered long before,
   and the other events of the batch were committed with this one.

The text: the specialty's template (else the default one), the lead's care-plan link when the
lead has a plan (`funnel.patient_links`: landing provides it), and the consent notice, which
the sender adds so that no template can drop it. The whole text goes through the medical-ad
checker (`funnel.public_text`: cms provides it); a blocking finding stops the send. Every
outcome but "no template" is also a note on the lead's timeline.

An add that binds no lead (未匹配: a known phone's unverified code, a stranger scanning a
screenshot, a code of ours we cannot read) gets the *plain* welcome: the template of the
specialty its submission chose and the notice with that submission's consent version, no
care-plan link, no timeline note. It is what a new phone's first add receives too, so the
welcome does not tell a visitor who typed someone's phone whether the clinic knew them."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from functools import partial

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels.errors import PlatformError
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomContact, WecomWelcome, WecomWelcomeTemplate
from funnel import events as lead_events
from funnel.outbound import DEADLINE, DEADLINE_IN_FLIGHT
from funnel.patient_links import careplan_link_for
from funnel.public_text import public_text_problems

logger = logging.getLogger("yinliu.channels.wecom")

# WeCom accepts the code for 20 seconds after the event (doc 92137); later we do not even try.
WELCOME_WINDOW = dt.timedelta(seconds=20)
# WeCom's limit on the text (4000 bytes, [S]); templates are far shorter.
MAX_TEXT_BYTES = 4000
CAREPLAN_MARK = "〔护理计划链接〕"

NO_TEMPLATE = "no_template"
COMPLIANCE_BLOCKED = "compliance_blocked"
CHECKER_MISSING = "checker_missing"
CODE_EXPIRED = "code_expired"
LEAD_ANONYMIZED = "lead_anonymized"
TEXT_TOO_LONG = "text_too_long"
INTERNAL_ERROR = "internal_error"
INTERRUPTED = "interrupted"
# Sent or not, nobody knows: the timeline says 结果未知, not 发送失败 (the patient may have it).
UNKNOWN_OUTCOME = {INTERRUPTED, DEADLINE_IN_FLIGHT}

REASONS = {
    NO_TEMPLATE: "未配置欢迎语模板（该专科与默认均无）",
    COMPLIANCE_BLOCKED: "欢迎语未通过医疗广告合规检查",
    CHECKER_MISSING: "合规检查不可用，未发送",
    CODE_EXPIRED: "欢迎语 code 已超过 20 秒有效期",
    LEAD_ANONYMIZED: "患者已撤回授权",
    TEXT_TOO_LONG: "欢迎语超过 4000 字节",
    INTERNAL_ERROR: "发送时出错（见日志）",
    INTERRUPTED: "发送中断（处理进程退出），结果未知；code 已过期，不再补发",
    "41051": "该客户已收到其他应用的欢迎语（41051）",
    # funnel.outbound: without a broker the welcome is sent inside the callback request
    DEADLINE: "回调时限内已无时间调用企业微信，未发出（未配置 Redis 时，欢迎语在回调请求内发送）",
    DEADLINE_IN_FLIGHT: (
        "企业微信未在回调时限内应答，结果未知（可能已送达，请勿重复问候；"
        "未配置 Redis 时，欢迎语在回调请求内发送）"
    ),
}


def reason_label(reason: str) -> str:
    """Chinese words for a reason code (a WeCom errcode or an HTTP failure reads as itself)."""
    if reason in REASONS:
        return REASONS[reason]
    if reason.startswith("http_") or reason == "network":
        return f"企业微信接口不可用（{reason}）"
    return f"企业微信拒绝（错误码 {reason}）" if reason else ""


def consent_notice(*, consent_version: str, has_careplan: bool) -> str:
    """The personal-information notice every welcome carries (PIPL Art. 17, 29: purpose, and how
    to withdraw): the version of the text the person agreed to, when we have it."""
    version = f"（授权文本版本 {consent_version}）" if consent_version else ""
    where = "直接告诉您的医助即可" + ("，或在护理计划页点击「撤回授权」" if has_careplan else "")
    return (
        f"【个人信息告知】您提交的健康信息仅用于本次咨询与后续健康服务，加密保存，不另作他用"
        f"{version}。您可随时撤回授权并要求删除这些信息：{where}。"
    )


def welcome_template_for(*, specialty_id: int | None) -> WecomWelcomeTemplate | None:
    """The specialty's active template, else the active default one (no specialty)."""
    q = Q(specialty__isnull=True)
    if specialty_id is not None:
        q |= Q(specialty_id=specialty_id)
    found = list(WecomWelcomeTemplate.objects.filter(q, is_active=True))
    own = [t for t in found if t.specialty_id is not None]
    return (own or found or [None])[0]


def welcome_text(*, template_text: str, consent_version: str, careplan_link: str | None) -> str:
    """The message as the patient reads it: template, care-plan link (when any), notice."""
    parts = [template_text.strip()]
    if careplan_link:
        parts.append(f"您的护理计划：{careplan_link}")
    parts.append(consent_notice(consent_version=consent_version, has_careplan=bool(careplan_link)))
    return "\n\n".join(p for p in parts if p)


def code_key(welcome_code: str) -> str:
    """Keyed digest of a welcome code (the row is found by it; the code itself is not kept)."""
    key = ("wecom-welcome\0" + django_settings.PHONE_HASH_KEY).encode("utf-8")
    return hmac.new(key, welcome_code.encode("utf-8"), hashlib.sha256).hexdigest()


def welcome_plan(
    *,
    account: WecomAccount,
    contact: WecomContact,
    lead_id: int | None,
    welcome_code: str,
    event_at: dt.datetime,
    inbound_id: int | None,
    specialty_id: int | None = None,
    consent_version: str = "",
) -> WecomWelcome | None:
    """Inside the add event's processing: record the welcome for this code once and send it
    after the commit. Returns the row when this call made it (None: already planned).

    `lead_id` None: an add that bound no lead (未匹配). It gets the plain welcome: the template
    of `specialty_id` (the submission's page; None: the default template) and the notice with
    `consent_version` (the text that submission showed), no care-plan link. A new phone's
    first welcome has exactly that shape too (a new lead has no plan yet), so scanning the
    code of a phone typed on a form tells nobody whether the clinic knew it (issue 13 point 1)."""
    welcome, created = WecomWelcome.objects.get_or_create(
        account=account,
        code_key=code_key(welcome_code),
        defaults={
            "lead_id": lead_id,
            "specialty_id": None if lead_id else specialty_id,
            "consent_version": "" if lead_id else consent_version[:40],
            "contact": contact,
            "member_userid": contact.member_userid,
            "event_at": event_at,
            "inbound_id": inbound_id,
        },
    )
    if not created:
        return None
    transaction.on_commit(
        partial(welcome_send, welcome_id=welcome.pk, welcome_code=welcome_code), robust=True
    )
    return welcome


def welcome_send(*, welcome_id: int, welcome_code: str, now: dt.datetime | None = None) -> str:
    """Send one planned welcome (outside any transaction) and record the outcome. Returns the
    row's status afterwards ("" when another worker had it). Never raises for WeCom's sake."""
    claimed = WecomWelcome.objects.filter(pk=welcome_id, status=WecomWelcome.Status.PENDING).update(
        status=WecomWelcome.Status.SENDING, updated_at=timezone.now()
    )
    if not claimed:
        return ""
    try:
        return _send_claimed(welcome_id, welcome_code, now or timezone.now())
    except Exception:
        logger.exception("welcome %s: unexpected error", welcome_id)
        return _record(welcome_id, WecomWelcome.Status.FAILED, INTERNAL_ERROR)


def _send_claimed(welcome_id: int, welcome_code: str, now: dt.datetime) -> str:
    welcome = WecomWelcome.objects.select_related("account", "lead").get(pk=welcome_id)
    lead = welcome.lead
    if lead is not None and lead.anonymized_at is not None:
        return _record(welcome_id, WecomWelcome.Status.NOT_SENT, LEAD_ANONYMIZED, event=False)
    if now - welcome.event_at > WELCOME_WINDOW:
        return _record(welcome_id, WecomWelcome.Status.NOT_SENT, CODE_EXPIRED)
    if lead is None:
        # Unmatched: the submission's own choices, nothing of any lead.
        specialty_id, version, link = welcome.specialty_id, welcome.consent_version, None
    else:
        specialty_id, version = lead.specialty_id, lead.consent_version
        link = careplan_link_for(lead_id=lead.pk)
    template = welcome_template_for(specialty_id=specialty_id)
    if template is None:
        return _record(welcome_id, WecomWelcome.Status.NOT_SENT, NO_TEMPLATE, event=False)
    text = welcome_text(template_text=template.text, consent_version=version, careplan_link=link)
    kept = text.replace(link, CAREPLAN_MARK) if link else text
    problems = public_text_problems(text)
    if problems is None:
        return _record(welcome_id, WecomWelcome.Status.NOT_SENT, CHECKER_MISSING, text=kept)
    if problems:
        detail = f"模板 #{template.pk}：" + "；".join(problems)
        return _record(
            welcome_id, WecomWelcome.Status.NOT_SENT, COMPLIANCE_BLOCKED, detail=detail, text=kept
        )
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        return _record(welcome_id, WecomWelcome.Status.NOT_SENT, TEXT_TOO_LONG, text=kept)
    try:
        WecomClient(welcome.account).call(
            "POST",
            "externalcontact/send_welcome_msg",
            json={"welcome_code": welcome_code, "text": {"content": text}},
        )
    except PlatformError as exc:
        # The code alone (e.g. "41051", "http_502", "network"): WeCom's own text is logged by
        # the client, never stored where staff read it.
        logger.warning("send_welcome_msg for welcome %s failed: %s", welcome_id, exc)
        return _record(welcome_id, WecomWelcome.Status.FAILED, exc.code[:40], text=kept)
    return _record(welcome_id, WecomWelcome.Status.SENT, "", text=kept, sent_at=timezone.now())


def _record(
    welcome_id: int,
    status: str,
    reason: str,
    *,
    detail: str = "",
    text: str = "",
    sent_at: dt.datetime | None = None,
    event: bool = True,
) -> str:
    """The outcome on the row and (unless `event` is off) a note on the lead's timeline."""
    with transaction.atomic():
        welcome = WecomWelcome.objects.select_for_update().get(pk=welcome_id)
        welcome.status = status
        welcome.reason = reason
        welcome.detail = (detail or reason_label(reason))[:2000]
        welcome.text = text
        welcome.sent_at = sent_at
        welcome.save(update_fields=["status", "reason", "detail", "text", "sent_at", "updated_at"])
        if event and welcome.lead_id is not None:
            lead_events.event_record(
                lead_events.wecom_welcome_event(
                    lead=welcome.lead_id,
                    member_userid=welcome.member_userid,
                    status="unknown" if reason in UNKNOWN_OUTCOME else status,
                    reason=reason,
                    reason_label=reason_label(reason),
                )
            )
    return status


# ---- sweep (beat) -------------------------------------------------------------------------

# A sender holds a row `sending` for one call at most (connect 5 s + read 30 s, plus a token
# fetch): a row older than this in `sending` lost its worker.
SENDING_STALE = dt.timedelta(minutes=2)
# After the 20 s the after-commit sender would itself record "expired": leave it a minute.
PENDING_STALE = WELCOME_WINDOW + dt.timedelta(minutes=1)


def welcomes_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Beat (`channels.wecom_sweep`): finish welcomes a dead worker left behind. Its code is
    good for 20 s and only its digest is kept, so nothing is ever sent late:
    - `pending` past the window (the after-commit send was lost with its worker) → 未发送 ·
      code 已超过有效期;
    - `sending` past `SENDING_STALE` (the worker died mid-call: WeCom may or may not have
      delivered it) → 发送失败 · 发送中断, 结果未知.
    Each row is taken by one conditional UPDATE (a live sender or a second sweep cannot
    record it twice) and gets its note on the timeline. Returns how many were finished."""
    now = now or timezone.now()
    finished = 0
    lost = WecomWelcome.objects.filter(
        status=WecomWelcome.Status.PENDING, event_at__lt=now - PENDING_STALE
    ).values_list("pk", flat=True)[:limit]
    for pk in list(lost):
        if WecomWelcome.objects.filter(pk=pk, status=WecomWelcome.Status.PENDING).update(
            status=WecomWelcome.Status.SENDING, updated_at=now
        ):
            _record(pk, WecomWelcome.Status.NOT_SENT, CODE_EXPIRED)
            finished += 1
    died = WecomWelcome.objects.filter(
        status=WecomWelcome.Status.SENDING,
        updated_at__lt=now - SENDING_STALE,
        event_at__lt=now - PENDING_STALE,
    ).values_list("pk", "updated_at")[:limit]
    for pk, claimed in list(died):
        # Moved on from the exact claim seen: one sweep records it.
        if WecomWelcome.objects.filter(
            pk=pk, status=WecomWelcome.Status.SENDING, updated_at=claimed
        ).update(updated_at=now):
            _record(pk, WecomWelcome.Status.FAILED, INTERRUPTED)
            finished += 1
    return finished
