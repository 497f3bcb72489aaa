"""Ingest: a batch of normalized payloads in, leads (or quarantine codes) out.

Called by `funnel.services.intake` inside a transaction, with the InboundLead rows locked; a
LeadRejected result makes intake quarantine that record with its code. Idempotent per inbound
record: processing the same record again updates its touchpoint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, Max
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.errors import ApplicationError
from funnel import errors
from funnel import events as lead_events
from funnel.bulk import model_new, rows_insert, rows_update
from funnel.consent import CONSENT_TIME_IN_FUTURE, consent_time_read
from funnel.crypto import phone_hash
from funnel.models import Channel, InboundLead, Lead, Specialty, Stage, Touchpoint
from funnel.payload import IngestResult, LeadPayload
from funnel.selectors import referrers_by_code
from funnel.services import routing, scoring
from funnel.services.identity import keys_canonical, leads_lock_by_key, phone_normalize

GENDERS = {"m": "m", "male": "m", "男": "m", "f": "f", "female": "f", "女": "f"}


class SpecialtyIndex:
    """Specialties by slug and by name, read once per batch (a handful of rows)."""

    def __init__(self) -> None:
        self.by_key: dict[str, Specialty] = {}
        self.by_id: dict[int, Specialty] = {}
        for specialty in Specialty.objects.all():
            self.by_id[specialty.pk] = specialty
            self.by_key.setdefault(specialty.slug, specialty)
            self.by_key.setdefault(specialty.name, specialty)

    def resolve(self, value: str) -> Specialty | None:
        """By slug or by name (脱发 / hair-loss); unknown values are kept off the lead."""
        return self.by_key.get((value or "").strip())


def _occurred(payload: LeadPayload, now: dt.datetime) -> dt.datetime:
    """When the person submitted, as the source says (`occurred_at`, ISO-8601; a naive time is
    Asia/Shanghai, as every platform here writes it); now when the source does not say or the
    value cannot be read. A time in the future (a platform's clock ahead of ours) is now: a
    lead never dates from after we stored it."""
    try:
        parsed = parse_datetime(payload.occurred_at) if payload.occurred_at else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        parsed = None
    if parsed is None:
        return now
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return min(parsed, now)


def _age(value: object) -> int | None:
    try:
        age = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return age if 0 < age < 120 else None


def lead_fill(lead: Lead, payload: LeadPayload, specialty: Specialty | None) -> list[str]:
    """Fill what the lead lacks from this payload; later sources never erase earlier facts."""
    changed = []
    candidates = {
        "name": payload.name.strip(),
        "wechat_id": payload.wechat_id.strip(),
        "gender": GENDERS.get((payload.gender or "").strip().lower(), ""),
        "age": _age(payload.age),
        "city": payload.city.strip(),
    }
    for name, value in candidates.items():
        if value and not getattr(lead, name):
            setattr(lead, name, value)
            changed.append(name)
    if specialty and lead.specialty_id is None:
        lead.specialty = specialty
        changed.append("specialty")
    answers = dict(payload.answers or {})
    if payload.concern:
        answers.setdefault("concern", payload.concern)
    if answers:
        # What the person or staff recorded first stays: a later submission matched by phone
        # (anyone can type a known number into a form) only adds questions never answered.
        # Its own answers are kept whole on its intake record.
        merged = {**answers, **(lead.answers or {})}
        if merged != lead.answers:
            lead.answers = merged
            changed.append("answers")
    return changed


# A platform form's id, as connectors keep it in `extra`, most specific first (API_FACTS):
# Douyin pulls `module_id` (the form) on `site_id` (the page); Xiaohongshu pushes
# `landing_page_id`; Baidu pulls `pageId` on `siteId`. Pushes without one fall back to the ad.
FORM_ID_KEYS = ("form_id", "module_id", "landing_page_id", "page_id", "site_id")
PLATFORM_CHANNELS = ("douyin", "xiaohongshu", "baidu")


def _from_platform_form(payload: LeadPayload) -> bool:
    """Consent given on the platform's own form: a platform record whose consent source is that
    platform's (connectors write `<platform>:<form kind>`). An API caller naming a platform as
    its channel gave consent through the API, never on a form it did not show."""
    source = payload.consent.source or ""
    return payload.channel in PLATFORM_CHANNELS and (
        not source or source.startswith(f"{payload.channel}:")
    )


def _consent_version(payload: LeadPayload) -> str:
    """The text the person agreed to. Our forms send their version; a platform's lead form
    shows the platform's own consent text, named by platform and form id; an API caller that
    sends no version is recorded as such (its token is the source)."""
    if payload.consent.version:
        return payload.consent.version
    form = next((str(payload.extra.get(k)) for k in FORM_ID_KEYS if payload.extra.get(k)), "")
    if _from_platform_form(payload):
        return f"{payload.channel}-form:{form or payload.ad_id or 'unknown'}"[:40]
    source = payload.consent.source or ""
    if source.startswith("api:"):
        return "api:unversioned"
    return f"{payload.channel}:unversioned"[:40]


def _consent(lead: Lead, payload: LeadPayload, when: dt.datetime) -> bool:
    """Record where, when and under which text version consent was given (every lead has
    one). A re-send or another touch naming no new version keeps the recorded consent."""
    consent = payload.consent
    if not consent.given:
        return False
    recorded = lead.consent_given_at is not None and lead.consent_withdrawn_at is None
    if recorded and (not consent.version or lead.consent_version == consent.version):
        return False
    lead.consent_version = _consent_version(payload)
    try:
        given_at = consent_time_read(consent.at, now=timezone.now(), naive_ok=True)
    except ApplicationError:  # refused in _prepare already; never a 500 here
        given_at = None
    lead.consent_given_at = given_at or when
    source = consent.source or payload.channel
    if payload.account and source.startswith(f"{payload.channel}:"):
        source = f"{source}@{payload.account}"  # a platform's form: which ad account
    lead.consent_source = source[:40]
    lead.consent_withdrawn_at = None
    return True


def _touch_values(payload: LeadPayload, occurred: dt.datetime, referrer: Lead | None) -> dict:
    return {
        "channel": payload.channel,
        "account_name": payload.account,
        "campaign_id": payload.campaign_id,
        "campaign_name": payload.campaign_name,
        "adgroup_id": payload.adgroup_id,
        "ad_id": payload.ad_id,
        "creative_id": payload.creative_id,
        "keyword": payload.keyword[:200],
        "click_ids": {k: v for k, v in (payload.click_ids or {}).items() if v},
        "utm": {k: v for k, v in (payload.utm or {}).items() if v},
        "content_page_id": payload.content_page_id,
        "landing_page_id": payload.landing_page_id,
        "referrer": referrer,
        "occurred_at": occurred,
    }


@dataclass
class IngestItem:
    payload: LeadPayload
    inbound: InboundLead | None = None


@dataclass
class _Prepared:
    """A payload that passed validation, with what identifying it needs."""

    index: int
    item: IngestItem
    e164: str
    digest: str
    occurred: dt.datetime
    specialty: Specialty | None


@dataclass
class _Batch:
    """One attempt at a batch: the leads (existing ones locked, new ones not yet inserted),
    read-once state, and the rows to write, one statement per kind at the end. Leads are keyed
    by phone hash because new ones have no id until they are inserted."""

    leads: dict[str, Lead]
    new: set[str]
    score_rules: list
    touch_counts: dict[str, int]
    has_first: set[str]
    touch_by_inbound: dict[int, Touchpoint]
    referrers: dict[str, Lead]
    touchpoints_new: list[Touchpoint] = field(default_factory=list)
    touchpoints_changed: list[Touchpoint] = field(default_factory=list)
    # touchpoints whose record now resolves to another person (see `_touch`)
    touchpoints_detached: list[Touchpoint] = field(default_factory=list)
    lead_fields: set[str] = field(default_factory=set)
    leads_changed: set[str] = field(default_factory=set)
    to_route: dict[str, tuple[Lead, routing.RouteFacts]] = field(default_factory=dict)
    writes: routing.RouteWrites = field(default_factory=routing.RouteWrites)


def _prepare(index: int, item: IngestItem, specialties: SpecialtyIndex) -> _Prepared:
    payload = item.payload
    e164 = phone_normalize(payload.phone)
    if payload.consent_required and not payload.consent.given:
        raise errors.LeadRejected(errors.CONSENT_REQUIRED)
    if payload.consent.given:
        _consent_time_check(payload)
    return _Prepared(
        index=index,
        item=item,
        e164=e164,
        digest=phone_hash(e164),
        occurred=_occurred(payload, timezone.now()),
        specialty=specialties.resolve(payload.specialty),
    )


def _consent_time_check(payload: LeadPayload) -> None:
    """Quarantine a record whose consent time is unreadable, impossible or in the future: its
    own `consent.at`, or for a platform's form the submit time (the consent time recorded)."""
    now = timezone.now()
    try:
        consent_time_read(payload.consent.at, now=now, naive_ok=True)
        if not payload.consent.at and _from_platform_form(payload) and payload.occurred_at:
            try:
                consent_time_read(payload.occurred_at, now=now, naive_ok=True)
            except ApplicationError as bad:
                if bad.code == CONSENT_TIME_IN_FUTURE:
                    raise
                # an unreadable submit time is the receipt time (`_occurred`), not a refusal
    except ApplicationError as bad:
        detail = str(payload.consent.at or payload.occurred_at)[:40]
        raise errors.LeadRejected(bad.code, detail) from bad


def _batch_load(prepared: list[_Prepared], score_rules: list) -> _Batch:
    """Lock the batch's known people (in id order, so concurrent batches queue instead of
    deadlocking) and read what applying the payloads needs, in a fixed number of queries."""
    digests = list(dict.fromkeys(p.digest for p in prepared))
    leads = {lead.phone_hash: lead for lead in leads_lock_by_key(digests)}
    by_id = {lead.pk: digest for digest, lead in leads.items()}
    counts = (
        Touchpoint.objects.filter(lead_id__any=list(by_id))
        .values_list("lead_id")
        .annotate(n=Count("pk"), first=Max(Cast("is_first", IntegerField())))
        if by_id
        else []
    )
    new = set()
    for prep in prepared:
        if prep.digest in new:
            # The same new person twice in one batch (pages come newest first): the lead dates
            # from their earliest submission.
            lead = leads[prep.digest]
            lead.created_at = min(lead.created_at, prep.occurred)
            continue
        if prep.digest not in leads:
            leads[prep.digest] = model_new(
                Lead,
                phone_hash=prep.digest,
                phone=prep.e164,
                specialty=prep.specialty,
                last_touch_at=prep.occurred,
                # The report day is the day the person submitted (a 7-day first pull spreads
                # over 7 days), not the day we stored the record.
                created_at=prep.occurred,
            )
            new.add(prep.digest)
    inbound_ids = [p.item.inbound.pk for p in prepared if p.item.inbound and p.item.inbound.pk]
    codes = {(p.item.payload.referral_code or "").strip().upper() for p in prepared} - {""}
    touches = Touchpoint.objects.filter(inbound_id__any=inbound_ids) if inbound_ids else []
    return _Batch(
        leads=leads,
        new=new,
        score_rules=score_rules,
        touch_counts={by_id[lead_id]: n for lead_id, n, _ in counts},
        has_first={by_id[lead_id] for lead_id, _, first in counts if first},
        touch_by_inbound={t.inbound_id: t for t in touches},
        # A code merged into another lead binds to the kept lead (`ReferralCodeAlias`).
        referrers=referrers_by_code(codes=codes),
    )


def _first_touch_copy(lead: Lead, values: dict) -> list[str]:
    """The reports group by first touch without joining touchpoints: the lead carries a copy
    (`funnel.services.lead_facts` documents the columns; its refresh derives the same)."""
    lead.first_channel = values["channel"]
    lead.first_campaign_id = values["campaign_id"]
    lead.first_content_page_id = values["content_page_id"]
    return ["first_channel", "first_campaign_id", "first_content_page_id"]


def _apply(prep: _Prepared, *, created: bool, batch: _Batch) -> str:
    """One payload onto its lead, in arrival order; collects the writes. The steps, each
    returning the lead fields it changed: fill missing facts, record consent, bind the
    referrer, touch (a new touchpoint or an enriched re-send), the history event, the score;
    then queue the lead for routing."""
    lead = batch.leads[prep.digest]
    # Never a withdrawn or purged person: anonymizing replaced their phone key with a
    # placeholder and deleted their aliases, and a merge never involves one, so a payload
    # cannot find their row; nothing ever clears `anonymized_at` (issue 13 point 2).
    changed = lead_fill(lead, prep.item.payload, prep.specialty)
    if _consent(lead, prep.item.payload, prep.occurred):
        changed += ["consent_version", "consent_given_at", "consent_source", "consent_withdrawn_at"]
    referrer = _referrer(prep, batch)
    changed += _refer(lead, referrer, created=created)
    touch_count, touched = _touch(prep, lead, referrer, batch)
    changed += touched
    _history(prep, lead, created=created, touched_again=touch_count is not None, batch=batch)
    if touch_count is not None:
        changed += _score(prep, lead, touch_count, batch)
    if changed:
        batch.lead_fields.update(changed)
        batch.leads_changed.add(prep.digest)
    _route_queue(prep, lead, created=created, touched=touch_count is not None, batch=batch)
    return "created" if created else "merged"


def _referrer(prep: _Prepared, batch: _Batch) -> Lead | None:
    """The lead whose referral code this payload carries (never the person themself)."""
    referrer = batch.referrers.get((prep.item.payload.referral_code or "").strip().upper())
    if referrer is not None and referrer.phone_hash == prep.digest:
        return None
    return referrer


def _refer(lead: Lead, referrer: Lead | None, *, created: bool) -> list[str]:
    """A referral binds only a person new to us, once."""
    if referrer and lead.referred_by_id is None and created:
        lead.referred_by = referrer
        return ["referred_by"]
    return []


def _touch(
    prep: _Prepared, lead: Lead, referrer: Lead | None, batch: _Batch
) -> tuple[int | None, list[str]]:
    """Record this arrival. An enriched re-send of a record already processed updates its
    touchpoint and adds nothing (count None); otherwise a new touchpoint, the first one the
    person's first touch. Returns (the person's touch count, or None; lead fields changed)."""
    inbound = prep.item.inbound
    values = _touch_values(prep.item.payload, prep.occurred, referrer)
    existing = batch.touch_by_inbound.get(inbound.pk) if inbound and inbound.pk else None
    if existing is not None and existing.lead_id != lead.pk:
        # The record now resolves to another person (staff replayed a record held
        # `phone_changed`): the first person keeps the touch they made, as it was; this person
        # gets a touch of their own, the record's (review of issue 14, M1).
        existing.inbound = None
        batch.touchpoints_detached.append(existing)
        existing = None
    if existing is not None:
        for name, value in values.items():
            setattr(existing, name, value)
        batch.touchpoints_changed.append(existing)
        return None, (_first_touch_copy(lead, values) if existing.is_first else [])
    key = prep.digest
    changed: list[str] = []
    is_first = key not in batch.has_first
    batch.touchpoints_new.append(
        model_new(
            Touchpoint,
            lead=lead,
            inbound=inbound if inbound and inbound.pk else None,
            is_first=is_first,
            **values,
        )
    )
    batch.has_first.add(key)
    if is_first:
        changed += _first_touch_copy(lead, values)
    touch_count = batch.touch_counts.get(key, 0) + 1
    batch.touch_counts[key] = touch_count
    if lead.last_touch_at is None or prep.occurred > lead.last_touch_at:
        lead.last_touch_at = prep.occurred
        changed.append("last_touch_at")
    return touch_count, changed


def _history(
    prep: _Prepared, lead: Lead, *, created: bool, touched_again: bool, batch: _Batch
) -> None:
    """A new person enters at 新线索; a known one who left details again gets a touch event."""
    payload = prep.item.payload
    if created:
        batch.writes.events.append(
            lead_events.new_lead_event(lead=lead, channel=payload.channel, at=lead.created_at)
        )
    elif touched_again:
        batch.writes.events.append(
            lead_events.touch_event(lead=lead, channel=payload.channel, keyword=payload.keyword)
        )


def _score(prep: _Prepared, lead: Lead, touch_count: int, batch: _Batch) -> list[str]:
    payload = prep.item.payload
    facts = scoring.ScoreFacts(
        lead=lead, channel=payload.channel, keyword=payload.keyword, touch_count=touch_count
    )
    lead.score, lead.score_explanation = scoring.score_compute(facts=facts, rules=batch.score_rules)
    return ["score", "score_explanation"]


def _route_queue(
    prep: _Prepared, lead: Lead, *, created: bool, touched: bool, batch: _Batch
) -> None:
    """Route new people, and returning ones nobody owns yet (the unassigned queue drains)."""
    key = prep.digest
    if not touched or key in batch.to_route:
        return
    if not (created or (lead.assignee_id is None and lead.stage == Stage.NEW)):
        return
    if not created and prep.item.payload.channel == Channel.LANDING:
        # A public form's known phone proves nothing of its sender and is answered with its own
        # routing turn (`routing.submission_route`); draining the queue here would spend a
        # second turn, in the lead's own pool, and tell a visitor probing that pool that the
        # phone was known. Staff drain the queue.
        return
    payload = prep.item.payload
    batch.to_route[key] = (
        lead,
        routing.RouteFacts(
            specialty_id=lead.specialty_id,
            channel=payload.channel,
            city=lead.city,
            keyword=payload.keyword,
            age=lead.age,
            score=lead.score,
        ),
    )


INSERT_RACE_RETRIES = 3


def leads_ingest(*, items: list[IngestItem]) -> list[IngestResult | errors.LeadRejected]:
    """Ingest a batch, in order, in the caller's transaction: one result per item, either an
    IngestResult or the LeadRejected that makes the inbox quarantine that record.

    Validation is pure and happens first, so a rejected item writes nothing. The rest costs a
    fixed number of statements per batch: lock the known people, read their touchpoints,
    apply the payloads and route in memory, then one write per kind (new leads with all their
    fields, changed leads, touchpoints, events, follow-ups).
    """
    specialties = SpecialtyIndex()
    results: list[IngestResult | errors.LeadRejected | None] = [None] * len(items)
    prepared: list[_Prepared] = []
    for index, item in enumerate(items):
        try:
            prepared.append(_prepare(index, item, specialties))
        except errors.LeadRejected as rejected:
            results[index] = rejected
    if prepared:
        score_rules = scoring.active_rules()
        for attempt in range(INSERT_RACE_RETRIES):
            try:
                # A savepoint: losing an insert race undoes this attempt only.
                with transaction.atomic():
                    _ingest_prepared(prepared, score_rules, results)
                break
            except IntegrityError:
                # Another worker inserted one of our new people first; the unique index made
                # us wait for its commit, so the next attempt finds and locks that row.
                if attempt == INSERT_RACE_RETRIES - 1:
                    raise
    return results  # type: ignore[return-value]


def _ingest_prepared(prepared: list[_Prepared], score_rules: list, results: list) -> None:
    # A phone merged into another lead is that lead's (identity.keys_canonical).
    canonical = keys_canonical([p.digest for p in prepared])
    for prep in prepared:
        prep.digest = canonical.get(prep.digest, prep.digest)
    batch = _batch_load(prepared, score_rules)
    seen: set[str] = set()
    outcomes: list[str] = []
    for prep in prepared:
        created = prep.digest in batch.new and prep.digest not in seen
        seen.add(prep.digest)
        outcomes.append(_apply(prep, created=created, batch=batch))
    routed = routing.leads_route(items=list(batch.to_route.values()), writes=batch.writes)
    batch.lead_fields.update(routing.ROUTE_FIELDS)
    now = timezone.now()
    # New people are inserted once, complete (routing included), in hash order: two batches
    # sharing new people then wait for each other instead of deadlocking.
    rows_insert([batch.leads[d] for d in sorted(batch.new)])
    changed = {d for d in batch.leads_changed if d not in batch.new}
    changed.update(lead.phone_hash for lead in routed if lead.phone_hash not in batch.new)
    if changed:
        for digest in changed:
            batch.leads[digest].updated_at = now
        fields = [*sorted(batch.lead_fields - {"updated_at"}), "updated_at"]
        rows_update([batch.leads[d] for d in sorted(changed)], fields)
    if batch.touchpoints_detached:  # before the inserts: one touchpoint per record
        rows_update(batch.touchpoints_detached, ["inbound"])
    rows_insert(batch.touchpoints_new)
    if batch.touchpoints_changed:
        rows_update(batch.touchpoints_changed, TOUCH_FIELDS)
    batch.writes.flush()
    for prep, outcome in zip(prepared, outcomes, strict=True):
        inbound = prep.item.inbound
        results[prep.index] = IngestResult(
            result=outcome,
            lead_id=batch.leads[prep.digest].pk,
            inbound_id=inbound.pk if inbound is not None else None,
        )


TOUCH_FIELDS = [
    "channel",
    "account_name",
    "campaign_id",
    "campaign_name",
    "adgroup_id",
    "ad_id",
    "creative_id",
    "keyword",
    "click_ids",
    "utm",
    "content_page_id",
    "landing_page_id",
    "referrer",
    "occurred_at",
]


def lead_ingest(*, payload: LeadPayload, inbound: InboundLead | None = None) -> IngestResult:
    """Ingest one payload (a batch of one); raises LeadRejected when it cannot become a lead."""
    (result,) = leads_ingest(items=[IngestItem(payload=payload, inbound=inbound)])
    if isinstance(result, errors.LeadRejected):
        raise result
    return result
