"""Private groups and camps on WeCom (issue 16 point 6): each group gets a WeCom group join code
whose `state` names it, and the customers who join or quit its chats update the camp's
membership by themselves (WECOM_FACTS.md "Customer groups and group join ways", "Callback
events").

- The code: `externalcontact/groupchat/add_join_way` (scene 2 = QR, `chat_id_list` = the
  group's first WeCom chat, `PrivateGroup.wecom_chat_id`, which the API requires;
  `auto_create_room` 1 with `room_base_name` / `room_base_id` so WeCom opens the next chat
  when one is full; `state` = `state.state_for_group`). Made once per (account,
  group) on first display and kept (`WecomGroupWay`).
- Capacity is the camp's (`PrivateGroup.capacity`): a full or closed camp's code is not shown
  (`group_code_for` answers why instead). Someone can still join with a code saved earlier:
  they are in the WeCom chat whatever we say, so their stay is recorded on our side
  (`WecomChatMember.outcome` = `group_full` / `group_closed`) and the lead's timeline says the
  camp could not take them; the camp's membership never passes its capacity.
- Membership: `change_external_chat` / `update` with `UpdateDetail` add_member or del_member
  names the chat, not the people, so the chat is fetched (`groupchat/get`: members with
  `type` 2 = customer, `userid` = external userid, `join_time`, `state`) and compared with the
  stays we hold. A customer is a lead when one of our members holds them as a contact
  (`WecomContact`, by external_key). Fetching gives the chat as it is now, so replays and
  events arriving out of order converge on the same stays: one membership change each.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.base import sandbox_url
from channels.errors import PlatformError, RateLimited, Transient
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomChatMember, WecomContact, WecomGroupWay
from channels.wecom.state import group_from_state, state_for_group
from config.errors import ApplicationError
from funnel import events as lead_events
from funnel.models import GroupMembership, InboundLead, Lead, PrivateGroup
from funnel.payload import IngestResult
from funnel.services.groups import group_enroll, group_leave

logger = logging.getLogger("yinliu.channels.wecom")

CUSTOMER = 2  # groupchat/get member type: 1 member of the company, 2 external contact
ROOM_BASE_NAME_CHARS = 40


@dataclass(frozen=True)
class GroupCode:
    """What the group's page shows: the QR image, or why there is none (`reason`, zh-hans)."""

    image_url: str = ""
    state: str = ""
    reason: str = ""


def _account() -> WecomAccount | None:
    return WecomAccount.objects.filter(is_active=True).order_by("pk").first()


def group_code_for(
    *, group_id: int, today: dt.date | None = None, enrolled: bool = False
) -> GroupCode:
    """The group's join code, made on first use (one `add_join_way`) and kept.

    A camp that is full (member_count ≥ capacity) or past its close date shows no code
    (reason says which); `enrolled`: asked for a patient already enrolled, whose seat is
    counted, so a full camp still shows them its code (a closed one does not). No active
    account or a refusal from WeCom: no code, reason given (logged). Never raises for the
    platform's sake: the group's page must render."""
    group = PrivateGroup.objects.get(pk=group_id)
    today = today or timezone.localdate()
    if group.closes_on is not None and today > group.closes_on:
        return GroupCode(reason="已结营，不再显示入群码")
    if not enrolled and group.member_count >= group.capacity:
        return GroupCode(reason=f"已满（{group.member_count} / {group.capacity}），不再显示入群码")
    account = _account()
    if account is None:
        return GroupCode(reason="未连接企业微信")
    if not group.wecom_chat_id:
        # add_join_way needs 1–5 existing chats; WeCom opens the next ones itself.
        return GroupCode(reason="请先在社群设置中填写企业微信群 ID（首个群聊）")
    kept = WecomGroupWay.objects.filter(account=account, group=group).first()
    if kept is not None:
        return GroupCode(image_url=kept.qr_code, state=kept.state)
    state = state_for_group(group.pk)
    body: dict[str, Any] = {
        "scene": 2,
        "remark": f"引流社群 {group.pk}"[:30],
        "auto_create_room": 1,
        "room_base_name": group.name[:ROOM_BASE_NAME_CHARS],
        "room_base_id": 1,
        "chat_id_list": [group.wecom_chat_id],
        "state": state,
    }
    client = WecomClient(account)
    try:
        config_id = str(
            client.call("POST", "externalcontact/groupchat/add_join_way", json=body).get(
                "config_id"
            )
            or ""
        )
        if not config_id:
            raise PlatformError("bad_response", "no config_id")
        way = client.call(
            "POST", "externalcontact/groupchat/get_join_way", json={"config_id": config_id}
        ).get("join_way")
        way = way if isinstance(way, dict) else {}
    except PlatformError as exc:
        logger.warning("add_join_way failed for group %s: %s", group.pk, exc)
        return GroupCode(reason="企业微信暂时无法生成入群码")
    qr_code = str(way.get("qr_code") or "")
    if not (
        qr_code.startswith("https://") or (qr_code.startswith("http://") and sandbox_url(qr_code))
    ):
        logger.warning("get_join_way answered without a usable qr_code for group %s", group.pk)
        return GroupCode(reason="企业微信暂时无法生成入群码")
    chat_ids = [str(c)[:64] for c in (way.get("chat_id_list") or []) if c]
    try:
        with transaction.atomic():
            kept = WecomGroupWay.objects.create(
                account=account,
                group=group,
                config_id=config_id[:64],
                qr_code=qr_code[:500],
                state=state,
                chat_ids=chat_ids,
            )
    except IntegrityError:
        # Two pages asked at once: the first code kept wins (the other stays unused at WeCom).
        kept = WecomGroupWay.objects.get(account=account, group=group)
    return GroupCode(image_url=kept.qr_code, state=kept.state)


@dataclass(frozen=True)
class PatientGroupCode:
    """One group code a patient may see: their group's name and the QR image."""

    name: str
    image_url: str


def group_codes_for_lead(*, lead_id: int, today: dt.date | None = None) -> list[PatientGroupCode]:
    """The join codes of the groups and camps the lead is enrolled in now (an open
    membership), for the patient's own care-plan page (its link is the patient's secret):
    never another group's, nothing for a group left or closed, nothing when WeCom has no code
    (staff-facing reasons are not shown to patients). Never raises."""
    if Lead.objects.filter(pk=lead_id, anonymized_at__isnull=False).exists():
        return []
    groups = (
        GroupMembership.objects.filter(lead_id=lead_id, left_at__isnull=True)
        .select_related("group")
        .order_by("joined_at", "pk")
    )
    codes = []
    for membership in groups:
        code = group_code_for(group_id=membership.group_id, today=today, enrolled=True)
        if code.image_url:
            codes.append(PatientGroupCode(membership.group.name, code.image_url))
    return codes


# ---- change_external_chat (intake handler branch) ------------------------------------------


def _time(value: Any, default: dt.datetime) -> dt.datetime:
    text = str(value or "")
    if text.isdigit() and len(text) <= 12:
        return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
    return default


def chat_changed(
    row: InboundLead, account: WecomAccount, raw: dict[str, Any], *, at: dt.datetime
) -> IngestResult:
    """`change_external_chat`: on `update` with add_member / del_member, bring our stays of the
    chat in line with `groupchat/get`. WeCom busy or unreachable raises (`Transient`,
    `RateLimited`): the record stays for the intake sweep to retry (nothing lost); WeCom
    refusing the chat for good (an errcode) ends it as ignored, with the code."""
    from channels.wecom.services import external_key

    change = str(raw.get("ChangeType") or "")
    detail = str(raw.get("UpdateDetail") or "")
    chat_id = str(raw.get("ChatId") or "")[:64]
    if change != "update" or detail not in ("add_member", "del_member") or not chat_id:
        return IngestResult(
            result="ignored", inbound_id=row.pk, detail=f"chat {change}/{detail}"[:200]
        )
    try:
        answer = WecomClient(account).call(
            "POST", "externalcontact/groupchat/get", json={"chat_id": chat_id, "need_name": 0}
        )
    except (Transient, RateLimited):
        raise  # WeCom busy or unreachable: the sweep tries again
    except PlatformError as exc:
        # WeCom refuses to describe the chat for good (40050: a dismissed chat, one outside
        # the app's range): nothing to bring in line; the record says why.
        return IngestResult(
            result="ignored", inbound_id=row.pk, detail=f"groupchat/get {exc.code}"[:200]
        )
    chat = answer.get("group_chat") if isinstance(answer.get("group_chat"), dict) else {}
    present: dict[str, dict[str, Any]] = {}
    for member in chat.get("member_list") or []:
        if isinstance(member, dict) and int(member.get("type") or 0) == CUSTOMER:
            external = str(member.get("userid") or "")
            if external:
                present[external_key(external)] = {**member, "userid": external}
    joined = left = 0
    with transaction.atomic():
        open_stays = {
            s.external_key: s
            for s in WecomChatMember.objects.select_for_update().filter(
                account=account, chat_id=chat_id, left_at__isnull=True
            )
        }
        for key, member in present.items():
            if key not in open_stays:
                joined += _stay_open(row, account, chat_id, key, member, default_at=at)
        for key, stay in open_stays.items():
            if key not in present:
                left += _stay_close(stay, at=at)
    return IngestResult(
        result="group_changed", inbound_id=row.pk, detail=f"+{joined} -{left} {detail}"[:200]
    )


def _stay_open(
    row: InboundLead,
    account: WecomAccount,
    chat_id: str,
    key: str,
    member: dict[str, Any],
    *,
    default_at: dt.datetime,
) -> int:
    state = str(member.get("state") or "")[:30]
    at = _time(member.get("join_time"), default_at)
    group_id = group_from_state(state)
    group = PrivateGroup.objects.filter(pk=group_id).first() if group_id else None
    contact = (
        WecomContact.objects.filter(account=account, external_key=key, lead__isnull=False)
        .order_by("added_at", "pk")
        .first()
    )
    lead_id = contact.lead_id if contact is not None else None
    if lead_id and not Lead.objects.filter(pk=lead_id, anonymized_at__isnull=True).exists():
        lead_id = None  # a withdrawn person is never linked again
    outcome = WecomChatMember.Outcome.JOINED
    if group is None:
        outcome = WecomChatMember.Outcome.NOT_OURS
    elif lead_id is None:
        outcome = WecomChatMember.Outcome.NO_LEAD
    try:
        with transaction.atomic():
            stay = WecomChatMember.objects.create(
                account=account,
                chat_id=chat_id,
                group=group,
                lead_id=lead_id,
                external_userid=member["userid"],
                external_key=key,
                state=state,
                outcome=outcome,
                joined_at=at,
                inbound_id=row.pk,
            )
    except IntegrityError:
        return 0  # another worker opened this stay first: one membership change
    if group is None or lead_id is None:
        return 1
    try:
        group_enroll(group_id=group.pk, lead_id=lead_id, source="wecom", at=at)
    except ApplicationError as err:
        # already_member (enrolled by staff or a rule before joining on WeCom): that stay is
        # this one. group_full / group_closed: they are in the chat anyway; the camp's count
        # stays within its capacity and the timeline says why.
        stay.outcome = err.code if err.code in WecomChatMember.Outcome.values else stay.outcome
        stay.save(update_fields=["outcome"])
        # already_anonymized: withdrawn meanwhile, nothing more goes on their record.
        if err.code not in ("already_member", "already_anonymized"):
            lead_events.event_record(
                lead_events.group_refused_event(
                    lead=lead_id, group_id=group.pk, group_name=group.name, code=err.code
                )
            )
    return 1


def _stay_close(stay: WecomChatMember, *, at: dt.datetime) -> int:
    left_at = max(at, stay.joined_at)
    WecomChatMember.objects.filter(pk=stay.pk, left_at__isnull=True).update(left_at=left_at)
    if stay.group_id is None or stay.lead_id is None:
        return 1
    counted = stay.outcome in (
        WecomChatMember.Outcome.JOINED,
        WecomChatMember.Outcome.ALREADY_MEMBER,
    )
    if (
        counted
        and GroupMembership.objects.filter(
            group_id=stay.group_id, lead_id=stay.lead_id, left_at__isnull=True
        ).exists()
    ):
        try:
            group_leave(group_id=stay.group_id, lead_id=stay.lead_id, at=left_at)
        except ApplicationError:
            pass  # staff took them out meanwhile: one change
    return 1
