"""Stage tags (issue 16 point 5): the funnel stage of a lead shows in WeCom as an enterprise tag
on each of its customer contacts, so an assistant sees 已建档 / 已支付 … in the WeCom client.

- **Setup** (`stage_tags_setup`, `wecom_account tags --name N`): a tag group 「引流阶段」 with one
  tag per funnel stage (`Stage` labels). Existing tags are looked up first
  (`externalcontact/get_corp_tag_list`) and only missing ones made (`add_corp_tag`), so a
  second setup makes nothing. The ids go to `account.settings["stage_tags"]`
  (`{"group_id": …, "tags": {stage code: tag id}}`).
- **Marking** (`stage_tags_mark`, the outbox listener `channels.wecom_stage_tags` for stage
  events): every added contact of the lead gets `externalcontact/mark_tag` with the new
  stage's tag in `add_tag` and the other stage tags in `remove_tag` (the previous stage's
  first): whichever order deliveries run in, the contact carries one stage tag. Removing a tag
  the contact does not carry is no error at WeCom.

API changes raise no callback (WECOM_FACTS.md "Callback events"), so each mark is recorded
(`WecomTagMark`, one per stage event and contact, with WeCom's answer): staff read there what
WeCom holds. A delivery replayed (the outbox delivers at least once) finds the row done and
calls nothing; a row is claimed by one conditional UPDATE before its call, so two workers never
both mark. A stage event older than one already marked on the contact (by the event's time,
not arrival) is `superseded` and sent nowhere.

Failures never touch the stage change (it committed before the outbox ran): an errcode, a 5xx
or a rate limit (45009) leaves the row `error` and raises, and the outbox retries the delivery
with back-off (`funnel.outbox`). Only a relationship that is gone (84061: the patient deleted
the member; 40096: an invalid external userid) is final (`failed`): retrying cannot help.
Facts: WECOM_FACTS.md "Tags".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.errors import PlatformError
from channels.services.privacy import ANONYMIZED_KEY
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomContact, WecomTagMark
from funnel.models import Lead, LeadEvent, Stage

logger = logging.getLogger("yinliu.channels.wecom")

LISTENER = "channels.wecom_stage_tags"
GROUP_NAME = "引流阶段"
SETTINGS_KEY = "stage_tags"
# The relationship is gone or the id is not a customer: a retry cannot succeed.
FINAL_ERRCODES = frozenset({"84061", "40096"})
# A worker that died mid-call leaves its row `sending`: another may take it after this.
LEASE = dt.timedelta(minutes=5)
ANSWER_CHARS = 200
FINISHED = (WecomTagMark.Status.DONE, WecomTagMark.Status.FAILED, WecomTagMark.Status.SUPERSEDED)


@dataclass(frozen=True)
class TagSetup:
    """What a setup found and made: `tags` maps each stage code to its tag id."""

    group_id: str
    created: list[str]
    existing: list[str]
    tags: dict[str, str]


def stage_labels() -> dict[str, str]:
    """Stage code → the tag's name (the stage's label: 新线索, 已加微 …), in funnel order."""
    return {code: str(label) for code, label in Stage.choices}


def stage_tags(account: WecomAccount) -> dict[str, str]:
    """The account's stage tags (stage code → tag id); empty before setup."""
    kept = (account.settings or {}).get(SETTINGS_KEY) or {}
    tags = kept.get("tags") if isinstance(kept, dict) else None
    return {str(k): str(v) for k, v in tags.items() if v} if isinstance(tags, dict) else {}


def stage_tags_setup(*, account_id: int) -> TagSetup:
    """Make sure the 「引流阶段」 group has a tag per stage, and record their ids on the account.
    Idempotent: what WeCom has is found first (by group and tag name), only missing tags are
    made, in one `add_corp_tag` call. Raises PlatformError when WeCom refuses or is away
    (nothing is recorded then)."""
    account = WecomAccount.objects.get(pk=account_id)
    client = WecomClient(account)
    listing = client.call("POST", "externalcontact/get_corp_tag_list", json={})
    group = next(
        (
            g
            for g in listing.get("tag_group") or []
            if isinstance(g, dict) and g.get("group_name") == GROUP_NAME and not g.get("deleted")
        ),
        None,
    )
    ids: dict[str, str] = {}
    group_id = ""
    if group is not None:
        group_id = str(group.get("group_id") or "")
        for tag in group.get("tag") or []:
            if isinstance(tag, dict) and not tag.get("deleted") and tag.get("id"):
                ids.setdefault(str(tag.get("name")), str(tag["id"]))
    labels = stage_labels()
    missing = [name for name in labels.values() if name not in ids]
    if missing:
        # WeCom lists a group's tags by `order`, larger first: the funnel's order.
        body: dict[str, Any] = {
            "tag": [{"name": name, "order": len(labels) - i} for i, name in enumerate(missing)]
        }
        body |= {"group_id": group_id} if group_id else {"group_name": GROUP_NAME}
        made = client.call("POST", "externalcontact/add_corp_tag", json=body).get("tag_group")
        made = made if isinstance(made, dict) else {}
        group_id = str(made.get("group_id") or group_id)
        for tag in made.get("tag") or []:
            if isinstance(tag, dict) and tag.get("id"):
                ids[str(tag.get("name"))] = str(tag["id"])
        if any(name not in ids for name in missing) or not group_id:
            raise PlatformError("bad_tag_response", "add_corp_tag did not return every tag")
    tags = {code: ids[name] for code, name in labels.items()}
    with transaction.atomic():
        locked = WecomAccount.objects.select_for_update().get(pk=account_id)
        locked.settings = {
            **(locked.settings or {}),
            SETTINGS_KEY: {"group_id": group_id, "tags": tags},
        }
        locked.save(update_fields=["settings"])
    existing = [name for name in labels.values() if name not in missing]
    return TagSetup(group_id=group_id, created=missing, existing=existing, tags=tags)


# ---- marking (outbox listener) -------------------------------------------------------------


def _plan(event: LeadEvent) -> list[WecomTagMark]:
    """One row per added contact of the lead whose account has stage tags."""
    contacts = (
        WecomContact.objects.select_related("account")
        .filter(lead_id=event.lead_id, status=WecomContact.Status.ADDED)
        .exclude(external_key__startswith=ANONYMIZED_KEY)
        .order_by("pk")
    )
    return [
        WecomTagMark(
            account=contact.account,
            contact=contact,
            lead_id=event.lead_id,
            event=event,
            event_at=event.created_at,
            member_userid=contact.member_userid,
            stage=event.to_stage,
        )
        for contact in contacts
        if stage_tags(contact.account)
    ]


def _claim(row: WecomTagMark, now: dt.datetime) -> bool:
    """Take the row for one call: one conditional UPDATE, so one worker wins."""
    takeable = Q(status__in=[WecomTagMark.Status.PENDING, WecomTagMark.Status.ERROR]) | Q(
        status=WecomTagMark.Status.SENDING, claimed_at__lt=now - LEASE
    )
    return bool(
        WecomTagMark.objects.filter(takeable, pk=row.pk).update(
            status=WecomTagMark.Status.SENDING, claimed_at=now, tries=F("tries") + 1
        )
    )


def _superseded(row: WecomTagMark) -> bool:
    """A later stage event (by its time, then id) was already marked on this contact."""
    later = Q(event_at__gt=row.event_at) | Q(event_at=row.event_at, event_id__gt=row.event_id)
    return (
        WecomTagMark.objects.filter(later, contact_id=row.contact_id)
        .filter(status__in=[WecomTagMark.Status.DONE, WecomTagMark.Status.SENDING])
        .exists()
    )


def _finish(row: WecomTagMark, status: str, answer: str, **fields: Any) -> None:
    WecomTagMark.objects.filter(pk=row.pk).update(
        status=status, last_answer=answer[:ANSWER_CHARS], **fields
    )


def stage_tags_mark(*, event_id: int, now: dt.datetime | None = None) -> int:
    """Outbox listener for stage events: mark the new stage's tag on every added contact of
    the lead. Returns how many contacts were marked now; raises the first retryable failure
    after trying every contact (the outbox retries the delivery; rows done stay done)."""
    event = LeadEvent.objects.filter(pk=event_id, kind=LeadEvent.Kind.STAGE).first()
    if event is None or not event.to_stage:
        return 0
    if Lead.objects.filter(pk=event.lead_id, anonymized_at__isnull=False).exists():
        return 0  # a withdrawn person's contacts are forgotten, not tagged
    WecomTagMark.objects.bulk_create(_plan(event), ignore_conflicts=True)
    rows = list(
        WecomTagMark.objects.select_related("account", "contact", "event")
        .filter(event=event)
        .exclude(status__in=FINISHED)
        .order_by("pk")
    )
    marked, failure = _mark(rows, now)
    if failure is not None:
        raise failure
    return marked


def _mark(rows: list[WecomTagMark], now: dt.datetime | None) -> tuple[int, PlatformError | None]:
    """Claim and mark each row (its own stage event). Returns (how many marked, the first
    retryable failure or None); every row is tried."""
    marked, failure = 0, None
    for row in rows:
        event = row.event
        now_ = now or timezone.now()
        if not _claim(row, now_):
            continue  # done meanwhile, or another worker holds it
        if _superseded(row):
            _finish(row, WecomTagMark.Status.SUPERSEDED, "")
            continue
        tags = stage_tags(row.account)
        add = [tags[row.stage]] if row.stage in tags else []
        previous = [tags[event.from_stage]] if event.from_stage in tags else []
        remove = previous + sorted(
            tag for code, tag in tags.items() if code != row.stage and tag not in previous
        )
        external = row.contact.external_userid
        if not external or row.contact.status != WecomContact.Status.ADDED:
            _finish(row, WecomTagMark.Status.FAILED, "contact_gone")
            continue
        body = {
            "userid": row.member_userid,
            "external_userid": external,
            "add_tag": add,
            "remove_tag": remove,
        }
        try:
            WecomClient(row.account).call("POST", "externalcontact/mark_tag", json=body)
        except PlatformError as exc:
            final = exc.code in FINAL_ERRCODES
            logger.warning("mark_tag for mark %s failed: %s", row.pk, exc.code)
            status = WecomTagMark.Status.FAILED if final else WecomTagMark.Status.ERROR
            _finish(row, status, exc.code, add_tags=add, remove_tags=remove)
            if not final and failure is None:
                failure = exc
            continue
        _finish(
            row,
            WecomTagMark.Status.DONE,
            "ok",
            add_tags=add,
            remove_tags=remove,
            marked_at=timezone.now(),
        )
        marked += 1
    return marked, failure


def tag_marks_sweep(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Beat (`channels.wecom_sweep`): marks nothing else will move. A `sending` row whose
    worker died past the lease, or a `pending` one older than the lease, whose delivery ended
    anyway (the outbox's retry came inside the lease and skipped the claimed row), is marked
    now; an `error` row whose outbox delivery gave up is `failed` (it said 重试中 for ever).
    Rows a pending delivery still carries are left to the outbox. Returns how many rows
    were taken up; a failing call is logged (never raises)."""
    from funnel.models import OutboxDelivery

    now = now or timezone.now()
    carried = OutboxDelivery.objects.filter(
        listener=LISTENER, status=OutboxDelivery.Status.PENDING
    ).values("event_id")
    given_up = OutboxDelivery.objects.filter(
        listener=LISTENER, status=OutboxDelivery.Status.FAILED
    ).values("event_id")
    failed = WecomTagMark.objects.filter(
        status=WecomTagMark.Status.ERROR, event_id__in=given_up
    ).exclude(event_id__in=carried)
    gave_up = failed.update(status=WecomTagMark.Status.FAILED)
    stuck = Q(status=WecomTagMark.Status.PENDING, created_at__lt=now - LEASE) | Q(
        status=WecomTagMark.Status.SENDING, claimed_at__lt=now - LEASE
    )
    rows = list(
        WecomTagMark.objects.select_related("account", "contact", "event")
        .filter(stuck)
        .exclude(event_id__in=carried)
        .order_by("pk")[:limit]
    )
    _marked, failure = _mark(rows, now)
    if failure is not None:
        logger.warning("tag sweep: a mark failed: %s", failure.code)
    return gave_up + len(rows)
