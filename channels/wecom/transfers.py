"""Reassignment moves the WeCom relationship (issue 16 point 8): when a lead whose patient has
added their assistant goes to another assistant, the customer is handed over in WeCom too
(在职继承, `externalcontact/transfer_customer`), and what became of it is tracked.

- **Trigger**: the funnel publishes reassignments (`LeadEvent` kind `assign` with
  `previous_assistant_id`: staff by hand, `lead_reassign` / `leads_reassign`, or a missed 加微
  SLA) to the outbox; `transfers_on_reassign` is its listener `channels.wecom_transfers`. The
  contacts moved are the lead's added contacts held by the previous assistant's userid.
- **The platform's limit**: a customer may be transferred at most twice in 90 days
  (WECOM_FACTS.md "Reassigning customers"). Before calling, the transfers WeCom accepted for
  that customer in the last 90 days are counted here (`WecomTransfer`, any member); at the
  limit nothing is called, the row says `limit_reached`, and the new assistant gets a
  请患者添加新医助 follow-up naming the lead's supervisor, with a staff notification: the
  patient has to add the new assistant themselves. WeCom answering 40128 (transfers we did
  not record, e.g. made in the console) takes the same path.
- **Result**: WeCom accepts the transfer and hands the customer over after 24 h unless they
  refuse. `transfers_check` (beat, every 30 minutes) asks `transfer_result` for transfers
  waiting past that: status 1 → `done`, the old contact `transferred`, a contact for the new
  member bound to the lead; 3 (refused) / 4 (new member at the limit) → the same follow-up as
  above. The `transfer_fail` callback (`FailReason` customer_refused / customer_limit_exceed)
  ends a waiting transfer the same way, at once.

One row per (reassignment event, contact): a replayed delivery transfers once (a row is claimed
by a conditional UPDATE before the call; WeCom answering 40129, "already being transferred",
to a retry whose first call got through counts as accepted). A failure of the call itself (an
errcode, a 5xx, a rate limit) leaves the row `error` and raises, so the outbox retries the
delivery with back-off; the reassignment stands whatever happens here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.base import as_int, as_str
from channels.errors import PlatformError
from channels.services.privacy import ANONYMIZED_KEY
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomContact, WecomTransfer
from funnel.models import Assistant, FollowUp, InboundLead, Lead, LeadEvent
from funnel.payload import IngestResult

logger = logging.getLogger("yinliu.channels.wecom")

LISTENER = "channels.wecom_transfers"
TRANSFER_LIMIT = 2  # a customer at most twice …
TRANSFER_WINDOW = dt.timedelta(days=90)  # … in 90 days (WECOM_FACTS.md)
TAKEOVER_DELAY = dt.timedelta(hours=24)  # the new member takes over after 24 h
CHECK_MARGIN = dt.timedelta(minutes=5)
CHECK_AGAIN = dt.timedelta(hours=1)
NO_RECORD_GIVE_UP = dt.timedelta(days=7)  # WeCom still knows nothing of it: failed
LIMIT_ERRCODE = "40128"
UNDER_WAY_ERRCODE = "40129"
BATCH = 100  # customers per transfer_customer call
LEASE = dt.timedelta(minutes=5)
ANSWER_CHARS = 200
CALLBACK_SKEW = dt.timedelta(minutes=5)

S = WecomTransfer.Status
FINISHED = (
    S.WAITING,
    S.DONE,
    S.REFUSED,
    S.TAKEOVER_LIMIT,
    S.LIMIT_REACHED,
    S.FAILED,
    S.SKIPPED,
)
RESULT_STATUS = {1: S.DONE, 3: S.REFUSED, 4: S.TAKEOVER_LIMIT}
FAIL_REASONS = {"customer_refused": S.REFUSED, "customer_limit_exceed": S.TAKEOVER_LIMIT}
REASON_TEXT = {
    S.LIMIT_REACHED: "该患者 90 天内已在企业微信转接 2 次（平台上限），无法再转接",
    S.REFUSED: "患者拒绝了企业微信转接",
    S.TAKEOVER_LIMIT: "新医助的企业微信客户数已达上限，转接未完成",
    S.FAILED: "企业微信未能转接该患者",
}


def _claim(row: WecomTransfer, now: dt.datetime) -> bool:
    takeable = Q(status__in=[S.PENDING, S.ERROR]) | Q(status=S.SENDING, claimed_at__lt=now - LEASE)
    return bool(
        WecomTransfer.objects.filter(takeable, pk=row.pk).update(
            status=S.SENDING, claimed_at=now, tries=F("tries") + 1
        )
    )


def _set(row: WecomTransfer, status: str, answer: str = "", **fields: Any) -> None:
    WecomTransfer.objects.filter(pk=row.pk).update(
        status=status, last_answer=answer[:ANSWER_CHARS], **fields
    )


def transfers_counted(
    *, contact: WecomContact, now: dt.datetime, exclude: int | None = None
) -> int:
    """Transfers of this customer (any member of the company) WeCom accepted in the window."""
    return (
        WecomTransfer.objects.filter(
            account_id=contact.account_id,
            contact__external_key=contact.external_key,
            status__in=WecomTransfer.COUNTED,
            requested_at__gte=now - TRANSFER_WINDOW,
        )
        .exclude(pk=exclude)
        .count()
    )


def readd_followup(*, row: WecomTransfer, status: str, at: dt.datetime) -> None:
    """The patient stays with the old member: the new assistant asks them to add him or her.
    A 请患者添加新医助 follow-up for the reassignment's assistant, naming the lead's supervisor,
    and a notification. Callers change the row's status once (a conditional UPDATE), so this
    runs once per outcome."""
    from funnel.services.notify import notify
    from funnel.services.routing import lead_supervisor

    lead = Lead.objects.select_related("pool__supervisor", "assignee__clinic__supervisor").get(
        pk=row.lead_id
    )
    assistant_id = (row.event.data or {}).get("assistant_id") or lead.assignee_id
    assistant = Assistant.objects.filter(pk=assistant_id).first() if assistant_id else None
    supervisor = lead_supervisor(lead=lead)
    who = supervisor.get_username() if supervisor is not None else ""
    name = assistant.name if assistant is not None else "新医助"
    note = (
        f"{'主管 ' + who + '：' if who else '主管：'}{REASON_TEXT[status]}；"
        f"请{name}请患者主动添加其企业微信"
    )
    FollowUp.objects.get_or_create(
        lead=lead,
        kind=FollowUp.Kind.WECOM_READD,
        due_at=at.replace(second=0, microsecond=0),
        defaults={"assignee_id": assistant.pk if assistant else None, "note": note[:200]},
    )
    notify(
        title="企业微信客户未能转接",
        body=f"{'@' + who + ' ' if who else ''}线索 #{lead.pk}：{note}",
        level="warning",
    )


def _refuse(row: WecomTransfer, status: str, answer: str, at: dt.datetime, **fields) -> None:
    """A final outcome that leaves the patient with the old member."""
    _set(row, status, answer, finished_at=at, **fields)
    readd_followup(row=row, status=status, at=at)


def _userids(event: LeadEvent) -> tuple[str, str]:
    data = event.data or {}
    ids = [data.get("previous_assistant_id"), data.get("assistant_id")]
    found = dict(
        Assistant.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "wecom_userid")
    )
    return (found.get(ids[0]) or "").strip(), (found.get(ids[1]) or "").strip()


def transfers_on_reassign(*, event_id: int, now: dt.datetime | None = None) -> int:
    """Outbox listener for assignment events: transfer the lead's customers held by the
    previous assistant to the new one. Returns how many WeCom accepted now; raises the first
    failure of a call after trying every group (the outbox retries; finished rows stay)."""
    now = now or timezone.now()
    event = LeadEvent.objects.filter(pk=event_id, kind=LeadEvent.Kind.ASSIGN).first()
    if event is None or not (event.data or {}).get("previous_assistant_id"):
        return 0  # a first assignment (or the unassigned queue): nothing to move
    if Lead.objects.filter(pk=event.lead_id, anonymized_at__isnull=False).exists():
        return 0
    handover, takeover = _userids(event)
    if not handover:
        return 0
    contacts = list(
        WecomContact.objects.filter(
            lead_id=event.lead_id, status=WecomContact.Status.ADDED, member_userid=handover
        )
        .exclude(external_key__startswith=ANONYMIZED_KEY)
        .order_by("pk")
    )
    if not contacts:
        return 0  # not added yet: the new assistant's contact code does the rest
    WecomTransfer.objects.bulk_create(
        [
            WecomTransfer(
                account_id=c.account_id,
                contact=c,
                lead_id=event.lead_id,
                event=event,
                handover_userid=handover,
                takeover_userid=takeover,
            )
            for c in contacts
        ],
        ignore_conflicts=True,
    )
    rows = [
        row
        for row in WecomTransfer.objects.select_related("account", "contact", "event")
        .filter(event=event)
        .exclude(status__in=FINISHED)
        .order_by("pk")
        if _claim(row, now)
    ]
    groups: dict[int, list[WecomTransfer]] = {}
    for row in rows:
        if not _callable(row, takeover, now):
            continue
        groups.setdefault(row.account_id, []).append(row)
    accepted, failure = 0, None
    for group in groups.values():
        for start in range(0, len(group), BATCH):
            try:
                accepted += _call(group[start : start + BATCH], handover, takeover, now)
            except PlatformError as exc:
                failure = failure or exc
    if failure is not None:
        raise failure
    return accepted


def _callable(row: WecomTransfer, takeover: str, now: dt.datetime) -> bool:
    """Decide what needs no call: nobody to take over, already the new member's customer,
    or the platform's limit reached by our own count."""
    if not takeover:
        _set(row, S.SKIPPED, "接替医助未设置企业微信 userid", finished_at=now)
        return False
    if takeover == row.handover_userid:
        _set(row, S.SKIPPED, "同一企业微信成员", finished_at=now)
        return False
    if WecomContact.objects.filter(
        account_id=row.account_id,
        member_userid=takeover,
        external_key=row.contact.external_key,
        status=WecomContact.Status.ADDED,
    ).exists():
        _set(row, S.SKIPPED, "患者已是新医助的企业微信客户", finished_at=now)
        return False
    if transfers_counted(contact=row.contact, now=now, exclude=row.pk) >= TRANSFER_LIMIT:
        _refuse(row, S.LIMIT_REACHED, "limit_reached", now, takeover_userid=takeover)
        return False
    return True


def _call(rows: list[WecomTransfer], handover: str, takeover: str, now: dt.datetime) -> int:
    """One `transfer_customer` call for rows of one account; each customer's errcode decides
    its row. Raises PlatformError when the call itself fails (rows left `error`)."""
    body = {
        "handover_userid": handover,
        "takeover_userid": takeover,
        "external_userid": [row.contact.external_userid for row in rows],
    }
    try:
        answer = WecomClient(rows[0].account).call(
            "POST", "externalcontact/transfer_customer", json=body
        )
    except PlatformError as exc:
        logger.warning("transfer_customer failed for %s rows: %s", len(rows), exc.code)
        for row in rows:
            _set(row, S.ERROR, exc.code)
        raise
    codes = {
        as_str(c.get("external_userid")): as_str(c.get("errcode")) or "0"
        for c in answer.get("customer") or []
        if isinstance(c, dict)
    }
    accepted = 0
    for row in rows:
        code = codes.get(row.contact.external_userid, "no_answer")
        if code in ("0", UNDER_WAY_ERRCODE):
            _set(
                row,
                S.WAITING,
                code,
                takeover_userid=takeover,
                requested_at=now,
                next_check_at=now + TAKEOVER_DELAY + CHECK_MARGIN,
            )
            accepted += 1
        elif code == LIMIT_ERRCODE:
            _refuse(row, S.LIMIT_REACHED, code, now, takeover_userid=takeover)
        else:
            _refuse(row, S.FAILED, code, now, takeover_userid=takeover)
    return accepted


# ---- results ------------------------------------------------------------------------------


def _taken_over(row: WecomTransfer, at: dt.datetime) -> None:
    """Status 1: the customer is the new member's. The old contact is `transferred`; the new
    member's contact is bound to the lead (made here: the API raises no add callback). Like
    callbacks, the handover's time (`takeover_time`) only changes a status no newer event set
    (`last_event_at`)."""
    with transaction.atomic():
        if not WecomTransfer.objects.filter(pk=row.pk, status=S.WAITING).update(
            status=S.DONE, last_answer="1", finished_at=at, next_check_at=None
        ):
            return
        old = WecomContact.objects.select_for_update().get(pk=row.contact_id)
        if old.status == WecomContact.Status.ADDED and _newest(old, at):
            old.status, old.deleted_at, old.last_event_at = WecomContact.Status.TRANSFERRED, at, at
            old.save(update_fields=["status", "deleted_at", "last_event_at", "updated_at"])
        new, created = WecomContact.objects.select_for_update().get_or_create(
            account_id=row.account_id,
            member_userid=row.takeover_userid,
            external_key=old.external_key,
            defaults={
                "external_userid": old.external_userid,
                "lead_id": row.lead_id,
                "added_at": at,
                "last_event_at": at,
                "status": WecomContact.Status.ADDED,
            },
        )
        if not created:
            changed = []
            if new.lead_id is None:
                new.lead_id = row.lead_id
                changed.append("lead")
            if new.status != WecomContact.Status.ADDED and _newest(new, at):
                new.status, new.deleted_at, new.added_at = WecomContact.Status.ADDED, None, at
                new.last_event_at = at
                changed += ["status", "deleted_at", "added_at", "last_event_at"]
            if changed:
                new.save(update_fields=[*changed, "updated_at"])


def _newest(contact: WecomContact, at: dt.datetime) -> bool:
    return contact.last_event_at is None or at >= contact.last_event_at


def _final(row: WecomTransfer, status: str, answer: str, at: dt.datetime) -> bool:
    """End a waiting transfer that left the patient with the old member (once)."""
    with transaction.atomic():
        if not WecomTransfer.objects.filter(pk=row.pk, status=S.WAITING).update(
            status=status, last_answer=answer[:ANSWER_CHARS], finished_at=at, next_check_at=None
        ):
            return False
        readd_followup(row=row, status=status, at=at)
    return True


def _results(account: WecomAccount, handover: str, takeover: str) -> dict[str, dict[str, Any]]:
    """`transfer_result` for one pair, every page: external userid → {status, takeover_time}."""
    client = WecomClient(account)
    found: dict[str, dict[str, Any]] = {}
    cursor = ""
    for _ in range(50):
        body = {"handover_userid": handover, "takeover_userid": takeover, "cursor": cursor}
        answer = client.call("POST", "externalcontact/transfer_result", json=body)
        for item in answer.get("customer") or []:
            if isinstance(item, dict) and item.get("external_userid"):
                found[as_str(item["external_userid"])] = item
        cursor = as_str(answer.get("next_cursor"))
        if not cursor:
            break
    return found


def transfers_check(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Beat: ask WeCom how the waiting transfers that are due ended. Returns how many
    finished. A failing call is logged and the pair asked again later (never raises)."""
    now = now or timezone.now()
    due = list(
        WecomTransfer.objects.select_related("account", "contact", "event")
        .filter(status=S.WAITING, next_check_at__lte=now)
        .order_by("next_check_at", "pk")[:limit]
    )
    pairs: dict[tuple[int, str, str], list[WecomTransfer]] = {}
    for row in due:
        pairs.setdefault((row.account_id, row.handover_userid, row.takeover_userid), []).append(row)
    finished = 0
    for (_, handover, takeover), rows in pairs.items():
        try:
            results = _results(rows[0].account, handover, takeover)
        except PlatformError as exc:
            logger.warning("transfer_result %s → %s failed: %s", handover, takeover, exc.code)
            _later(rows, now)
            continue
        for row in rows:
            finished += _apply(row, results.get(row.contact.external_userid), now)
    return finished


def _later(rows: Iterable[WecomTransfer], now: dt.datetime) -> None:
    WecomTransfer.objects.filter(pk__in=[r.pk for r in rows], status=S.WAITING).update(
        next_check_at=now + CHECK_AGAIN
    )


def _apply(row: WecomTransfer, result: dict[str, Any] | None, now: dt.datetime) -> int:
    code = as_int((result or {}).get("status"), 0)
    if code == 1:
        took = as_int((result or {}).get("takeover_time"), 0)
        at = dt.datetime.fromtimestamp(took, tz=dt.UTC) if took > 0 else now
        _taken_over(row, at)
        return 1
    if code in (3, 4):
        return int(_final(row, RESULT_STATUS[code], str(code), now))
    if code != 2 and row.requested_at and now - row.requested_at > NO_RECORD_GIVE_UP:
        return int(_final(row, S.FAILED, f"no_record:{code}", now))
    _later([row], now)
    return 0


def transfer_failed(row: InboundLead, account: WecomAccount, raw: dict[str, Any]) -> IngestResult:
    """The `transfer_fail` callback (`UserID` the new member, `FailReason`): the waiting
    transfer of that customer to that member, requested before the event's time, ends refused
    or at the member's limit. Replays change nothing more (the row leaves `waiting` once)."""
    from channels.wecom.services import event_time, external_key

    takeover = str(raw.get("UserID") or "")[:64]
    external = str(raw.get("ExternalUserID") or "")
    status = FAIL_REASONS.get(str(raw.get("FailReason") or ""), S.REFUSED)
    at = event_time(raw)
    transfer = (
        WecomTransfer.objects.select_related("event")
        .filter(
            account=account,
            takeover_userid=takeover,
            contact__external_key=external_key(external),
            status=S.WAITING,
            requested_at__lte=at + CALLBACK_SKEW,
        )
        .order_by("-requested_at", "-pk")
        .first()
    )
    if transfer is None:
        return IngestResult(result="ignored", inbound_id=row.pk, detail="no waiting transfer")
    _final(transfer, status, str(raw.get("FailReason") or "")[:64], at)
    return IngestResult(result="transfer_failed", lead_id=transfer.lead_id, inbound_id=row.pk)
