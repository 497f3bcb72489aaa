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

- **Reassigned again while a transfer is under way** (WeCom takes one transfer of a customer at
  a time, 40129): the new reassignment's row is `queued` behind the transfer in flight
  (`waits_for`); an older queued row of the lead is `superseded` (only the last assistant
  counts). When the transfer in flight ends — taken over, refused, at a limit, failed — the
  queued row is released (`_release`): it is called from whoever holds the customer then (the
  middle assistant if the handover went through, else the first) to the final assistant, or
  skipped when the customer is already theirs. The middle assistant gets no follow-up; if the
  final transfer cannot be made, the final assistant gets the 请患者添加新医助 follow-up with
  the reason. So the relationship never stays silently with the middle assistant.
- **Stuck rows** (a worker that died between claiming a row and recording WeCom's answer, a
  release whose after-commit call was lost): `transfers_check` also drives `pending` rows
  due and `sending` rows past their lease, and releases queued rows whose predecessor ended.

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
    S.QUEUED,  # not finished, but nothing to call until its predecessor ends
    S.SUPERSEDED,
)
# A transfer of the customer is under way (or about to be): a new one waits behind it.
IN_FLIGHT = (S.PENDING, S.SENDING, S.ERROR, S.WAITING)
# Ended: a queued row behind it may go.
ENDED = (S.DONE, S.REFUSED, S.TAKEOVER_LIMIT, S.LIMIT_REACHED, S.FAILED, S.SKIPPED)
RESULT_STATUS = {1: S.DONE, 3: S.REFUSED, 4: S.TAKEOVER_LIMIT}
FAIL_REASONS = {"customer_refused": S.REFUSED, "customer_limit_exceed": S.TAKEOVER_LIMIT}
REASON_TEXT = {
    S.LIMIT_REACHED: "该患者 90 天内已在企业微信转接 2 次（平台上限），无法再转接",
    S.REFUSED: "患者拒绝了企业微信转接",
    S.TAKEOVER_LIMIT: "新医助的企业微信客户数已达上限，转接未完成",
    S.FAILED: "企业微信未能转接该患者",
    S.SKIPPED: "接替医助未设置企业微信 userid，患者仍在原医助的企业微信",
}
NO_USERID = "接替医助未设置企业微信 userid"


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
    # The lead's assistant now (the last of several reassignments), else the event's.
    assistant_id = lead.assignee_id or (row.event.data or {}).get("assistant_id")
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
    """A final outcome that leaves the patient with the old member: the new assistant is asked
    to have the patient add them — unless a later reassignment was queued behind this row,
    which then goes on from the old member to the final assistant."""
    with transaction.atomic():
        _set(row, status, answer, finished_at=at, **fields)
        if not _release(row, at):
            readd_followup(row=row, status=status, at=at)


def _userids(event: LeadEvent) -> tuple[str, str]:
    """(the previous assistant's userid, the userid to hand over to). The latter is the
    assistant of the lead's *latest* assignment: a later reassignment whose delivery ran
    first found nothing to move (this one's customer was not its previous assistant's yet),
    so this one takes the customer straight to where the lead is now, never to the middle."""
    data = event.data or {}
    latest = (
        LeadEvent.objects.filter(lead_id=event.lead_id, kind=LeadEvent.Kind.ASSIGN, pk__gt=event.pk)
        .order_by("-pk")
        .values_list("data", flat=True)
        .first()
    )
    target = (latest or {}).get("assistant_id") if latest is not None else data.get("assistant_id")
    ids = [data.get("previous_assistant_id"), target]
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
    # The customers as WeCom holds them, not as our assignment history says: after a
    # transfer that never happened (refused, a member without userid, the 90-day limit) the
    # patient is still with an earlier member, and the next reassignment must move them from
    # there. Customers with a transfer under way wait behind it (`_queue_behind`).
    in_flight = WecomTransfer.objects.filter(lead_id=event.lead_id, status__in=IN_FLIGHT).exclude(
        event=event
    )
    contacts = list(
        WecomContact.objects.filter(lead_id=event.lead_id, status=WecomContact.Status.ADDED)
        .exclude(member_userid__in=[takeover] if takeover else [])
        .exclude(external_key__startswith=ANONYMIZED_KEY)
        .exclude(pk__in=in_flight.values("contact_id"))
        .order_by("pk")
    )
    _queue_behind(event, handover, takeover, {c.external_key for c in contacts}, now)
    if not contacts:
        return 0  # not added yet: the new assistant's contact code does the rest
    WecomTransfer.objects.bulk_create(
        [
            WecomTransfer(
                account_id=c.account_id,
                contact=c,
                lead_id=event.lead_id,
                event=event,
                handover_userid=c.member_userid,
                takeover_userid=takeover,
            )
            for c in contacts
        ],
        ignore_conflicts=True,
    )
    rows = list(
        WecomTransfer.objects.select_related("account", "contact", "event")
        .filter(event=event)
        .exclude(status__in=FINISHED)
        .order_by("pk")
    )
    return _drive(rows, now)


def _drive(rows: list[WecomTransfer], now: dt.datetime) -> int:
    """Claim, decide and call each row (its own handover and takeover members). Returns how
    many WeCom accepted; raises the first failure of a call after trying every group."""
    groups: dict[tuple[int, str, str], list[WecomTransfer]] = {}
    for row in rows:
        if not _claim(row, now) or not _callable(row, row.takeover_userid, now):
            continue
        key = (row.account_id, row.handover_userid, row.takeover_userid)
        groups.setdefault(key, []).append(row)
    accepted, failure = 0, None
    for (_, handover, takeover), group in groups.items():
        for start in range(0, len(group), BATCH):
            try:
                accepted += _call(group[start : start + BATCH], handover, takeover, now)
            except PlatformError as exc:
                failure = failure or exc
    if failure is not None:
        raise failure
    return accepted


def _queue_behind(
    event: LeadEvent, handover: str, takeover: str, moving: set[str], now: dt.datetime
) -> None:
    """The lead's customers whose transfer is still under way (and not held by `handover`,
    whose rows the caller makes): this reassignment waits behind it in a `queued` row, and
    any reassignment queued before it is superseded (the last assistant is the one that
    counts). The in-flight rows are locked, so a transfer ending meanwhile either sees the
    queued row (and releases it) or is seen ended here (nothing queued). A replay finds its
    rows and queues nothing again."""
    if WecomTransfer.objects.filter(event=event).exists():
        return
    with transaction.atomic():
        ahead = list(
            WecomTransfer.objects.select_for_update()
            .select_related("contact")
            .filter(lead_id=event.lead_id, status__in=IN_FLIGHT)
            .exclude(event=event)
            .order_by("-pk")
        )
        ahead = [r for r in ahead if r.contact.external_key not in moving]
        if not ahead or any(r.event_id > event.pk for r in ahead):
            # Nothing under way, or a later reassignment is already moving the customer (its
            # delivery ran first) to where the lead is now: nothing to wait for.
            return
        WecomTransfer.objects.filter(lead_id=event.lead_id, status=S.QUEUED).exclude(
            event=event
        ).update(status=S.SUPERSEDED, finished_at=now, last_answer=f"event:{event.pk}")
        seen: set[str] = set()
        for row in ahead:  # the newest transfer of each customer
            if row.contact.external_key in seen:
                continue
            seen.add(row.contact.external_key)
            WecomTransfer.objects.create(
                account_id=row.account_id,
                contact=row.contact,
                lead_id=event.lead_id,
                event=event,
                waits_for=row,
                handover_userid=row.takeover_userid or handover,
                takeover_userid=takeover,
                status=S.QUEUED,
            )


def _release(ended: WecomTransfer, at: dt.datetime) -> bool:
    """`ended` finished: the reassignment queued behind it goes on from whoever holds the
    customer now to its own (final) assistant. Runs inside the caller's transaction, which
    changed `ended`'s status; the call itself runs after the commit (and `transfers_check`
    drives it if that is lost). Returns True when a queued row took over what follows."""
    queued = list(
        WecomTransfer.objects.select_for_update()
        .select_related("contact")
        .filter(waits_for_id=ended.pk, status=S.QUEUED)
    )
    if not queued:
        return False
    released = []
    for row in queued:
        if Lead.objects.filter(pk=row.lead_id, anonymized_at__isnull=False).exists():
            _set(row, S.SKIPPED, "患者已撤回授权", finished_at=at)
            continue
        held = {
            c.member_userid: c
            for c in WecomContact.objects.filter(
                account_id=row.account_id,
                external_key=row.contact.external_key,
                status=WecomContact.Status.ADDED,
            )
        }
        holder = held.get(ended.takeover_userid) or held.get(ended.handover_userid)
        holder = holder or next((c for c in held.values() if c.lead_id == row.lead_id), None)
        if row.takeover_userid and row.takeover_userid in held:
            _set(row, S.SKIPPED, "患者已是新医助的企业微信客户", finished_at=at)
            continue
        if holder is None:
            _set(row, S.SKIPPED, "患者已不是企业微信客户", finished_at=at)
            continue
        WecomTransfer.objects.filter(pk=row.pk).update(
            status=S.PENDING, contact=holder, handover_userid=holder.member_userid, next_check_at=at
        )
        released.append(row.pk)
    if released:
        transaction.on_commit(lambda: _drive_ids(released, timezone.now()), robust=True)
    return True


def _drive_ids(ids: list[int], now: dt.datetime) -> int:
    rows = list(
        WecomTransfer.objects.select_related("account", "contact", "event")
        .filter(pk__in=ids)
        .exclude(status__in=FINISHED)
        .order_by("pk")
    )
    try:
        return _drive(rows, now)
    except PlatformError as exc:
        # Left `error`: transfers_check calls it again (no outbox delivery carries it).
        logger.warning("released transfer call failed: %s", exc.code)
        return 0


def _callable(row: WecomTransfer, takeover: str, now: dt.datetime) -> bool:
    """Decide what needs no call: nobody to take over, already the new member's customer,
    or the platform's limit reached by our own count."""
    if not takeover:
        if Lead.objects.filter(pk=row.lead_id, assignee__isnull=False).exists():
            # The patient stays with the old member: the new assistant and the supervisor
            # are told why (a follow-up), never silently.
            _refuse(row, S.SKIPPED, NO_USERID, now)
        else:  # moved to the unassigned queue: nobody to hand the customer to yet
            _done_without_call(row, "改派到待分配队列", now)
        return False
    if takeover == row.handover_userid:
        _done_without_call(row, "同一企业微信成员", now)
        return False
    if WecomContact.objects.filter(
        account_id=row.account_id,
        member_userid=takeover,
        external_key=row.contact.external_key,
        status=WecomContact.Status.ADDED,
    ).exists():
        _done_without_call(row, "患者已是新医助的企业微信客户", now)
        return False
    if transfers_counted(contact=row.contact, now=now, exclude=row.pk) >= TRANSFER_LIMIT:
        _refuse(row, S.LIMIT_REACHED, "limit_reached", now, takeover_userid=takeover)
        return False
    return True


def _done_without_call(row: WecomTransfer, answer: str, now: dt.datetime) -> None:
    """Nothing to move for this row (the customer is already the new member's)."""
    with transaction.atomic():
        _set(row, S.SKIPPED, answer, finished_at=now)
        _release(row, now)


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
        # A reassignment queued behind this one goes on from the new member.
        _release(row, at)


def _newest(contact: WecomContact, at: dt.datetime) -> bool:
    return contact.last_event_at is None or at >= contact.last_event_at


def _final(row: WecomTransfer, status: str, answer: str, at: dt.datetime) -> bool:
    """End a waiting transfer that left the patient with the old member (once)."""
    with transaction.atomic():
        if not WecomTransfer.objects.filter(pk=row.pk, status=S.WAITING).update(
            status=status, last_answer=answer[:ANSWER_CHARS], finished_at=at, next_check_at=None
        ):
            return False
        if not _release(row, at):
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
    transfers_sweep(now=now)
    return finished


RELEASED_MAX_TRIES = 12  # a released row's calls (no outbox delivery retries it)


def transfers_sweep(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Rows nothing else will move (part of the `transfers_check` beat): queued rows whose
    predecessor ended without releasing them, `pending` rows due (released) or older than a
    lease (their delivery or after-commit call was lost), `sending` rows whose worker died
    past the lease, and released rows left `error` (after RELEASED_MAX_TRIES: `failed`, with
    the follow-up). Outbox-driven rows are the outbox's while its delivery is pending; once it
    gave up, an `error` row is `failed` with the follow-up. Returns how many rows were
    driven; a failing call is logged (never raises)."""
    from funnel.models import OutboxDelivery

    now = now or timezone.now()
    carried = OutboxDelivery.objects.filter(
        listener=LISTENER, status=OutboxDelivery.Status.PENDING
    ).values("event_id")
    given_up = OutboxDelivery.objects.filter(
        listener=LISTENER, status=OutboxDelivery.Status.FAILED
    ).values("event_id")
    for row in (
        WecomTransfer.objects.select_related("event")
        .filter(status=S.ERROR, waits_for__isnull=True, event_id__in=given_up)
        .exclude(event_id__in=carried)[:limit]
    ):
        # The outbox gave up: the row said 重试中 for ever and nobody was told.
        _refuse(row, S.FAILED, f"gave_up:{row.last_answer}", now)
    for row in WecomTransfer.objects.filter(
        status=S.QUEUED, waits_for__status__in=ENDED
    ).select_related("waits_for")[:limit]:
        with transaction.atomic():
            _release(row.waits_for, now)
    for row in WecomTransfer.objects.filter(status=S.QUEUED, waits_for__isnull=True)[:limit]:
        _set(row, S.SKIPPED, "上一次转接记录已不存在", finished_at=now)
    for row in WecomTransfer.objects.select_related("event").filter(
        status=S.ERROR, waits_for__isnull=False, tries__gte=RELEASED_MAX_TRIES
    )[:limit]:
        _refuse(row, S.FAILED, f"gave_up:{row.last_answer}", now)
    stuck = (
        Q(status=S.PENDING, next_check_at__lte=now)
        | Q(status=S.PENDING, created_at__lt=now - LEASE)
        | Q(status=S.SENDING, claimed_at__lt=now - LEASE)
        | Q(status=S.ERROR, waits_for__isnull=False, claimed_at__lt=now - LEASE)
    )
    rows = list(
        WecomTransfer.objects.select_related("account", "contact", "event")
        .filter(stuck)
        .exclude(waits_for__isnull=True, event_id__in=carried)  # the outbox still has these
        .order_by("pk")[:limit]
    )
    try:
        _drive(rows, now)
    except PlatformError as exc:
        logger.warning("transfer sweep: a call failed: %s", exc.code)
    return len(rows)


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
