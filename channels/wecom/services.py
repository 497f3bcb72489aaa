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
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from channels.base import api_url_problem
from channels.wecom import crypto
from channels.wecom import errors as wecom_errors
from channels.wecom.models import OFFICIAL_BASE_URL, WECOM_API_DOMAINS, WecomAccount, WecomContact
from channels.wecom.state import lead_from_state
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
    """Create or update a company by name (the callback URL names it)."""
    aes_key_check(aes_key)
    values = {
        "corp_id": corp_id.strip(),
        "secret": secret,
        "agent_id": str(agent_id).strip(),
        "token": token,
        "aes_key": aes_key,
        "api_base_url": base_url_check(api_base_url),
    }
    return WecomAccount.objects.update_or_create(name=name, defaults=values)


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
    if event == "change_external_contact" and change == "add_external_contact":
        return _contact_added(row, account, raw)
    if event == "change_external_contact" and change == "del_follow_user":
        return _contact_deleted_by_customer(row, account, raw)
    if event == "change_external_chat":
        from channels.wecom.groups import chat_changed

        return chat_changed(row, account, raw, at=event_time(raw))
    return IngestResult(result="ignored", inbound_id=row.pk, detail=f"{event}/{change}"[:200])


def _contact_added(row: InboundLead, account: WecomAccount, raw: dict[str, Any]) -> IngestResult:
    member = str(raw.get("UserID") or "")[:64]
    external = str(raw.get("ExternalUserID") or "")
    state = str(raw.get("State") or "")[:80]
    at = event_time(raw)
    if not member or not external:
        return IngestResult(result="ignored", inbound_id=row.pk, detail="no UserID/ExternalUserID")
    lead_id = lead_from_state(state)
    # A withdrawn or purged person's old code names an anonymized lead: never linked again.
    lead = Lead.objects.filter(pk=lead_id, anonymized_at__isnull=True).first() if lead_id else None
    contact, created = WecomContact.objects.select_for_update().get_or_create(
        account=account,
        member_userid=member,
        external_key=external_key(external),
        defaults={
            "external_userid": external,
            "state": state,
            "added_at": at,
            "lead": lead,
            "inbound_id": row.pk,
        },
    )
    if not created:
        changed = []
        if contact.status != WecomContact.Status.ADDED and at > (contact.deleted_at or at):
            # Re-added after a deletion: the contact is back.
            contact.status, contact.deleted_at, contact.added_at = (
                WecomContact.Status.ADDED,
                None,
                at,
            )
            changed += ["status", "deleted_at", "added_at"]
        if contact.lead_id is None and lead is not None:
            contact.lead = lead
            changed.append("lead")
        if changed:
            contact.save(update_fields=[*changed, "updated_at"])
    if contact.lead_id is None:
        return IngestResult(result="unmatched", inbound_id=row.pk)
    contact_mark_contacted(lead_id=contact.lead_id, member_userid=member, at=contact.added_at)
    return IngestResult(result="contacted", lead_id=contact.lead_id, inbound_id=row.pk)


def contact_mark_contacted(*, lead_id: int, member_userid: str, at: dt.datetime) -> bool:
    """Move the lead to 已加微 at `at` unless it is there or further (replays: no change)."""
    lead = Lead.objects.only("pk", "stage").get(pk=lead_id)
    if not transition_allowed(lead.stage, Stage.CONTACTED):
        return False
    try:
        lead_stage_change(
            lead_id=lead_id,
            to_stage=Stage.CONTACTED,
            actor_label="企业微信",
            note=f"客户已添加企业微信成员 {member_userid}",
            at=at,
        )
    except ApplicationError:
        # Another worker (a second member's add, staff by hand) moved it first: one change.
        return False
    return True


def _contact_deleted_by_customer(
    row: InboundLead, account: WecomAccount, raw: dict[str, Any]
) -> IngestResult:
    """`del_follow_user`: the patient deleted the assistant — a churn signal on the lead and a
    follow-up for the supervisor (once: the contact's status changes once)."""
    from funnel.services.notify import notify
    from funnel.services.routing import lead_supervisor

    member = str(raw.get("UserID") or "")[:64]
    external = str(raw.get("ExternalUserID") or "")
    at = event_time(raw)
    contact = (
        WecomContact.objects.select_for_update()
        .filter(account=account, member_userid=member, external_key=external_key(external))
        .first()
    )
    if contact is None:
        return IngestResult(result="ignored", inbound_id=row.pk, detail="unknown contact")
    if contact.status == WecomContact.Status.DELETED_BY_CUSTOMER:
        return IngestResult(result="churn", lead_id=contact.lead_id, inbound_id=row.pk)
    contact.status = WecomContact.Status.DELETED_BY_CUSTOMER
    contact.deleted_at = at
    contact.save(update_fields=["status", "deleted_at", "updated_at"])
    if contact.lead_id is None:
        return IngestResult(result="churn", inbound_id=row.pk)
    lead = Lead.objects.select_related("pool__supervisor", "assignee__clinic__supervisor").get(
        pk=contact.lead_id
    )
    lead_events.event_record(
        lead_events.wecom_contact_deleted_event(lead=lead, member_userid=member, at=at)
    )
    supervisor = lead_supervisor(lead=lead)
    who = supervisor.get_username() if supervisor is not None else ""
    note = (
        f"{'主管 ' + who + '：' if who else '主管：'}患者已在企业微信删除医助 {member}，请跟进挽回"
    )
    FollowUp.objects.get_or_create(
        lead=lead,
        kind=FollowUp.Kind.CHURN,
        due_at=at.replace(microsecond=0),
        defaults={"assignee_id": lead.assignee_id, "note": note[:200]},
    )
    transaction.on_commit(
        lambda: notify(
            title="患者删除了医助（企业微信）",
            body=f"{'@' + who + ' ' if who else ''}线索 #{lead.pk}：{note}",
            level="warning",
        ),
        robust=True,
    )
    return IngestResult(result="churn", lead_id=lead.pk, inbound_id=row.pk)


def contact_bind(*, contact_id: int, lead_id: int, actor: Any = None) -> WecomContact:
    """Staff bind an unmatched contact to a lead: the lead reaches 已加微 at the add's time."""
    with transaction.atomic():
        contact = WecomContact.objects.select_for_update().get(pk=contact_id)
        lead = Lead.objects.get(pk=lead_id)
        contact.lead = lead
        contact.bound_by = (actor.get_username() if actor is not None else "")[:150]
        contact.save(update_fields=["lead", "bound_by", "updated_at"])
        if contact.status == WecomContact.Status.ADDED:
            contact_mark_contacted(
                lead_id=lead.pk, member_userid=contact.member_userid, at=contact.added_at
            )
    return contact


def register() -> None:
    """Called from `ChannelsConfig.ready()`: WeCom callbacks are processed here, not as leads."""
    from funnel.services.intake import intake_handler_register

    intake_handler_register(channel=Channel.WECOM, handler=events_process)
