"""The compliance panel's context for the doctor's review screen."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cms/compliance/panel.html")
def review_compliance(obj):
    from cms.compliance.gate import publish_decision
    from cms.compliance.page import check_page

    latest = obj.get_latest_revision_as_object()
    if not hasattr(latest, "ad_review_certificate"):
        return {"findings": [], "rules_version": "—"}
    report = check_page(latest)
    return {
        "findings": [(f, *report.context(f)) for f in report.findings],
        "blocking_count": len(report.blocking),
        "decision": publish_decision(page=latest, report=report),
        "rules_version": report.rules_version,
    }
