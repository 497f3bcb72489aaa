"""Reads used by pages and other apps (landing's thank-you and assistant pages, exports)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from funnel.crypto import mask_name, mask_phone
from funnel.models import FollowUp, Lead, Touchpoint


def lead_routing_summary(*, lead_id: int) -> dict[str, Any]:
    lead = Lead.objects.select_related("assignee", "recommended_package", "pool").get(pk=lead_id)
    assistant = lead.assignee
    package = lead.recommended_package
    return {
        "lead_id": lead.pk,
        "stage": lead.stage,
        "assistant": assistant.name if assistant else "",
        "assistant_title": assistant.title if assistant else "",
        "assistant_qr_url": assistant.wecom_qr_url if assistant else "",
        "package": package,
        "pool": lead.pool.name if lead.pool else "",
        "unassigned": assistant is None,
    }


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
