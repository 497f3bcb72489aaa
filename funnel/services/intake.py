"""Intake: the one way a raw record from any source enters the funnel (nothing is lost).

Every source calls `lead_intake` (one record: a landing form, a lead-API call, a platform push,
a seeded lead) or `leads_intake` (a page: a platform pull, a CSV batch). Both store the raw
record first, idempotent on (channel, account, external id), and then process it through
`funnel.services.ingest` in the way the caller needs:

- `Processing.NOW`: in this call, committed durably; the landing form and the lead API answer
  with the routed lead, CSV import reports its counts, the seed walks the lead on.
- `Processing.LATER`: after the caller's transaction commits, by the `funnel.intake_process`
  task (pushes answer the platform first); `intake_sweep` picks up any record whose task was
  lost.
- `Processing.AFTER_COMMIT` (pages only): right after the caller's transaction commits, in the
  caller's process, from the records it still holds in memory (a pull, already a background
  task, processes each page as soon as its checkpoint commits, without reading back and
  decrypting what it just wrote). The stored rows stay the truth: a row changed meanwhile is
  read back, and a failed processing leaves the rows RECEIVED for the task and the sweep.

A record that cannot become a lead is quarantined with a reason code (`funnel.errors`) and can
be fixed and replayed from the admin (`intake_replay`). A body that cannot even be read is
kept too, quarantined on arrival (`intake_reject`). Nothing else writes an InboundLead.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone

from funnel import errors
from funnel.bulk import model_new, rows_insert, rows_update
from funnel.crypto import phone_hash
from funnel.models import InboundLead, InboundStatus
from funnel.payload import TEXT_LIMITS, IngestResult, LeadPayload, payload_bounded
from funnel.services.ingest import PLATFORM_CHANNELS
from funnel.surrogates import has_surrogate, surrogates_replaced
from funnel.textclean import controls_dropped

logger = logging.getLogger("yinliu.intake")
SWEEP_AFTER = dt.timedelta(minutes=2)
SWEEP_BATCH = 100


@dataclass(frozen=True)
class IntakeSource:
    """Where records come from: a channel (`funnel.models.Channel`) and, for an ad platform,
    the account's name ("" for our own form, the lead API and CSV import)."""

    channel: str
    account: str = ""

    def __post_init__(self) -> None:
        # Bounded like every received value, so storing and finding a record agree.
        object.__setattr__(self, "channel", str(self.channel)[: TEXT_LIMITS["channel"]])
        object.__setattr__(self, "account", str(self.account)[: TEXT_LIMITS["account"]])


class Processing(enum.Enum):
    NOW = "now"  # in this call, durable commit: the caller answers with the lead
    LATER = "later"  # after the caller's commit, by a task (backed by the sweep)
    AFTER_COMMIT = "after_commit"  # after the caller's commit, here, from memory (pages)


class Resend(enum.Enum):
    """What a record stored again under the same external id with other content is."""

    # An update: platforms fill some fields late; the record is replaced and processed again.
    REPLACE = "replace"
    # The same record: the source's external id is its whole identity (WeCom re-sends one
    # event with a fresh WelcomeCode); the first copy stays and nothing is processed again.
    KEEP_FIRST = "keep_first"


# Records per ingest batch a pull gathers (`AfterCommitQueue`): five 100-record pages.
AFTER_COMMIT_BATCH = 500


@dataclass
class AfterCommitQueue:
    """Committed pages waiting to be processed (`Processing.AFTER_COMMIT`), processed as one
    ingest batch once `limit` records wait, and whatever waits at `flush()`.

    Why gather pages: an ingest batch has a fixed cost (locking the batch's people, reading
    the scoring and routing rules and the pools, one statement per table), which a 100-record
    page pays once per 100 leads; five pages pay it once per 500 (`make bench ONLY=channels`).
    Nothing is at risk meanwhile: the records are committed, and if the caller dies before
    `flush()` they are RECEIVED rows the sweep processes. The caller must `flush()` when done
    (a pull does, also when it stops on a platform error)."""

    limit: int = field(default_factory=lambda: AFTER_COMMIT_BATCH)
    ids: dict[int, None] = field(default_factory=dict)  # ordered, each record once
    held: dict[int, InboundLead] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)  # the waiting records' stored external ids

    def add(self, ids: list[int], held: dict[int, InboundLead], keys: list[str] = ()) -> None:
        self.ids.update(dict.fromkeys(ids))
        self.held.update(held)
        self.keys.update(keys)
        if len(self.ids) >= self.limit:
            self.flush()

    def holds(self, external_ids: list[str]) -> bool:
        """Whether one of these records (external ids as the source sends them) waits here.
        The caller flushes first: a re-send must meet the lead its first copy makes, as it
        would if every page were processed at once (a changed phone held `phone_changed`,
        the re-send counted as updated, not new)."""
        return bool(self.keys) and any(
            _external_key(surrogates_replaced(str(e))) in self.keys for e in external_ids
        )

    def clear(self) -> None:
        """Forget what waits (committed RECEIVED records: the intake sweep takes them)."""
        self.ids, self.held, self.keys = {}, {}, set()

    def flush(self) -> None:
        ids, held = list(self.ids), self.held
        self.clear()
        if ids:
            _process_after_commit(ids, held)


@dataclass
class IntakeResult:
    """One record's fate. `changed` is False for an exact replay of a stored record; `new` is
    True the first time a record is stored (a changed re-send is changed but not new).
    `outcome` is the ingest result when the record was processed (or, for a replay, what its
    earlier processing decided); None while it waits for `Processing.LATER`."""

    inbound_id: int
    changed: bool
    new: bool
    outcome: IngestResult | None = None


Record = tuple[str, dict[str, Any], LeadPayload | None]  # (external id, raw, payload)


def lead_intake(
    *,
    source: IntakeSource,
    external_id: str,
    raw: dict[str, Any],
    payload: LeadPayload | None,
    processing: Processing = Processing.NOW,
    resend: Resend = Resend.REPLACE,
) -> IntakeResult:
    """Store one record and process it (see the module doc). A re-send with different content
    (platforms fill some fields late) replaces the stored record and is processed again, which
    updates the lead's attribution — unless `resend` is `Resend.KEEP_FIRST` (the source says
    an id is one record whatever else differs): then it is a replay. An exact replay answers
    the stored outcome.

    Raises nothing for bad content: it is quarantined and `outcome.result` says so."""
    with transaction.atomic():
        row, changed = _store_one(source, external_id, raw, payload, resend=resend)
        if processing is Processing.LATER and changed:
            intake_enqueue(inbound_ids=[row.pk])
    result = IntakeResult(inbound_id=row.pk, changed=changed, new=changed and _never_processed(row))
    if processing is Processing.NOW:
        (result.outcome,) = intake_process(inbound_ids=[row.pk], durable=True) or [None]
    return result


def leads_intake(
    *,
    source: IntakeSource,
    records: list[Record],
    processing: Processing = Processing.LATER,
    queue: AfterCommitQueue | None = None,
) -> list[IntakeResult]:
    """Store a page of records, one result per distinct external id, in two statements
    whatever the page size (an id sent twice on one page: its copies are stored in turn, as
    re-sends, see `_store_rounds`), inside the caller's transaction (a pull
    moves its checkpoint in the same one). Changed records are processed as one ingest batch:
    after the caller commits (LATER), or now (NOW: records still waiting are processed too;
    exact replays of finished ones answer their stored outcome; AFTER_COMMIT: see the module
    doc; with a `queue`, the page joins it after the commit instead of being processed alone)."""
    with transaction.atomic():
        stored, new_ids = _store_rounds(source, records)
        changed_ids = [row.pk for row, changed in stored if changed]
        if processing is Processing.LATER:
            intake_enqueue(inbound_ids=changed_ids)
        elif processing is Processing.AFTER_COMMIT and changed_ids:
            # Rows read back (already there) hold no payload in memory: processing reads it.
            held = {
                row.pk: row
                for row, changed in stored
                if changed and "payload" not in row.get_deferred_fields()
            }
            if queue is not None:
                keys = [row.external_id for row, changed in stored if changed]
                transaction.on_commit(partial(queue.add, changed_ids, held, keys))
            else:
                transaction.on_commit(partial(_process_after_commit, changed_ids, held))
    results = [
        IntakeResult(inbound_id=row.pk, changed=changed, new=row.pk in new_ids)
        for row, changed in stored
    ]
    if processing is Processing.NOW:
        todo = [
            row.pk for row, changed in stored if changed or row.status == InboundStatus.RECEIVED
        ]
        outcomes = {o.inbound_id: o for o in intake_process(inbound_ids=todo)}
        for result, (row, _changed) in zip(results, stored, strict=True):
            result.outcome = outcomes.get(row.pk) or _stored_outcome(row)
    return results


def intake_reject(*, source: IntakeSource, body: bytes, code: str, detail: str) -> int:
    """Keep an authentic body that cannot be read as a lead, quarantined on arrival with `code`
    (e.g. `malformed_body`), so staff see it; keyed by its digest, so a re-send is one row.
    Returns the inbound id."""

    digest = hashlib.sha256(body).hexdigest()[:40]  # a re-sent body is the same record
    raw = {"body": body.decode("utf-8", errors="replace"), "error": detail[:300]}
    with transaction.atomic():
        row, _changed = _store_one(source, f"malformed:{digest}", raw, None)
        row.status = InboundStatus.QUARANTINED
        row.reason = code
        row.detail = detail[:1000]
        row.save(update_fields=["status", "reason", "detail", "updated_at"])
    return row.pk


def _never_processed(row: InboundLead) -> bool:
    return row.attempts == 0 and row.lead_id is None


def _stored_outcome(row: InboundLead) -> IngestResult:
    """What an earlier processing decided, for an exact replay."""
    if row.status == InboundStatus.ANONYMIZED:
        return IngestResult(
            result="quarantined",
            reason=errors.PERSON_ANONYMIZED,
            detail=errors.MESSAGES[errors.PERSON_ANONYMIZED],
            inbound_id=row.pk,
            replayed=True,
        )
    if row.status == InboundStatus.PROCESSED:
        return IngestResult(
            result=row.result, lead_id=row.lead_id, inbound_id=row.pk, replayed=True
        )
    return IngestResult(
        result="quarantined",
        reason=row.reason,
        detail=row.detail,
        inbound_id=row.pk,
        replayed=True,
    )


EXTERNAL_ID_MAX = 128


def _external_key(external_id: str) -> str:
    """The stored id: as sent when it fits the column and holds no control character, else a
    digest of it (cutting could make two records one, and PostgreSQL refuses a NUL in the
    column; the raw record keeps the id whole)."""
    external_id = str(external_id)
    if len(external_id) <= EXTERNAL_ID_MAX and controls_dropped(external_id) == external_id:
        return external_id
    return "sha256:" + hashlib.sha256(external_id.encode("utf-8")).hexdigest()


def _stored_payload(payload: LeadPayload | None) -> dict[str, Any] | None:
    """The normalized copy intake keeps, every value within its column (`payload_bounded`)."""
    return payload_bounded(payload).to_dict() if payload is not None else None


def _store_one(
    source: IntakeSource,
    external_id: str,
    raw: dict[str, Any],
    payload: LeadPayload | None,
    *,
    resend: Resend = Resend.REPLACE,
) -> tuple[InboundLead, bool]:
    """One INSERT for the usual new record: this is every webhook's path, where latency
    counts. The same outcome as a page of one through `_store_page`."""
    external_id, raw, payload = _storable(external_id, raw, payload)
    external_id = _external_key(external_id)
    row = _new_row(source, external_id, raw, payload)
    # Callers hold the transaction; a savepoint here would cost two round trips per push.
    with transaction.atomic(savepoint=False):
        if _insert_new(row):
            return row, True
        row = InboundLead.objects.select_for_update().get(
            channel=source.channel, account_name=source.account, external_id=external_id
        )
        if row.raw == raw or row.status == InboundStatus.ANONYMIZED:
            return row, False
        if resend is Resend.KEEP_FIRST:
            return row, False
        if _waits_with_another_phone(row, row.payload, payload):
            _process_first([row.pk])
            row = InboundLead.objects.select_for_update().get(pk=row.pk)
        before, was_held = row.payload, _held_for_phone(row)
        _resend(row, raw, payload)
        _hold_if_phone_changed(row, before, was_held=was_held)
        _hold_if_unreadable(row)
        rows_update([row], RESEND_FIELDS)
        return row, True


RESEND_FIELDS = ["raw", "payload", "status", "reason", "detail", "updated_at"]


def _insert_new(row: InboundLead) -> bool:
    """Insert `row` unless its (channel, account, external id) is stored already; True when
    this call stored it (then `row.pk` is set). On PostgreSQL one `INSERT … ON CONFLICT DO
    NOTHING RETURNING`: a conflict leaves the transaction usable, so no savepoint (SAVEPOINT
    and RELEASE are two of a push's round trips). A concurrent insert of the same id waits
    for the other transaction and then counts as already stored. Elsewhere a savepoint
    catches the unique constraint."""
    if connection.vendor == "postgresql":
        began = timezone.now()
        inserted = rows_insert([row], ignore_conflicts=True)
        if inserted is None:
            # rows_insert could not say (it fell back to bulk_create): ours if stored since.
            stored = InboundLead.objects.only("pk", "received_at").get(
                channel=row.channel, account_name=row.account_name, external_id=row.external_id
            )
            inserted = [(stored.pk,)] if stored.received_at >= began else []
        if not inserted:
            return False
        row.pk = inserted[0][0]
        row._state.adding, row._state.db = False, InboundLead.objects.db
        return True
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _storable(
    external_id: str, raw: dict[str, Any], payload: LeadPayload | None
) -> tuple[str, dict[str, Any], LeadPayload | None]:
    """The record as it can be stored: a lone surrogate (U+D800–U+DFFF, from a JSON escape
    like `\\ud800`) cannot be encoded as UTF-8, so neither encrypted nor kept in jsonb. Each
    is replaced by U+FFFD and the raw record is marked (`_hold_if_unreadable` holds it for
    staff with `string_unicode`): nothing is lost, nothing half written, never a 500."""
    bad = has_surrogate(raw) or has_surrogate(external_id)
    if payload is not None and has_surrogate(payload.to_dict()):
        bad = True
        payload = LeadPayload.from_dict(surrogates_replaced(payload.to_dict()))
    if not bad:
        return external_id, raw, payload
    raw = {**surrogates_replaced(raw), UNREADABLE_MARK: True}
    return surrogates_replaced(external_id), raw, payload


# Set on a raw record whose lone surrogates were replaced (its stored copy is not what came).
UNREADABLE_MARK = "_string_unicode"


def _hold_if_unreadable(row: InboundLead) -> None:
    """A record that came with lone surrogates is held (quarantined `string_unicode`, released
    only by a staff replay): its text was changed on the way in, a person's name included."""
    if isinstance(row.raw, dict) and row.raw.get(UNREADABLE_MARK):
        row.status = InboundStatus.QUARANTINED
        row.reason = errors.STRING_UNICODE
        row.detail = errors.MESSAGES[errors.STRING_UNICODE]


def _phone_key(payload: dict[str, Any] | None) -> str | None:
    from funnel.services.identity import phone_normalize

    try:
        return phone_normalize((payload or {}).get("phone") or "")
    except errors.LeadRejected:
        return None


def _hold_if_phone_changed(
    row: InboundLead, before: dict[str, Any] | None, *, was_held: bool = False
) -> None:
    """A source re-sending a record it already gave us (same external id, so the same
    submission) with another person's phone is not a new person: it is held for staff
    (quarantined `phone_changed`, replayable), the lead it made stays as it was. Late fields
    and another spelling of the same number are ordinary re-sends.

    A record already held (`was_held`) stays held through further re-sends (a late field, the
    next pull's trailing window) until its phone is again one of its lead's (the platform
    corrected it) or staff replay it: compared with the held copy, the phone would look
    unchanged and the record would make a lead for the other person."""
    if row.lead_id is None:
        return
    new = _phone_key(row.payload)
    if was_held:
        if new is not None and phone_hash(new) in _lead_keys(row.lead_id):
            return
    else:
        if before is None:
            return
        old = _phone_key(before)
        if old is None or new is None or old == new:
            return
    row.status = InboundStatus.QUARANTINED
    row.reason = errors.PHONE_CHANGED
    row.detail = errors.MESSAGES[errors.PHONE_CHANGED]


def _held_for_phone(row: InboundLead) -> bool:
    return row.status == InboundStatus.QUARANTINED and row.reason == errors.PHONE_CHANGED


def _waits_with_another_phone(
    row: InboundLead, stored: dict[str, Any] | None, payload: LeadPayload | None
) -> bool:
    """A re-send whose stored first copy still waits to be processed (for the task, the sweep
    or a pull's batch) and carries another person's phone. Replacing that copy would lose the
    first person: `_process_first` lets it make its lead first (review of issue 14, H2)."""
    if row.status != InboundStatus.RECEIVED or not _never_processed(row) or payload is None:
        return False
    old, new = _phone_key(stored), _phone_key(payload.to_dict())
    return old is not None and new is not None and old != new


def _process_first(inbound_ids: list[int]) -> None:
    """Process waiting first copies now, inside the caller's transaction (it holds their
    locks), so the re-sends about to replace them meet the leads they make: a changed phone
    is then held `phone_changed`, as if every copy had been processed on arrival. Rare (a
    platform re-sending a record with another phone before we processed it), so its cost (a
    savepoint and an ingest batch inside a push or a page) does not matter."""
    intake_process(inbound_ids=inbound_ids)


def _lead_keys(lead_id: int) -> set[str]:
    """The phone keys that are this lead's: its own and those merged into it."""
    from funnel.models import Lead, LeadAlias

    keys = set(Lead.objects.filter(pk=lead_id).values_list("phone_hash", flat=True))
    keys.update(LeadAlias.objects.filter(lead_id=lead_id).values_list("phone_hash", flat=True))
    return keys


# Quarantine reasons only staff release (by replaying).
HELD = {errors.PHONE_CHANGED, errors.STRING_UNICODE}


def _new_row(
    source: IntakeSource, external_id: str, raw: dict[str, Any], payload: LeadPayload | None
) -> InboundLead:
    row = model_new(
        InboundLead,
        channel=source.channel,
        account_name=source.account,
        external_id=external_id,
        raw=raw,
        payload=_stored_payload(payload),
    )
    _hold_if_unreadable(row)
    return row


def _resend(row: InboundLead, raw: dict[str, Any], payload: LeadPayload | None) -> None:
    """A changed copy of a stored record replaces it and waits for processing again."""
    row.raw = raw
    row.payload = _stored_payload(payload)
    row.status = InboundStatus.RECEIVED
    row.updated_at = timezone.now()


def _store_page(source: IntakeSource, records: list[Record]) -> list[tuple[InboundLead, bool]]:
    """Insert every record (ON CONFLICT DO NOTHING), then lock the page's rows; only re-sends
    whose content changed are written again.

    A row counts as ours (new) when it was stored since this call began and holds our copy;
    a copy another request stored at the same moment then also counts as new, which costs
    one idempotent extra processing, never a lost record."""
    wanted = {
        _external_key(ext): (raw, payload)
        for ext, raw, payload in (_storable(*record) for record in records)
    }
    with transaction.atomic():
        began = timezone.now()
        fresh = {ext: _new_row(source, ext, raw, payload) for ext, (raw, payload) in wanted.items()}
        inserted = rows_insert(
            list(fresh.values()), ignore_conflicts=True, returning=["external_id"]
        )
        stored: dict[str, InboundLead] = {}
        if inserted is not None:
            # Rows this statement inserted are ours, as built (and locked until we commit):
            # only the ones already there are read back.
            for pk, external_id in inserted:
                row = fresh[external_id]
                row.pk = pk
                row._state.adding, row._state.db = False, InboundLead.objects.db
                stored[external_id] = row
        others = [ext for ext in wanted if ext not in stored]
        if others:
            rows = InboundLead.objects.select_for_update().filter(
                channel=source.channel, account_name=source.account, external_id__any=others
            )
            # The stored payload is never read here: skip decrypting it.
            stored.update((row.external_id, row) for row in rows.defer("payload").order_by("pk"))
        out: list[tuple[InboundLead, bool]] = []
        resent: list[InboundLead] = []
        changed = [ext for ext, (raw, _p) in wanted.items() if stored[ext].raw != raw]
        waiting = [
            ext
            for ext in changed
            if stored[ext].status == InboundStatus.RECEIVED and _never_processed(stored[ext])
        ]
        if waiting:
            copies = dict(
                InboundLead.objects.filter(pk__any=[stored[ext].pk for ext in waiting]).values_list(
                    "pk", "payload"
                )
            )
            first = [
                row.pk
                for row, (_raw, payload) in ((stored[ext], wanted[ext]) for ext in waiting)
                if _waits_with_another_phone(row, copies.get(row.pk), payload)
            ]
            if first:
                _process_first(first)
                again = InboundLead.objects.select_for_update().filter(pk__any=first)
                stored.update((row.external_id, row) for row in again.defer("payload"))
        # Only changed re-sends of records that made a lead need their earlier payload.
        before = (
            dict(
                InboundLead.objects.filter(
                    pk__any=[stored[ext].pk for ext in changed if stored[ext].lead_id]
                ).values_list("pk", "payload")
            )
            if changed
            else {}
        )
        for external_id, (raw, payload) in wanted.items():
            row = stored[external_id]
            # A withdrawn person's record re-sent: refused (its stored outcome says why).
            if row.raw == raw or row.status == InboundStatus.ANONYMIZED:
                out.append((row, row.received_at >= began))
                continue
            was_held = _held_for_phone(row)
            _resend(row, raw, payload)
            _hold_if_phone_changed(row, before.get(row.pk), was_held=was_held)
            _hold_if_unreadable(row)
            resent.append(row)
            out.append((row, True))
        if resent:
            rows_update(resent, RESEND_FIELDS)
        return out


def _store_rounds(
    source: IntakeSource, records: list[Record]
) -> tuple[list[tuple[InboundLead, bool]], set[int]]:
    """`_store_page` for a page that may hold one external id more than once: the first copy
    of each id is stored, then the second as its re-send, and so on, so a second copy with
    another phone is held `phone_changed` instead of silently replacing the first person
    (review of issue 14, H2); copies that only add late fields end as one record, as before.
    Returns one (row, changed) per distinct id in first-seen order, and the ids stored new."""
    rounds: list[list[Record]] = []
    seen: dict[str, int] = {}
    for record in records:
        key = _external_key(surrogates_replaced(str(record[0])))
        turn = seen.get(key, 0)
        seen[key] = turn + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(record)
    merged: dict[str, tuple[InboundLead, bool]] = {}
    new_ids: set[int] = set()
    for part in rounds or [[]]:
        for row, changed in _store_page(source, part):
            if row.external_id not in merged and changed and _never_processed(row):
                new_ids.add(row.pk)
            earlier = merged.get(row.external_id)
            merged[row.external_id] = (row, changed or bool(earlier and earlier[1]))
    return list(merged.values()), new_ids


def intake_enqueue(*, inbound_ids: list[int]) -> None:
    """Process stored records as one batch after the surrounding transaction commits (never
    inside it). If the broker is away the records stay RECEIVED and the sweep takes them."""
    from funnel.tasks import intake_process_task

    if inbound_ids:
        ids = list(inbound_ids)
        # robust: a broker outage (or, inline, a failed processing) is logged, never raised
        # into the push or the pull that already stored the records; the sweep takes them.
        transaction.on_commit(lambda: intake_process_task.delay(ids), robust=True)


def _process_after_commit(ids: list[int], held: dict[int, InboundLead]) -> None:
    """`Processing.AFTER_COMMIT`: process the rows just committed from the copies in memory.
    Never raises into the caller (its records are stored): on failure the batch goes to the
    task (retried with back-off), and if the broker is away too the sweep takes it."""
    from funnel.tasks import intake_process_task

    try:
        intake_process(inbound_ids=ids, held=held)
    except Exception:
        logger.exception("processing %d stored records failed; handing them to the task", len(ids))
        try:
            intake_process_task.delay(ids)
        except Exception:
            logger.exception("enqueueing %d stored records failed; the sweep takes them", len(ids))


def _commit_without_flush() -> None:
    """Background processing is derived data: the raw records were committed durably when
    received, and a crash that loses the last fraction of a second of processing leaves those
    rows RECEIVED, where `intake_sweep` finds and processes them again. So such a transaction
    does not wait for its WAL flush (PostgreSQL's per-transaction `synchronous_commit = off`),
    which is a large share of a batch's time on a small disk."""
    # Only when this is the outermost transaction: SET LOCAL would bind an enclosing one too.
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def intake_sweep(*, older_than: dt.timedelta = SWEEP_AFTER, limit: int = 5000) -> int:
    """Records stored but never processed (a worker died, the broker lost the message, a
    commit was lost): process them now, in batches. Returns how many were picked up."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundLead.objects.filter(status=InboundStatus.RECEIVED, updated_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for at in range(0, len(ids), SWEEP_BATCH):
        batch = ids[at : at + SWEEP_BATCH]
        try:
            intake_process(inbound_ids=batch)
        except DB_TROUBLE:
            raise  # the database, not a record: the beat runs the sweep again
        except Exception:  # noqa: BLE001  some record of the batch: find it, go on past it
            for pk in batch:  # processed ones answer their stored outcome
                try:
                    intake_process(inbound_ids=[pk])
                except DB_TROUBLE:
                    raise
                except Exception as exc:  # noqa: BLE001  this record's trouble: noted
                    _process_failed(pk, exc)
    return len(ids)


# How often a record whose processing raises (not for its content: its channel's platform
# refusing a call, a handler error) is tried before it is set aside, one sweep apart (the
# beat runs the sweep every 5 minutes): about an hour. Staff replay it from quarantine once
# the cause is fixed.
PROCESS_ATTEMPTS = 12
# The database itself failing (a lock, a deadlock, a lost connection) is never a record's
# try: it is raised for the whole batch.
DB_TROUBLE = (OperationalError, InterfaceError)


def _process_failed(inbound_id: int, exc: Exception) -> IngestResult:
    """Count a failed try of one record (its `updated_at` moves, so the sweep comes back to it
    a sweep later); past PROCESS_ATTEMPTS it is quarantined `processing_failed`. Either way
    the sweep goes on to the next record. Raises when the database itself fails."""
    logger.warning("inbound record %s: processing failed: %s", inbound_id, exc)
    detail = f"{type(exc).__name__}: {exc}"[:1000]
    with transaction.atomic():
        row = InboundLead.objects.select_for_update().defer("raw").get(pk=inbound_id)
        if row.status != InboundStatus.RECEIVED:
            return _stored_outcome(row)
        row.attempts += 1
        row.detail = detail
        if row.attempts >= PROCESS_ATTEMPTS:
            row.status = InboundStatus.QUARANTINED
            row.reason = errors.PROCESSING_FAILED
        row.save(update_fields=["status", "reason", "detail", "attempts", "updated_at"])
    if row.status == InboundStatus.QUARANTINED:
        return IngestResult(
            result="quarantined",
            reason=errors.PROCESSING_FAILED,
            detail=detail,
            inbound_id=inbound_id,
        )
    return IngestResult(result="failed", detail=detail, inbound_id=inbound_id)


PROCESS_FIELDS = [
    "status",
    "reason",
    "detail",
    "lead",
    "result",
    "processed_at",
    "attempts",
    "updated_at",
]


def intake_process(
    *, inbound_ids: list[int], durable: bool = False, held: dict[int, InboundLead] | None = None
) -> list[IngestResult]:
    """Process stored records as one ingest batch: a fixed number of statements whatever the
    number of records; idempotent (processed rows answer their stored outcome). `durable`
    makes the commit wait for the disk, for callers that answer someone with the result. If a
    batch of several fails for an unexpected reason, each record is processed alone, so one
    bad record cannot hold back the others. `held`: in-memory copies of rows this process
    has just stored (by id), used instead of reading their payload back while the stored row
    is still the one held (same `updated_at`)."""
    try:
        with transaction.atomic():
            if not durable:
                _commit_without_flush()
            return _process_locked(inbound_ids, held or {})
    except Exception as exc:
        if len(inbound_ids) >= 2:
            logger.exception(
                "batch of %d inbound records failed; processing one by one", len(inbound_ids)
            )
            return [
                result
                for pk in inbound_ids
                for result in intake_process(inbound_ids=[pk], durable=durable, held=held)
            ]
        if not isinstance(exc, POISON):
            raise  # the database or a worker is in trouble, not the record: retry later
        # This record itself cannot be stored as a lead. Keep it, quarantined, so it never
        # blocks the queue (the sweep would otherwise meet it on every run).
        logger.exception("inbound record %s cannot be processed; quarantined", inbound_ids[0])
        return [_quarantine_poison(inbound_ids[0])]


# Failures that belong to one record's content (a value the database refuses, a payload that
# cannot be read), as opposed to the database or the worker failing.
POISON = (DataError, IntegrityError, ValueError, TypeError, KeyError, AttributeError)


def _quarantine_poison(inbound_id: int) -> IngestResult:
    # The code's message only: this detail is answered to API clients and shown in the
    # admin, and a database error's text quotes the statement's parameters (values of the
    # record). The whole error is in the log (`intake_process`).
    detail = errors.MESSAGES[errors.INVALID_VALUE]
    with transaction.atomic():
        row = InboundLead.objects.select_for_update().defer("raw").get(pk=inbound_id)
        row.status = InboundStatus.QUARANTINED
        row.reason = errors.INVALID_VALUE
        row.detail = detail
        row.attempts += 1
        row.save(update_fields=["status", "reason", "detail", "attempts", "updated_at"])
    return IngestResult(
        result="quarantined", reason=errors.INVALID_VALUE, detail=detail, inbound_id=inbound_id
    )


Outcome = IngestResult | errors.LeadRejected
RecordHandler = Callable[[list[InboundLead]], list[Outcome]]
# Records that are events, not leads (WeCom contact callbacks), are processed by their
# channel's handler instead of lead ingest: the connector registers it in its
# `AppConfig.ready()` (the funnel never imports it). A handler gets the locked rows of one batch
# and returns one outcome per row, in order, inside the batch's transaction.
_HANDLERS: dict[str, RecordHandler] = {}


def intake_handler_register(*, channel: str, handler: RecordHandler) -> None:
    _HANDLERS[channel] = handler


def _process_locked(inbound_ids: list[int], held: dict[int, InboundLead]) -> list[IngestResult]:
    from funnel.services import ingest

    rows = list(
        InboundLead.objects.select_for_update()
        .filter(pk__any=inbound_ids)
        .defer(*(("raw", "payload") if held else ("raw",)))
        .order_by("pk")
    )
    fresh = _payloads_from_memory(rows, held) if held else set()
    results = {
        row.pk: _stored_outcome(row)
        for row in rows
        if row.status in (InboundStatus.PROCESSED, InboundStatus.ANONYMIZED)
        or (row.status == InboundStatus.QUARANTINED and row.reason in HELD)
    }
    todo = [row for row in rows if row.pk not in results]
    mapped = [row for row in todo if row.payload is not None]
    outcomes: dict[int, IngestResult | errors.LeadRejected] = dict.fromkeys(
        (row.pk for row in todo), errors.LeadRejected(errors.UNMAPPED)
    )
    outcomes.update(
        zip(
            (row.pk for row in mapped),
            ingest.leads_ingest(
                items=[
                    # Bounded again: records stored before the bounds existed are cut too.
                    ingest.IngestItem(
                        payload=LeadPayload.from_dict(row.payload)
                        if row.pk in fresh  # bounded when this process stored it
                        else payload_bounded(LeadPayload.from_dict(row.payload)),
                        inbound=row,
                    )
                    for row in mapped
                ]
            ),
            strict=True,
        )
    )
    for channel, handler in _HANDLERS.items():
        handled = [row for row in todo if row.channel == channel]
        if handled:
            outcomes.update(zip((row.pk for row in handled), handler(handled), strict=True))
    now = timezone.now()
    for row in todo:
        results[row.pk] = _outcome_record(row, outcomes[row.pk], now)
    rows_update(todo, PROCESS_FIELDS)
    return [results[pk] for pk in inbound_ids if pk in results]


def _payloads_from_memory(rows: list[InboundLead], held: dict[int, InboundLead]) -> set[int]:
    """Give each locked row (read without its payload) the payload it holds: the in-memory
    copy while the row is still the one this process stored (a re-send, a replay or an
    anonymization since then moved `updated_at`), else the stored one, read back. The copy is
    the dict whose JSON was encrypted, so processing sees what a read-back would give (JSON
    keeps its str/int/bool/None/dict values; `extra` is only read through `str()`). Returns
    the ids whose payload came from memory."""
    fresh: set[int] = set()
    for row in rows:
        mine = held.get(row.pk)
        if mine is not None and mine.updated_at == row.updated_at:
            row.payload = mine.payload
            fresh.add(row.pk)
    stale = [row.pk for row in rows if row.pk not in fresh]
    if stale:
        stored = dict(InboundLead.objects.filter(pk__any=stale).values_list("pk", "payload"))
        for row in rows:
            if row.pk in stored:
                row.payload = stored[row.pk]
    return fresh


def _outcome_record(
    row: InboundLead, outcome: IngestResult | errors.LeadRejected, now: dt.datetime
) -> IngestResult:
    """Set the row's status from its ingest outcome (saved by the caller, with the batch)."""
    row.attempts += 1
    row.updated_at = now
    if isinstance(outcome, errors.LeadRejected):  # quarantined, kept for fix-and-replay
        row.status = InboundStatus.QUARANTINED
        row.reason = outcome.code
        row.detail = outcome.message
        return IngestResult(
            result="quarantined", reason=outcome.code, detail=outcome.message, inbound_id=row.pk
        )
    row.status = InboundStatus.PROCESSED
    row.reason = ""
    # what the handler said (an ignored WeCom event says why); a failed try's note is cleared
    row.detail = (outcome.detail or "")[:1000]
    row.lead_id = outcome.lead_id
    row.result = outcome.result
    row.processed_at = now
    return outcome


@dataclass(frozen=True)
class ConsentRecord:
    """Consent staff recorded for a record that lacked it (PIPL Art. 29): the text version
    the person agreed to, where (the event, the call, the paper form), when, and who recorded
    it (kept on the lead as its consent source)."""

    version: str
    source: str
    at: dt.datetime
    recorded_by: str


def intake_replay(
    *,
    inbound_id: int,
    changes: dict[str, Any] | None = None,
    consent: ConsentRecord | None = None,
) -> IngestResult:
    """Fix a quarantined record's normalized fields (from the admin), record its consent if it
    lacked it, and process it again. Works for every quarantine reason, an unreadable body
    included (its fields come from `changes`). A processed record answers its stored outcome;
    with changes it raises ApplicationError 409 `already_processed` (edit the lead instead).
    Raises InboundLead.DoesNotExist."""
    with transaction.atomic():
        row = InboundLead.objects.select_for_update().get(pk=inbound_id)
        if row.status == InboundStatus.ANONYMIZED:
            return _stored_outcome(row)  # nothing left to replay: the person was anonymized
        if row.status == InboundStatus.PROCESSED:
            if changes or consent:
                raise errors.ReplayRefused(errors.ALREADY_PROCESSED, lead_id=row.lead_id)
            return _stored_outcome(row)
        if row.channel in _HANDLERS:
            # An event, not a lead (WeCom callbacks): replayed as received, through its
            # channel's handler; nothing of a lead's fields applies to it.
            row.status = InboundStatus.RECEIVED
            row.reason = ""
            row.attempts = 0
            row.save(update_fields=["status", "reason", "attempts", "updated_at"])
            payload = None
        else:
            payload = dict(row.payload or {})
    if payload is None:
        try:
            (outcome,) = intake_process(inbound_ids=[inbound_id], durable=True)
        except Exception as exc:  # noqa: BLE001  its platform still refuses: noted, kept
            return _process_failed(inbound_id, exc)
        return outcome
    with transaction.atomic():
        row = InboundLead.objects.select_for_update().get(pk=inbound_id)
        # An unreadable body has no payload: it is this record's channel and account.
        if not payload and row.channel in PLATFORM_CHANNELS:
            # A signed push from a platform's lead form: the person consented on that form,
            # as the connector's mapping says for every readable record (review of issue 14,
            # M8); staff fill in the fields the body could not give.
            payload["consent_required"] = False
            payload["consent"] = {"given": True, "source": f"{row.channel}:platform_form"}
        payload.setdefault("channel", row.channel)
        payload.setdefault("account", row.account_name)
        payload.setdefault("external_id", row.external_id)
        payload.update(changes or {})
        if consent is not None:
            payload["consent"] = {
                "given": True,
                "version": consent.version,
                "at": consent.at.isoformat(),
                "source": f"{consent.source}·{consent.recorded_by}",
            }
        row.payload = _stored_payload(LeadPayload.from_dict(payload))
        row.status = InboundStatus.RECEIVED
        row.save(update_fields=["payload", "status", "updated_at"])
    (outcome,) = intake_process(inbound_ids=[inbound_id], durable=True)
    return outcome
