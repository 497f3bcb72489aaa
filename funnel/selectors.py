"""Reads used by pages and other apps (landing's thank-you and assistant pages, exports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from config.errors import ApplicationError
from funnel.crypto import mask_name, mask_phone, phone_hash
from funnel.models import (
    FollowUp,
    GroupMembership,
    Lead,
    PrivateGroup,
    ReferralCodeAlias,
    Touchpoint,
)
from funnel.services.identity import phone_normalize


def followups_due_for_user(*, user: Any, day: dt.date | None = None) -> QuerySet[FollowUp]:
    """An assistant's follow-ups due up to the end of `day` (local), oldest first."""
    day = day or timezone.localdate()
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    assistant = getattr(user, "assistant", None)
    if assistant is None:
        return FollowUp.objects.none()
    return (
        FollowUp.objects.filter(
            assignee=assistant,
            due_at__lt=end,
            status__in=[FollowUp.Status.PENDING, FollowUp.Status.QUEUED, FollowUp.Status.SENT],
        )
        .select_related("lead")
        .order_by("due_at")
    )


def followups_for_supervisor(*, user: Any, limit: int = 50) -> list[FollowUp]:
    """The open follow-ups that belong to `user` as a supervisor (`FollowUp.supervisor`, e.g.
    被删除挽回), due first, at most `limit`: the 「待我跟进」 panel on their admin home. Their
    own tasks, whatever leads they may list otherwise."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        FollowUp.objects.filter(
            supervisor=user,
            status__in=[FollowUp.Status.PENDING, FollowUp.Status.QUEUED, FollowUp.Status.SENT],
        )
        .select_related("lead")
        .order_by("due_at", "pk")[:limit]
    )


def leads_visible_to(*, user: Any) -> QuerySet[Lead]:
    """Assistants see only their own leads; staff without lead permissions see none."""
    qs = Lead.objects.all()
    if user.is_superuser:
        return qs
    assistant = getattr(user, "assistant", None)
    if assistant is not None:
        return qs.filter(assignee=assistant)
    if user.has_perm("funnel.view_lead"):
        return qs
    return qs.none()


def followups_visible_to(*, user: Any) -> QuerySet[FollowUp]:
    """Follow-ups of the leads `user` may see (an assistant: their own leads' only), and the
    ones that belong to `user` as a supervisor."""
    if user.is_superuser:
        return FollowUp.objects.all()
    return FollowUp.objects.filter(Q(lead__in=leads_visible_to(user=user)) | Q(supervisor=user))


# Models whose rows belong to one lead, with the path from the row to its lead ("" for the
# lead itself). Apps above the funnel add theirs (landing's care plans) from their ready().
_LEAD_OWNED: dict[type[Model], str] = {Lead: "", FollowUp: "lead", GroupMembership: "lead"}


def lead_owned_register(*, model: type[Model], lead_path: str) -> None:
    """Declare `model`'s rows as belonging to the lead at `lead_path` (e.g. "lead"), so
    history views and other generic listings scope them by `leads_visible_to`."""
    _LEAD_OWNED[model] = lead_path


def lead_owned_visible_to(*, user: Any, model: type[Model]) -> QuerySet | None:
    """The rows of a lead-owned `model` that `user` may see (scoped by `leads_visible_to`,
    the one rule); None when `model` does not belong to leads.

    Leads themselves follow `leads_visible_to` whole. For rows that belong to a lead (care
    plans, follow-ups …) an assistant is narrowed to their own leads' rows; other staff are
    not narrowed here: the model's own permission decides (a care-plan editor without lead
    permissions still keeps the plans)."""
    if model not in _LEAD_OWNED:
        return None
    path = _LEAD_OWNED[model]
    rows = model._default_manager.all()
    if user.is_superuser or (path and getattr(user, "assistant", None) is None):
        return rows
    return rows.filter(**{f"{path}__in" if path else "pk__in": leads_visible_to(user=user)})


def log_entries_visible_to(*, user: Any, queryset: QuerySet) -> QuerySet:
    """`queryset` of Wagtail log entries (site history, its CSV/XLSX export) without the
    entries about lead-owned rows `user` may not see: their labels name leads ("线索 #12")."""
    if user.is_superuser or not any(f.name == "object_id" for f in queryset.model._meta.fields):
        return queryset  # page log entries name pages, never leads
    for model in _LEAD_OWNED:
        visible = lead_owned_visible_to(user=user, model=model)
        ids = visible.annotate(_pk_text=Cast("pk", CharField())).values("_pk_text")
        queryset = queryset.exclude(
            Q(content_type=ContentType.objects.get_for_model(model)) & ~Q(object_id__in=ids)
        )
    return queryset


def lead_export_rows(*, reveal: bool = False):
    """One dict a lead for `export_leads`: stage, assignee, package, first-touch attribution."""
    firsts = {
        t.lead_id: t
        for t in Touchpoint.objects.filter(is_first=True).only(
            "lead_id", "channel", "campaign_id", "campaign_name", "keyword", "click_ids"
        )
    }
    leads = Lead.objects.select_related("assignee", "recommended_package", "specialty").order_by(
        "pk"
    )
    for lead in leads.iterator(chunk_size=1000):
        touch = firsts.get(lead.pk)
        yield {
            "lead_id": lead.pk,
            "name": lead.name if reveal else mask_name(lead.name),
            "phone": lead.phone if reveal else mask_phone(lead.phone),
            "stage": lead.stage,
            "specialty": lead.specialty.slug if lead.specialty else "",
            "assignee": lead.assignee.name if lead.assignee else "",
            "package": lead.recommended_package.slug if lead.recommended_package else "",
            "score": lead.score,
            "channel": touch.channel if touch else "",
            "campaign": (touch.campaign_name or touch.campaign_id) if touch else "",
            "keyword": touch.keyword if touch else "",
            "click_ids": touch.click_ids if touch else {},
            "created_at": timezone.localtime(lead.created_at).isoformat(),
        }


def user_can_assign(*, user: Any) -> bool:
    """Who may hand leads to assistants (改派, the unassigned queue): growth staff and
    superusers, through the `funnel.assign_lead` permission."""
    return bool(user.is_active and user.has_perm("funnel.assign_lead"))


def leads_unassigned() -> QuerySet[Lead]:
    """The unassigned queue (待分配): leads nobody owns, oldest first; anonymized and invalid
    ones are not waiting for anyone."""
    return (
        Lead.objects.filter(assignee__isnull=True, anonymized_at__isnull=True)
        .exclude(stage="invalid")
        .select_related("specialty", "pool")
        .order_by("created_at", "pk")
    )


def followup_for_user(*, user: Any, followup_id: int) -> FollowUp | None:
    """One of the signed-in assistant's own follow-ups (None for anybody else's)."""
    assistant = getattr(user, "assistant", None)
    if assistant is None:
        return None
    return FollowUp.objects.filter(pk=followup_id, assignee=assistant).first()


def groups_open_for_lead(*, lead: Lead) -> QuerySet[PrivateGroup]:
    """Groups a lead could be put in from its page: not closed, not already in."""
    today = timezone.localdate()
    open_now = GroupMembership.objects.filter(lead=lead, left_at__isnull=True).values("group_id")
    return (
        PrivateGroup.objects.exclude(closes_on__lt=today).exclude(pk__in=open_now).order_by("name")
    )


def lead_memberships(*, lead: Lead) -> QuerySet[GroupMembership]:
    return lead.group_memberships.select_related("group").order_by("-joined_at")


def lead_ids_matching(query: str) -> list[int]:
    """Lead ids a staff member's search box means: the lead with this phone, written any way
    (`138 1234 5678`, `+86-138…`; matched on the keyed hash, phones are encrypted), and a lead
    id (`#12` or `12` when it is not a phone). Not scoped: callers filter a scoped queryset
    with it (`leads_visible_to`). [] when the query is neither."""
    query = (query or "").strip()
    lead_ids: list[int] = []
    try:
        e164 = phone_normalize(query)
    except ApplicationError:
        e164 = ""
    if e164:
        lead_ids += list(
            Lead.objects.filter(phone_hash=phone_hash(e164)).values_list("pk", flat=True)
        )
    digits = query.lstrip("#")
    if digits.isdigit() and len(digits) < 11 and int(digits) < 2**63:
        lead_ids.append(int(digits))
    return lead_ids


def group_roster(*, group: PrivateGroup, user: Any, query: str = "") -> list[dict[str, Any]]:
    """Who joined and who left, newest first, masked, among the leads `user` may see (an
    assistant: their own; `leads_visible_to`). `query` finds members by phone (any way of
    writing it: matched on the keyed hash, names are encrypted) or by lead id (`#12` or `12`
    when it is not a phone)."""
    rows = (
        group.memberships.filter(lead__in=leads_visible_to(user=user))
        .select_related("lead")
        .order_by("-joined_at", "-pk")
    )
    query = query.strip()
    if query:
        rows = rows.filter(lead_id__in=lead_ids_matching(query))
    return [
        {
            "lead_id": m.lead_id,
            "name": mask_name(m.lead.name),
            "phone": mask_phone(m.lead.phone),
            "source": m.source,
            "joined_at": m.joined_at,
            "left_at": m.left_at,
        }
        for m in rows
    ]


def referrers_by_code(*, codes: Iterable[str]) -> dict[str, Lead]:
    """The live leads these referral codes name: each code → its lead, through the lead's own
    code or a code merged into it (`ReferralCodeAlias`: a merged-away patient's shared code
    binds their referees to the kept lead). Unknown codes are left out. At most two queries,
    whatever the number of codes (ingest reads a whole batch's codes at once)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    found = {
        lead.referral_code: lead
        for lead in Lead.objects.filter(
            referral_code__any=list(wanted), anonymized_at__isnull=True
        ).select_related("specialty")
    }
    rest = wanted - found.keys()
    if rest:
        for alias in ReferralCodeAlias.objects.filter(
            code__any=list(rest), lead__anonymized_at__isnull=True
        ).select_related("lead__specialty"):
            found[alias.code] = alias.lead
    return found


def referrer_by_code(*, code: str) -> Lead | None:
    """The live lead a scanned referral code names (`referrers_by_code`), else None."""
    return referrers_by_code(codes=[code]).get(code)
