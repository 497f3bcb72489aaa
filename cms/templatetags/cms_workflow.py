"""The compliance panel's context for the doctor's review screen."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cms/compliance/panel.html")
def review_compliance(obj):
    from cms.compliance.gate import publish_decision
    from cms.workflows import review_check

    checked = review_check(obj)
    if checked is None:
        return {"findings": [], "rules_version": "—"}
    latest, report = checked
    return {
        "findings": [(f, *report.context(f)) for f in report.findings],
        "blocking_count": len(report.blocking),
        "decision": publish_decision(page=latest, report=report),
        "rules_version": report.rules_version,
    }
