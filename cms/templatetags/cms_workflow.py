"""The compliance panel's context for the doctor's review screen."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cms/compliance/panel.html")
def review_compliance(obj):
    """The findings of the revision the approval publishes (`cms.workflows.review_check`);
    when the page changed since submission, those of the submitted revision (nothing is
    published then; `review_revision` says so above the panel)."""
    from cms.compliance.panels import panel_context
    from cms.workflows import review_check

    checked = review_check(obj)
    if checked is None:
        return {"findings": [], "rules_version": "—"}
    reviewed, report, _ = checked
    return panel_context(reviewed, report)


@register.inclusion_tag("cms/workflows/review_revision.html")
def review_revision(obj):
    """Which revision the review screen shows and whether approving publishes it: the
    submitted one (its number, author, time), or a warning that a later draft was saved
    since submission and approval will return the page to be resubmitted."""
    from django.utils import timezone

    from cms.workflows import changed_reason, review_target

    target = review_target(obj)
    if target is None:
        return {}
    revision, publishes = target
    return {
        "revision_id": revision.pk,
        "saved_by": getattr(revision.user, "username", "") or "系统",
        "saved_at": timezone.localtime(revision.created_at).strftime("%Y-%m-%d %H:%M"),
        "publishes": publishes,
        "changed": "" if publishes else changed_reason(page=obj),
    }
