"""WeCom writes: connect a company, and turn stored callbacks into funnel facts.

Callbacks are stored first as intake records (channel `wecom`, see `channels.wecom.webhook`);
`events_process` is their intake handler (registered in `ChannelsConfig.ready()`), run by the
funnel's intake processing after the record is committed (the task, or the sweep if the task
was lost). Facts: WECOM_FACTS.md ("Callback events", "联系我").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from channels.base import api_url_problem
from channels.wecom import crypto
from channels.wecom import errors as wecom_errors
from channels.wecom.contactways import channel_lead
from channels.wecom.models import (
    OFFICIAL_BASE_URL,
    WECOM_API_DOMAINS,
    WecomAccount,
    WecomContact,
    WecomContactWay,
)
from channels.wecom.state import lead_from_state
from channels.wecom.welcome import welcome_plan
from config.errors import ApplicationError
from funnel import events as lead_events
from funnel.models import Channel, FollowUp, InboundLead, Lead, Stage
from funnel.payload import IngestResult
from funnel.services.stages import lead_stage_change, transition_allowed

logger = logging.getLogger("yinliu.channels.wecom")


def _refuse(code: str, detail: str = "") -> ApplicationError:
    message = wecom_errors.MESSAGES[code] + (f": {detail}" if detail else "")
    return ApplicationError(code, message, status=wecom_errors.STATUS[code])


def base_url_check(url: str) -> str:
    """The API base URL, checked by the rule every platform account follows
    (`channels.base.api_url_problem`): https on WeCom's own host, or the sandbox on this machine
    where settings.CHANNELS_SANDBOX_URLS_ALLOWED. Blank means the official host. Returns it
    without a trailing slash; raises ApplicationError `invalid_base_url` (400)."""
    url = (url or "").strip() or OFFICIAL_BASE_URL
    problem = api_url_problem(url, WECOM_API_DOMAINS)
    if problem:
        raise _refuse(wecom_errors.INVALID_BASE_URL, f"{url[:200]!r}: {problem}")
    return url.rstrip("/")


def aes_key_check(aes_key: str) -> str:
    try:
        crypto.aes_key(aes_key)
    except crypto.CryptoError as exc:
        raise _refuse(wecom_errors.INVALID_AES_KEY) from exc
    return aes_key


def wecom_account_create(
    *,
    name: str,
    corp_id: str,
    secret: str,
    agent_id: str,
    token: str,
    aes_key: str,
    api_base_url: str = "",
) -> tuple[WecomAccount, bool]:
    """Create or update a company by name (the callback URL names it). Raises
    ApplicationError 400 `invalid_account` for a name the callback route cannot match, or an
    empty or over-long corp id, secret, agent id or token (`account_field_problems`, the admin
    form's rules too), `invalid_aes_key` / `invalid_base_url` as the form does, and 409
    `corp_in_use` when another active account already connects the corp id."""
    problems = account_field_problems(
        name=name, corp_id=corp_id, secret=secret, agent_id=agent_id, token=token
    )
    if problems:
        raise _refuse(wecom_errors.INVALID_ACCOUNT, "；".join(problems.values()))
    aes_key_check(aes_key)
    if corp_id_taken(corp_id=corp_id, other_than=name):
        raise _refuse(wecom_errors.CORP_IN_USE, corp_id.strip())
    values = {
        "corp_id": corp_id.strip(),
        "secret": secret,
        "agent_id": str(agent_id).strip(),
        "token": token,
        "aes_key": aes_key,
        "api_base_url": base_url_check(api_base_url),
    }
    return WecomAccount.objects.update_or_create(name=name, defaults=values)


_ACCOUNT_NAME = re.compile(r"^[-\w]{1,80}$")


# Upper bounds with room above what WeCom's console generates (the columns are encrypted text, so
# the bound is ours): one set of rules for the command and the admin form.
FIELD_LIMITS = {"corp_id": 64, "secret": 200, "agent_id": 32, "token": 64}
FIELD_LABELS = {"corp_id": "企业 ID", "secret": "Secret", "agent_id": "AgentId", "token": "Token"}


def account_field_problems(
    *, name: str, corp_id: str, secret: str, agent_id: str, token: str
) -> dict[str, str]:
    """Field name → zh-hans problem, empty when the fields can make an account: a name the
    callback route matches, and a corp id, secret, agent id and token present and within
    `FIELD_LIMITS` (characters)."""
    problems: dict[str, str] = {}
    if not _ACCOUNT_NAME.fullmatch(name or ""):
        problems["name"] = "账户名只能用字母、数字、汉字、- 和 _（1–80 个字符），回调地址以它为标识"
    values = {"corp_id": corp_id, "secret": secret, "agent_id": str(agent_id or ""), "token": token}
    for field, limit in FIELD_LIMITS.items():
        value = (values[field] or "").strip()
        if not value:
            problems[field] = f"{FIELD_LABELS[field]} 不能为空"
        elif len(value) > limit:
            problems[field] = f"{FIELD_LABELS[field]} 超过 {limit} 个字符"
    return problems


def corp_id_taken(*, corp_id: str, other_than: str) -> bool:
    """Whether an active account other than the one named `other_than` connects `corp_id`:
    one company is one account (two would import its members' behaviour twice and answer its
    callbacks twice). The database constraint `wecomaccount_active_corp_unique` decides races."""
    return (
        WecomAccount.objects.filter(corp_id__iexact=corp_id.strip(), is_active=True)
        .exclude(name=other_than)
        .exists()
    )


def external_key(external_userid: str) -> str:
    """Keyed fingerprint of an external userid (found without decrypting every row)."""
    key = ("wecom-external\0" + django_settings.PHONE_HASH_KEY).encode("utf-8")
    return hmac.new(key, external_userid.encode("utf-8"), hashlib.sha256).hexdigest()


def event_time(raw: dict[str, Any]) -> dt.datetime:
    text = str(raw.get("CreateTime") or "")
    if text.isdigit() and len(text) <= 12:
        return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
    return timezone.now()


# ---- processing (intake handler) ----------------------------------------------------------


def events_process(rows: list[InboundLead]) -> list[IngestResult]:
    """One outcome per stored callback, in order (the funnel intake records it on the row)."""
    accounts = {
        a.name: a for a in WecomAccount.objects.filter(name__in={r.account_name for r in rows})
    }
    return [_process_one(row, accounts.get(row.account_name)) for row in rows]


def _process_one(row: InboundLead, account: WecomAccount | None) -> IngestResult:
    raw = row.raw if isinstance(row.raw, dict) else {}
    if account is None:
        return IngestResult(result="ignored", inbound_id=row.pk, detail="no such WeCom account")
    event = str(raw.get("Event") or "")
    change = str(raw.get("ChangeType") or "")
    if event == "change_external_contact" and change == "transfer_fail":
        from channels.wecom.transfers import transfer_failed

        return transfer_failed(row, account, raw)
    if event == "change_external_chat":
        from channels.wecom.groups import chat_changed

        return chat_changed(row, account, raw, at=event_time(raw))
    handler = CONTACT_HANDLERS.get(change) if event == "change_external_contact" else None
    if handler is None:
        return IngestResult(result="ignored", inbound_id=row.pk, detail=f"{event}/{change}"[:200])
    fields = _EventFields.read(raw)
    if fields is None:
        return IngestResult(result="ignored", inbound_id=row.pk, detail="no UserID/ExternalUserID")
    return handler(row, account, fields)


@dataclass(frozen=True)
class _EventFields:
    """What every customer-contact event names: the member, the customer, when, and (adds)
    the state and welcome code."""

    member: str
    external: str
    at: dt.datetime
    state: str
    welcome_code: str

    @classmethod
    def read(cls, raw: dict[str, Any]) -> _EventFields | None:
        member = str(raw.get("UserID") or "")[:64]
        external = str(raw.get("ExternalUserID") or "")
        if not member or not external:
            return None
        return cls(
            member=member,
            external=external,
            at=event_time(raw),
            state=str(raw.get("State") or "")[:80],
            welcome_code=str(raw.get("WelcomeCode") or "")[:512],
        )


ContactHandler = Callable[[InboundLead, WecomAccount, _EventFields], IngestResult]


def _contact_locked(
    account: WecomAccount, ev: _EventFields, *, defaults: dict[str, Any]
) -> tuple[WecomContact, bool]:
    """The contact row for (account, member, customer), locked; made from `defaults` when new
    (two workers making it at once: the constraint keeps one, the other reads it)."""
    return WecomContact.objects.select_for_update().get_or_create(
        account=account,
        member_userid=ev.member,
        external_key=external_key(ev.external),
        defaults={"external_userid": ev.external, "last_event_at": ev.at, **defaults},
    )


def _is_newest(contact: WecomContact, at: dt.datetime) -> bool:
    """An event may set the contact's status only if no newer status event was applied (events
    arrive out of order; CreateTime decides, not arrival). Same second: the later arrival."""
    return contact.last_event_at is None or at >= contact.last_event_at


def _lead_for_state(state: str, account: WecomAccount, external: str) -> Lead | None:
    """The lead a genuine state names, if this customer may be bound to it.

    A withdrawn or purged person's old code names an anonymized lead: never linked again. A
    lead's code binds one person: once a customer of this company is bound to the lead, an
    add by anyone else through the same code (a screenshot of the thank-you or care-plan page
    scanned by a stranger) stays 未匹配 for staff to bind, so the welcome message with the
    patient's care-plan link never reaches them. The lead row is locked: two strangers at
    once cannot both pass."""
    lead_id = lead_from_state(state) or channel_lead(account=account, state=state)
    if not lead_id:
        return None
    lead = Lead.objects.select_for_update().filter(pk=lead_id, anonymized_at__isnull=True).first()
    if lead is None:
        return None
    someone_else = (
        WecomContact.objects.filter(account=account, lead=lead)
        .exclude(external_key=external_key(external))
        .exists()
    )
    return None if someone_else else lead


def _bind_lead(contact: WecomContact, lead: Lead | None, changed: list[str]) -> bool:
    """Fill in the lead (and keep the state) when the contact has none yet; True if bound."""
    if contact.lead_id is not None or lead is None:
        return False
    contact.lead = lead
    changed.append("lead")
    return True


def _contact_added(row: InboundLead, account: WecomAccount, ev: _EventFields) -> IngestResult:
    """`add_external_contact`: the contact is added (unless a newer event says otherwise), the
    lead named by the state reaches 已加微 at the event's time, and the welcome message is
    planned with the event's code. Replays: one contact, one stage change, one welcome."""
    lead = _lead_for_state(ev.state, account, ev.external)
    contact, created = _contact_locked(
        account,
        ev,
        defaults={
            "state": ev.state,
            "added_at": ev.at,
            "add_recorded_at": timezone.now(),
            "lead": lead,
            "inbound_id": row.pk,
            "status": WecomContact.Status.ADDED,
        },
    )
    current = created
    bound = False
    if not created:
        changed: list[str] = []
        # Whether this event is an add we had not written yet (a scan of a code): not the
        # member accepting a half add (that scan was written then), not a replay.
        another_add = False
        if _is_newest(contact, ev.at):
            current = True
            if contact.status != WecomContact.Status.ADDED:
                # Accepted after a half add, or added again after a deletion.
                another_add = contact.status != WecomContact.Status.PENDING
                contact.status, contact.deleted_at, contact.added_at = (
                    WecomContact.Status.ADDED,
                    None,
                    ev.at,
                )
                changed += ["status", "deleted_at", "added_at"]
            elif contact.last_event_at != ev.at:
                another_add = True  # added again, its deletion's callback lost
            if contact.last_event_at != ev.at:
                contact.last_event_at = ev.at
                changed.append("last_event_at")
        elif contact.added_at is None:
            # The delete came first (out of order): the add is still a fact, the status stays.
            contact.added_at = ev.at
            changed.append("added_at")
            another_add = True
        if not contact.state and ev.state:
            contact.state = ev.state
            changed.append("state")
        if another_add:
            contact.add_recorded_at = timezone.now()
            changed.append("add_recorded_at")
        bound = _bind_lead(contact, lead, changed)
        if changed:
            contact.save(update_fields=[*changed, "updated_at"])
    if contact.lead_id is None:
        if current and contact.status == WecomContact.Status.ADDED and ev.welcome_code:
            _plain_welcome_plan(row, account, contact, ev)
        return IngestResult(result="unmatched", inbound_id=row.pk)
    # The patient did add the member at that time, whatever happened since: the stage history
    # says so (a lead further along keeps its stage).
    contact_mark_contacted(lead_id=contact.lead_id, member_userid=ev.member, at=ev.at)
    if bound and contact.status != WecomContact.Status.ADDED:
        _deletion_effects(contact, at=contact.deleted_at or ev.at)
    if current and contact.status == WecomContact.Status.ADDED and ev.welcome_code:
        welcome_plan(
            account=account,
            contact=contact,
            lead_id=contact.lead_id,
            welcome_code=ev.welcome_code,
            event_at=ev.at,
            inbound_id=row.pk,
        )
    return IngestResult(
        result="contacted" if current else "stale", lead_id=contact.lead_id, inbound_id=row.pk
    )


def _plain_welcome_plan(
    row: InboundLead, account: WecomAccount, contact: WecomContact, ev: _EventFields
) -> None:
    """An unmatched add's welcome: the specialty and consent version its code's submission
    chose (a code of ours kept with them), else the default template with no version.

    A code whose lead is anonymized counts as none: a withdrawal forgets a new phone's code
    but keeps a known phone's unverified row (the staff hint), and a saved 获客链接 still adds
    (the link is the member's), so using that row's choice would tell the two apart (F2 of
    issue 13 point 1)."""
    way = (
        WecomContactWay.objects.filter(
            account=account, state=ev.state, lead__anonymized_at__isnull=True
        )
        .values("specialty_id", "consent_version")
        .first()
        if ev.state
        else None
    ) or {"specialty_id": None, "consent_version": ""}
    welcome_plan(
        account=account,
        contact=contact,
        lead_id=None,
        welcome_code=ev.welcome_code,
        event_at=ev.at,
        inbound_id=row.pk,
        specialty_id=way["specialty_id"],
        consent_version=way["consent_version"],
    )


def _contact_half_added(row: InboundLead, account: WecomAccount, ev: _EventFields) -> IngestResult:
    """`add_half_external_contact`: the patient added the member, who has not accepted yet
    (WECOM_FACTS.md, "Callback events"). A request, not an add: the contact is kept as 待通过
    with its lead and the request's own time (`half_added_at`), and a note goes on the lead's
    timeline (once per request); `added_at`, the stage (已加微) and the welcome all wait for
    the `add_external_contact` that follows the member's acceptance."""
    lead = _lead_for_state(ev.state, account, ev.external)
    contact, created = _contact_locked(
        account,
        ev,
        defaults={
            "state": ev.state,
            "half_added_at": ev.at,
            "add_recorded_at": timezone.now(),  # the scan: it spends a temporary code
            "lead": lead,
            "inbound_id": row.pk,
            "status": WecomContact.Status.PENDING,
        },
    )
    current = created
    requested = created  # a new request: its note goes on the lead (now or when bound)
    if not created:
        changed: list[str] = []
        if _is_newest(contact, ev.at):
            current = True
            if contact.status != WecomContact.Status.PENDING:
                # Asked again after a deletion: the earlier add is over, nothing is added now.
                contact.status, contact.deleted_at, contact.added_at = (
                    WecomContact.Status.PENDING,
                    None,
                    None,
                )
                contact.add_recorded_at = timezone.now()
                changed += ["status", "deleted_at", "added_at", "add_recorded_at"]
                requested = True
            if contact.last_event_at != ev.at:
                contact.last_event_at = ev.at
                changed.append("last_event_at")
        if current or contact.half_added_at is None:
            if contact.half_added_at != ev.at:
                contact.half_added_at = ev.at
                changed.append("half_added_at")
        if not contact.state and ev.state:
            contact.state = ev.state
            changed.append("state")
        bound = _bind_lead(contact, lead, changed)
        if changed:
            contact.save(update_fields=[*changed, "updated_at"])
        if bound and contact.status in DELETED:
            _deletion_effects(contact, at=contact.deleted_at or ev.at)
    if not current:
        return IngestResult(result="stale", lead_id=contact.lead_id, inbound_id=row.pk)
    if contact.lead_id is None:
        return IngestResult(result="unmatched", inbound_id=row.pk)
    if requested:
        lead_events.event_record(
            lead_events.wecom_contact_half_added_event(
                lead=contact.lead_id, member_userid=ev.member, at=ev.at
            )
        )
    return IngestResult(result="pending", lead_id=contact.lead_id, inbound_id=row.pk)


DELETED = (WecomContact.Status.DELETED_BY_CUSTOMER, WecomContact.Status.REMOVED_BY_MEMBER)


def _contact_deleted(status: str) -> ContactHandler:
    def handle(row: InboundLead, account: WecomAccount, ev: _EventFields) -> IngestResult:
        """`del_follow_user` (the patient deleted the member) or `del_external_contact` (the
        member deleted the patient): the contact's status and time, and on the lead a churn
        signal (for the patient's deletion also a supervisor follow-up and a notification);
        once per deletion. A contact not seen yet is recorded deleted (unmatched), so its add
        arriving later cannot bring it back."""
        contact, created = _contact_locked(
            account, ev, defaults={"status": status, "deleted_at": ev.at, "inbound_id": row.pk}
        )
        result = "churn" if status == WecomContact.Status.DELETED_BY_CUSTOMER else "removed"
        if not created:
            if not _is_newest(contact, ev.at):
                return IngestResult(result="stale", lead_id=contact.lead_id, inbound_id=row.pk)
            if contact.status == status:  # the same deletion again: one effect
                return IngestResult(result=result, lead_id=contact.lead_id, inbound_id=row.pk)
            contact.status, contact.deleted_at, contact.last_event_at = status, ev.at, ev.at
            contact.save(update_fields=["status", "deleted_at", "last_event_at", "updated_at"])
        if contact.lead_id is None:
            return IngestResult(result="unmatched", inbound_id=row.pk)
        _deletion_effects(contact, at=ev.at)
        return IngestResult(result=result, lead_id=contact.lead_id, inbound_id=row.pk)

    return handle


def _deletion_effects(contact: WecomContact, *, at: dt.datetime) -> None:
    """What a deletion means for the contact's lead, written once per deletion: when it is
    applied to a contact with a lead, or when a deleted contact gets its lead (the add came
    after the delete, or staff bound it)."""
    from funnel.services.notify import notify
    from funnel.services.routing import lead_supervisor_on_duty

    member = contact.member_userid
    if contact.status == WecomContact.Status.REMOVED_BY_MEMBER:
        lead_events.event_record(
            lead_events.wecom_contact_removed_event(
                lead=contact.lead_id, member_userid=member, at=at
            )
        )
        return
    lead = Lead.objects.select_related("pool__supervisor", "assignee__clinic__supervisor").get(
        pk=contact.lead_id
    )
    lead_events.event_record(
        lead_events.wecom_contact_deleted_event(lead=lead, member_userid=member, at=at)
    )
    # 被删除挽回 is a supervisor's task (issue 16): the lead's responsible supervisor, else
    # any active one; the assistant only when the company has no active supervisor at all.
    supervisor = lead_supervisor_on_duty(lead=lead)
    if supervisor is not None:
        who = supervisor.get_username()
        # the reminder names the supervisor itself (followups_dispatch): not again here
        note = f"患者已在企业微信删除医助 {member}，请跟进挽回"
        owner = {"supervisor": supervisor, "assignee_id": None}
    else:
        who = ""
        note = (
            f"未找到主管（无启用的主管账号），由医助跟进：患者已在企业微信删除医助 {member}，请挽回"
        )
        owner = {"supervisor": None, "assignee_id": lead.assignee_id}
    FollowUp.objects.get_or_create(
        lead=lead,
        kind=FollowUp.Kind.CHURN,
        due_at=at.replace(microsecond=0),
        defaults={**owner, "note": note[:200]},
    )
    transaction.on_commit(
        lambda: notify(
            title="患者删除了医助（企业微信）",
            body=f"{'@' + who + ' ' if who else ''}线索 #{lead.pk}：{note}",
            level="warning",
        ),
        robust=True,
    )


def _contact_edited(row: InboundLead, account: WecomAccount, ev: _EventFields) -> IngestResult:
    """`edit_external_contact` (a remark or tag edited in WeCom): the edit time is kept (the
    newest one); nothing else changes. A contact we do not know is ignored."""
    contact = (
        WecomContact.objects.select_for_update()
        .filter(account=account, member_userid=ev.member, external_key=external_key(ev.external))
        .first()
    )
    if contact is None:
        return IngestResult(result="ignored", inbound_id=row.pk, detail="unknown contact")
    if contact.edited_at is not None and ev.at <= contact.edited_at:
        return IngestResult(result="stale", lead_id=contact.lead_id, inbound_id=row.pk)
    contact.edited_at = ev.at
    contact.save(update_fields=["edited_at", "updated_at"])
    return IngestResult(result="edited", lead_id=contact.lead_id, inbound_id=row.pk)


CONTACT_HANDLERS: dict[str, ContactHandler] = {
    "add_external_contact": _contact_added,
    "add_half_external_contact": _contact_half_added,
    "del_follow_user": _contact_deleted(WecomContact.Status.DELETED_BY_CUSTOMER),
    "del_external_contact": _contact_deleted(WecomContact.Status.REMOVED_BY_MEMBER),
    "edit_external_contact": _contact_edited,
}


def contact_mark_contacted(
    *, lead_id: int, member_userid: str, at: dt.datetime, actor: Any = None
) -> bool:
    """Move the lead to 已加微 at `at` unless it is there or further (replays: no change).
    `actor`: the staff user who bound the contact by hand (the change is theirs); none for a
    callback (the change is WeCom's)."""
    lead = Lead.objects.only("pk", "stage").get(pk=lead_id)
    if not transition_allowed(lead.stage, Stage.CONTACTED):
        return False
    note = f"客户已添加企业微信成员 {member_userid}"
    try:
        lead_stage_change(
            lead_id=lead_id,
            to_stage=Stage.CONTACTED,
            actor=actor,
            actor_label="" if actor is not None else "企业微信",
            note=note + ("（员工绑定未匹配客户）" if actor is not None else ""),
            at=at,
        )
    except ApplicationError:
        # Another worker (a second member's add, staff by hand) moved it first: one change.
        return False
    return True


def contact_bind(*, contact_id: int, lead_id: int, actor: Any = None) -> WecomContact:
    """Staff bind an unmatched contact to a lead: the lead reaches 已加微 at the add's time
    (when the add is known); a contact already deleted also gets its deletion's signal."""
    with transaction.atomic():
        contact = WecomContact.objects.select_for_update().get(pk=contact_id)
        lead = Lead.objects.get(pk=lead_id)
        if lead.anonymized_at is not None or contact.lead_id not in (None, lead.pk):
            # The form says why; a caller that skipped it changes nothing (a withdrawn
            # person is never linked again; a bound contact is never silently moved).
            return contact
        newly = contact.lead_id is None
        contact.lead = lead
        contact.bound_by = (actor.get_username() if actor is not None else "")[:150]
        contact.save(update_fields=["lead", "bound_by", "updated_at"])
        # Only a full add counts (a half add never sets `added_at`, whatever the status now).
        if contact.added_at is not None:
            contact_mark_contacted(
                lead_id=lead.pk,
                member_userid=contact.member_userid,
                at=contact.added_at,
                actor=actor,
            )
        if newly and contact.status in DELETED:
            _deletion_effects(contact, at=contact.deleted_at or timezone.now())
    return contact


def register() -> None:
    """Called from `ChannelsConfig.ready()`: WeCom callbacks are processed here, not as leads."""
    from funnel.services.intake import intake_handler_register

    intake_handler_register(channel=Channel.WECOM, handler=events_process)
