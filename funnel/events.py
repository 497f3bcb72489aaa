"""The lead's append-only history. Every change to a lead writes one of these, explicitly."""

from __future__ import annotations

from typing import Any

from funnel.models import Lead, LeadEvent


def _actor_label(actor: Any, label: str) -> str:
    if label:
        return label
    if actor is not None and getattr(actor, "pk", None):
        return actor.get_username()
    return "系统"


def event_build(
    *,
    lead: Lead | int,
    kind: str,
    actor: Any = None,
    actor_label: str = "",
    from_stage: str = "",
    to_stage: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> LeadEvent:
    """An unsaved event: batch writers collect these and call `events_record` once."""
    # A Lead instance is kept as the relation, not its id: batched ingest builds events for
    # people it inserts afterwards, and bulk_create reads the id from the instance then.
    relation = {"lead_id": lead} if isinstance(lead, int) else {"lead": lead}
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    return LeadEvent(
        **relation,
        kind=kind,
        actor=user,
        actor_label=_actor_label(actor, actor_label),
        from_stage=from_stage,
        to_stage=to_stage,
        note=note,
        data=data or {},
    )


def event_record(**kwargs: Any) -> LeadEvent:
    """Write one event now (same keyword arguments as `event_build`)."""
    event = event_build(**kwargs)
    event.save()
    return event


def events_record(events: list[LeadEvent]) -> None:
    """Write many events in one statement (batched ingest and routing)."""
    if events:
        LeadEvent.objects.bulk_create(events)
