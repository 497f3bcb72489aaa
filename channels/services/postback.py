"""Tell the ad platforms what became of the leads they brought (conversion postbacks).

Two outbox listeners (registered in `ChannelsConfig.ready()`) take every committed stage event:
- `postbacks_plan` writes one `PostbackLog` row per platform send the event calls for. It
  touches only our database, so it does not fail on a platform, and its rows stay whatever
  happens to the sends.
- `postbacks_for_event` sends the planned rows still pending and marks each sent. A failure
  raises (a 5xx, a rate limit, an expired token alike), so the outbox keeps its delivery row
  with the error and retries it with back-off. The listener runs outside any transaction, so
  a send marked sent stays marked: a retry sends only what has not gone out yet.

What is sent (`channels.registry.PostbackKind`, per platform):
- the platform's own records (Douyin clues): the clue callback, for the record's account;
- any record carrying a click id (`bd_vid` → Baidu OCPC; `clickid` / `callback` → the Ocean
  Engine conversion API, except for Douyin's own clues): landing-form and API leads, and
  Baidu's own leads. Which account reports a click: the record's own account when the record
  came from that platform; otherwise the platform's active account whose settings say
  `"postback_default": true`, else its first active account (lowest id).
Which stages are reported as which platform event is set per account (`callback_states`,
`conversion_events`, `ocpc_types`). Facts: shared/channels/API_FACTS.md.

An account whose settings cannot be read for a send (`SettingsInvalid`: a stage map that is
not an object, a value of the wrong type) still gets its log row, with no platform event, and
the send listener raises that error after sending the others: the outbox keeps it on the
delivery and retries, so the log shows the row failing with the reason and /healthz counts it.
Once the settings are fixed, the retry sends it, or drops the row if the stage is not
reported after all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from channels.errors import SettingsInvalid
from channels.models import ChannelAccount, PostbackLog
from channels.registry import PLATFORMS, PostbackKind, Source
from funnel.models import InboundLead, LeadEvent, OutboxDelivery

LISTENER = "channels.postbacks"
PLAN_LISTENER = "channels.postbacks_plan"
ANSWER_CHARS = 500


@dataclass(frozen=True)
class PlannedSend:
    """One send a stage event calls for. `problem`: the account's settings could not say
    whether or as what this stage is reported (`platform_event` is then "")."""

    platform: str
    kind: PostbackKind
    account: ChannelAccount
    inbound_id: int
    target: str
    platform_event: str
    problem: SettingsInvalid | None = None


def _default_account(channel: str) -> ChannelAccount | None:
    """The account that reports clicks of this platform on records from elsewhere."""
    active = ChannelAccount.objects.filter(channel=channel, is_active=True)
    return (
        active.filter(settings__postback_default=True).order_by("pk").first()
        or active.order_by("pk").first()
    )


def postback_plan(*, event_id: int) -> tuple[LeadEvent | None, list[PlannedSend]]:
    """The sends a stage event calls for, one per platform, kind and target."""
    event = LeadEvent.objects.filter(pk=event_id).first()
    if event is None or not event.to_stage:
        return event, []
    stage = event.to_stage
    records = list(
        InboundLead.objects.filter(lead_id=event.lead_id)
        .exclude(external_id__startswith="malformed:")  # quarantined bodies: no platform id
        .only("pk", "channel", "account_name", "external_id", "payload")
        .order_by("pk")
    )
    accounts: dict[tuple[str, str], ChannelAccount | None] = {}
    defaults: dict[str, ChannelAccount | None] = {}

    def own_account(record: InboundLead) -> ChannelAccount | None:
        key = (record.channel, record.account_name)
        if key not in accounts:
            accounts[key] = ChannelAccount.objects.filter(
                channel=record.channel, name=record.account_name
            ).first()
        return accounts[key]

    def default_account(channel: str) -> ChannelAccount | None:
        if channel not in defaults:
            defaults[channel] = _default_account(channel)
        return defaults[channel]

    planned: dict[tuple[str, str, str], PlannedSend] = {}
    for record in records:
        click_ids = (record.payload or {}).get("click_ids") or {}
        for channel, platform in PLATFORMS.items():
            own = record.channel == channel
            for kind in platform.postbacks:
                if kind.source == Source.OWN:
                    targets = [record.external_id] if own and record.account_name else []
                elif kind.source == Source.OTHER_CLICKS and own:
                    targets = []
                else:
                    targets = [str(click_ids[k]) for k in kind.click_keys if click_ids.get(k)]
                if not targets:
                    continue
                account = own_account(record) if own else default_account(channel)
                if account is None:
                    continue
                problem = None
                try:
                    platform_event = kind.events(account).get(stage)
                except SettingsInvalid as exc:
                    # Unknown whether this stage is reported: planned, to fail visibly.
                    platform_event, problem = "", exc
                if not platform_event and problem is None:
                    continue
                target = targets[0][:255]  # clickid and callback name one visit: report once
                planned.setdefault(
                    (channel, kind.kind, target),
                    PlannedSend(channel, kind, account, record.pk, target, platform_event, problem),
                )
    return event, list(planned.values())


def _log_rows(*, event: LeadEvent, sends: list[PlannedSend]) -> list[PostbackLog]:
    """The log rows of these sends, created where missing (the unique constraint decides)."""
    PostbackLog.objects.bulk_create(
        [
            PostbackLog(
                event=event,
                lead_id=event.lead_id,
                platform=send.platform,
                kind=send.kind.kind,
                account_name=send.account.name,
                stage=event.to_stage,
                platform_event=send.platform_event,
                target=send.target,
            )
            for send in sends
        ],
        ignore_conflicts=True,
    )
    return list(PostbackLog.objects.filter(event=event))


def postbacks_plan(*, event_id: int) -> int:
    """Outbox listener: write the postback log rows of a stage event. Returns how many."""
    event, sends = postback_plan(event_id=event_id)
    if event is None or not sends:
        return 0
    return len(_log_rows(event=event, sends=sends))


def postbacks_for_event(*, event_id: int) -> int:
    """Outbox listener: send the postbacks a stage event calls for that are not sent yet.
    Returns how many were sent; raises the first failure (the outbox retries), and after the
    others are sent, the settings problem of a send whose account cannot say what to report
    (`SettingsInvalid`)."""
    event, sends = postback_plan(event_id=event_id)
    if event is None:
        return 0
    _placeholders_drop(event=event, sends=sends)
    if not sends:
        return 0
    rows = {(r.platform, r.kind, r.target): r for r in _log_rows(event=event, sends=sends)}
    # This attempt's number: the outbox counts it on its delivery row before calling us.
    tries = (
        OutboxDelivery.objects.filter(event_id=event_id, listener=LISTENER)
        .values_list("attempts", flat=True)
        .first()
        or 1
    )
    inbound = InboundLead.objects.in_bulk([send.inbound_id for send in sends])
    sent = 0
    problems: list[SettingsInvalid] = []
    for send in sends:
        row = rows[(send.platform, send.kind.kind, send.target)]
        if row.status == PostbackLog.Status.SENT:
            continue  # delivered again after it succeeded (at least once): not re-sent
        if send.problem is not None:
            problems.append(send.problem)  # raised below: one account's settings hold no other
            continue
        answer = send.kind.send(
            send.account, inbound[send.inbound_id], send.target, send.platform_event
        )
        row.status = PostbackLog.Status.SENT
        row.platform_event = send.platform_event  # a row planned while the settings were bad
        row.tries = tries
        row.last_answer = answer[:ANSWER_CHARS]
        row.sent_at = timezone.now()
        row.save(update_fields=["status", "platform_event", "tries", "last_answer", "sent_at"])
        sent += 1
    if problems:
        raise problems[0]
    return sent


def _placeholders_drop(*, event: LeadEvent, sends: list[PlannedSend]) -> None:
    """Delete the rows planned while an account's settings could not be read (no platform
    event) that the plan, now readable, no longer calls for (the stage is not reported)."""
    kept = [(s.platform, s.kind.kind, s.target) for s in sends]
    stale = [
        row.pk
        for row in PostbackLog.objects.filter(
            event=event, status=PostbackLog.Status.PENDING, platform_event=""
        )
        if (row.platform, row.kind, row.target) not in kept
    ]
    if stale:
        PostbackLog.objects.filter(pk__in=stale).delete()
