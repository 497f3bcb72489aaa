"""The lead's append-only history (事件): one typed constructor per kind of event.

Every change to a lead writes one of these, explicitly, from a service (never a signal). Each
constructor returns an *unsaved* `LeadEvent`: batch writers (ingest, routing) collect them and
call `events_record` once; single writers call `event_record(event)`. The `data` keys each
constructor documents are what the reports, the timeline and the outbox listeners read, so
they change only together with their readers.

`lead` may be a Lead instance or an id. An instance is kept as the relation, not its id:
batched ingest builds events for people it inserts afterwards, and `bulk_create` reads the id
from the instance then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from funnel import errors
from funnel.bulk import model_new, rows_insert
from funnel.crypto import SystemText, seal_system_texts
from funnel.models import Lead, LeadEvent, Stage

SYSTEM = "系统"


def _build(
    *,
    lead: Lead | int,
    kind: str,
    at: dt.datetime | None = None,
    actor: Any = None,
    actor_label: str = "",
    from_stage: str = "",
    to_stage: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> LeadEvent:
    relation = {"lead_id": lead} if isinstance(lead, int) else {"lead": lead}
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    if not actor_label:
        actor_label = user.get_username() if user is not None else SYSTEM
    when = {"created_at": at} if at is not None else {}
    return model_new(
        LeadEvent,
        **relation,
        **when,
        kind=kind,
        actor=user,
        actor_label=actor_label,
        from_stage=from_stage,
        to_stage=to_stage,
        note=note,
        data=data or {},
    )


def new_lead_event(*, lead: Lead | int, channel: str, at: dt.datetime) -> LeadEvent:
    """The person's first record became a lead: a stage event into 新线索, at the time they
    submitted (`at`, the lead's creation time). `actor_label` is the channel it came from.
    data: {}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.STAGE,
        at=at,
        to_stage=Stage.NEW,
        actor_label=channel or SYSTEM,
        note=SystemText("新线索"),
    )


def stage_event(
    *,
    lead: Lead | int,
    from_stage: str,
    to_stage: str,
    actor: Any = None,
    actor_label: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> LeadEvent:
    """A move along the funnel (加微 建档 问诊 开方 支付 复购, or a side exit). The stage codes are
    `Stage` values; reports rank them by `STAGE_MAIN_PATH`; the outbox hands these to the
    conversion postbacks. `at`: when it happened, if the source says (a WeCom add event's
    CreateTime); else now. data: {}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.STAGE,
        at=at,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=actor,
        actor_label=actor_label,
        note=note,
    )


def assigned_event(
    *,
    lead: Lead | int,
    pool_slug: str,
    assistant_id: int,
    assistant_name: str,
    reason: str,
    actor: Any = None,
) -> LeadEvent:
    """Routing (or staff, `reason="manual"`, `actor` set) gave a lead nobody owned to an
    assistant. data: {"pool": pool slug ("" when the lead has no pool), "assistant_id": int,
    "previous_assistant_id": None, "reason": "route" | "sla" | "manual"}
    (the assistant board counts assignments by `assistant_id`)."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGN,
        actor=actor,
        note=SystemText(f"分配给 {assistant_name}"),
        data={
            "pool": pool_slug,
            "assistant_id": assistant_id,
            "previous_assistant_id": None,
            "reason": reason,
        },
    )


def reassigned_event(
    *,
    lead: Lead | int,
    pool_slug: str,
    assistant_id: int,
    assistant_name: str,
    previous_assistant_id: int,
    reason: str,
    actor: Any = None,
) -> LeadEvent:
    """A lead moved from one assistant to another (a missed SLA, staff by hand with `actor`).
    The same data keys as `assigned_event`, with `previous_assistant_id` set. Published to the
    outbox (kind `assign`): the WeCom connector moves the patient's contact with the lead."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGN,
        actor=actor,
        note=f"改派给 {assistant_name}",
        data={
            "pool": pool_slug,
            "assistant_id": assistant_id,
            "previous_assistant_id": previous_assistant_id,
            "reason": reason,
        },
    )


NO_RULE = "no_rule"


def unassigned_event(*, lead: Lead | int, reason: str, pool_slug: str = "") -> LeadEvent:
    """Nobody could take the lead: it waits in the unassigned queue. `reason` is `no_rule`
    (no routing rule matched; no pool) or why the pool had nobody ("route", "sla" …).
    data: {"pool": pool slug (absent for no_rule), "reason": str, "unassigned": True}."""
    if reason == NO_RULE:
        note, data = SystemText("没有匹配的分配规则：进入待分配队列"), {"reason": reason}
    else:
        note, data = SystemText("无人可接：进入待分配队列"), {"pool": pool_slug, "reason": reason}
    return _build(
        lead=lead, kind=LeadEvent.Kind.ASSIGN, note=note, data={**data, "unassigned": True}
    )


def sla_escalated_event(
    *, lead: Lead | int, pool_slug: str, assistant_id: int, supervisor_id: int | None
) -> LeadEvent:
    """The 加微 SLA was missed and nobody else in the pool (or its overflow) could take the lead:
    it stays with its assistant and the lead's supervisor is alerted. data: {"pool": pool slug,
    "assistant_id": the assistant who keeps it, "supervisor_id": user id or None (nobody
    named: the alert goes to the general channel), "reason": "sla"}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGN,
        note="超时未加微，无人可改派：保留原医助，已通知主管",
        data={
            "pool": pool_slug,
            "assistant_id": assistant_id,
            "supervisor_id": supervisor_id,
            "reason": "sla",
        },
    )


def group_joined_event(
    *,
    lead: Lead | int,
    group_id: int,
    group_name: str,
    source: str,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> LeadEvent:
    """The lead joined a private group or camp. data: {"group_id": int, "source": "manual"
    (staff, `actor` set) | "rule" (a routing rule) | "wecom" (the group's WeCom join code)}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.GROUP,
        actor=actor,
        at=at,
        note=f"加入社群：{group_name}",
        data={"group_id": group_id, "source": source},
    )


def group_left_event(
    *,
    lead: Lead | int,
    group_id: int,
    group_name: str,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> LeadEvent:
    """The lead left (or was taken out of) a group or camp. data: {"group_id": int}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.GROUP,
        actor=actor,
        at=at,
        note=f"退出社群：{group_name}",
        data={"group_id": group_id},
    )


def group_refused_event(
    *, lead: Lead | int, group_id: int, group_name: str, code: str
) -> LeadEvent:
    """A routing rule would have put the lead in a group that could not take it (full, closed).
    data: {"group_id": int, "code": "group_full" | "group_closed" | "already_member"}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.GROUP,
        note=f"未能加入社群：{group_name}（{errors.MESSAGES.get(code, code)}）",
        data={"group_id": group_id, "code": code},
    )


def followup_done_event(
    *, lead: Lead | int, followup_id: int, kind_label: str, actor: Any = None
) -> LeadEvent:
    """An assistant marked a follow-up done. data: {"followup_id": int}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.FOLLOWUP,
        actor=actor,
        note=f"已完成：{kind_label}",
        data={"followup_id": followup_id},
    )


def followup_snoozed_event(
    *, lead: Lead | int, followup_id: int, kind_label: str, due_at: str, actor: Any = None
) -> LeadEvent:
    """An assistant put a follow-up off. data: {"followup_id": int, "due_at": the new due
    time, ISO 8601 with offset}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.FOLLOWUP,
        actor=actor,
        note=f"稍后提醒：{kind_label}",
        data={"followup_id": followup_id, "due_at": due_at},
    )


def touch_event(*, lead: Lead | int, channel: str, keyword: str) -> LeadEvent:
    """A known person left their details again (再次留资). data: {"channel": str,
    "keyword": the search term, at most 100 characters}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.TOUCH,
        actor_label=channel or SYSTEM,
        note=SystemText("再次留资"),
        data={"channel": channel, "keyword": keyword[:100]},
    )


def note_event(
    *, lead: Lead | int, note: str, actor: Any = None, actor_label: str = ""
) -> LeadEvent:
    """Free text from staff or another system (API). data: {}."""
    return _build(
        lead=lead, kind=LeadEvent.Kind.NOTE, actor=actor, actor_label=actor_label, note=note
    )


def reveal_event(*, lead: Lead | int, actor: Any) -> LeadEvent:
    """Someone with the reveal permission saw the full phone and name (audit). data: {}."""
    return _build(lead=lead, kind=LeadEvent.Kind.REVEAL, actor=actor, note="查看完整手机号与姓名")


def merge_event(*, lead: Lead | int, merged_lead_id: int, actor: Any = None) -> LeadEvent:
    """Another lead was folded into this one (audit). data: {"merged_lead_id": int}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.MERGE,
        actor=actor,
        note=f"合并线索 #{merged_lead_id}",
        data={"merged_lead_id": merged_lead_id},
    )


def distinct_event(*, lead: Lead | int, distinct_from: int, actor: Any = None) -> LeadEvent:
    """Staff marked this lead and another as different people (never merged).
    data: {"distinct_from": the other lead's id}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.NOTE,
        actor=actor,
        note=f"标记为与线索 #{distinct_from} 不是同一人",
        data={"distinct_from": distinct_from},
    )


def consent_event(
    *, lead: Lead | int, note: str, actor: Any = None, actor_label: str = ""
) -> LeadEvent:
    """Consent withdrawn or the retention period passed: the person was anonymized. data: {}."""
    return _build(
        lead=lead, kind=LeadEvent.Kind.CONSENT, actor=actor, actor_label=actor_label, note=note
    )


def reserve_event(
    *, lead: Lead | int, package_slug: str, package_name: str, inbound_id: int
) -> LeadEvent:
    """The person reserved a service package with their form. data: {"package": slug,
    "inbound_id": the intake record it came with}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.RESERVE,
        actor_label="落地页",
        note=f"预约服务包：{package_name}",
        data={"package": package_slug, "inbound_id": inbound_id},
    )


def event_record(event: LeadEvent) -> LeadEvent:
    """Write one event now."""
    event.save()
    return event


def events_record(events: list[LeadEvent]) -> None:
    """Write many events in one statement (batched ingest and routing); a system-written note
    is encrypted once per batch (`funnel.crypto.seal_system_texts` says why that is safe)."""
    seal_system_texts(events, "note")
    rows_insert(events)


def wecom_contact_deleted_event(
    *, lead: Lead | int, member_userid: str, at: dt.datetime | None = None
) -> LeadEvent:
    """A churn signal: the patient deleted their assistant on WeCom (`del_follow_user`, at the
    callback's time). data: {"source": "wecom", "change": "del_follow_user", "member_userid"}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.CHURN,
        at=at,
        actor_label="企业微信",
        note="患者已在企业微信删除医助",
        data={"source": "wecom", "change": "del_follow_user", "member_userid": member_userid},
    )


def wecom_contact_removed_event(
    *, lead: Lead | int, member_userid: str, at: dt.datetime | None = None
) -> LeadEvent:
    """A churn signal: the assistant deleted the patient on WeCom (`del_external_contact`, at
    the callback's time). data: {"source": "wecom", "change": "del_external_contact",
    "member_userid"}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.CHURN,
        at=at,
        actor_label="企业微信",
        note="医助已在企业微信删除患者",
        data={"source": "wecom", "change": "del_external_contact", "member_userid": member_userid},
    )


def wecom_contact_half_added_event(
    *, lead: Lead | int, member_userid: str, at: dt.datetime | None = None
) -> LeadEvent:
    """The patient asked to add their assistant on WeCom and the member has not accepted yet
    (`add_half_external_contact`, at the callback's time): a note, not 已加微 (the stage moves
    with the full add). data: {"source": "wecom", "change": "add_half_external_contact",
    "member_userid"}."""
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.NOTE,
        at=at,
        actor_label="企业微信",
        note=f"患者已申请添加医助 {member_userid}（待医助通过，尚未加微）"[:500],
        data={
            "source": "wecom",
            "change": "add_half_external_contact",
            "member_userid": member_userid,
        },
    )


def wecom_welcome_event(
    *, lead: Lead | int, member_userid: str, status: str, reason: str, reason_label: str
) -> LeadEvent:
    """What became of the WeCom welcome message for the patient's add (sent, or why not: the
    platform refused it, its text failed the compliance check, the code had expired). A note
    on the timeline. data: {"source": "wecom", "change": "welcome", "status": "sent" |
    "failed" | "unknown" | "not_sent", "reason": a code ("" when sent), "member_userid"}."""
    # The words of the welcome record's own status (发送失败 is WeCom's refusal or silence,
    # 未发送 our decision), so the timeline and the 欢迎语记录 list say the same.
    if status == "sent":
        note = "企业微信欢迎语已发送"
    elif status == "failed":
        note = f"企业微信欢迎语发送失败：{reason_label or reason}"
    elif status == "unknown":  # the call was cut or its worker died: it may have arrived
        note = f"企业微信欢迎语结果未知：{reason_label or reason}"
    else:
        note = f"企业微信欢迎语未发送：{reason_label or reason}"
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.NOTE,
        actor_label="企业微信",
        note=note[:500],
        data={
            "source": "wecom",
            "change": "welcome",
            "status": status,
            "reason": reason,
            "member_userid": member_userid,
        },
    )


def submission_reply_event(
    *,
    lead: Lead | int,
    submission: str,
    assistant_id: int | None,
    assistant_name: str,
    package_id: int | None,
) -> LeadEvent:
    """A submission was answered (its thank-you page) with this assistant and package: a new
    lead's routing, or for a known phone what routing gave that submission, not the lead's
    own (issue 13 point 1; that page's contact stays 未匹配 until a supervisor binds it). data:
    {"change": "submission_reply", "submission": the thank-you token's keyed digest,
    "assistant_id": int | None, "package_id": int | None}."""
    shown = assistant_name or "（暂无可分配医助）"
    return _build(
        lead=lead,
        kind=LeadEvent.Kind.NOTE,
        note=f"留资答复页显示医助：{shown}"[:500],
        data={
            "change": "submission_reply",
            "submission": submission[:32],
            "assistant_id": assistant_id,
            "package_id": package_id,
        },
    )
