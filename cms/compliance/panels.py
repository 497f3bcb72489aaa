"""A read-only panel on the content tab: the page's current findings, offending text marked."""

from __future__ import annotations

from wagtail.admin.panels import Panel


class CompliancePanel(Panel):
    def __init__(self, **kwargs):
        kwargs.setdefault("heading", "合规检查")
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return super().clean_name or "compliance"

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/compliance/panel.html"

        def get_context_data(self, parent_context=None):
            from cms.compliance.gate import SCIENCE_ONLY_PREFIX, is_medical_ad, publish_decision
            from cms.compliance.page import check_page

            context = super().get_context_data(parent_context)
            report = check_page(self.instance)
            context["findings"] = [(f, *report.context(f)) for f in report.findings]
            context["blocking_count"] = len(report.blocking)
            # 《广告法》第十九条 findings on a 科普 page: no certificate clears them (gate)
            science_ad = [f for f in report.blocking if f.rule.startswith(SCIENCE_ONLY_PREFIX)]
            context["science_ad_count"] = len(science_ad)
            context["certifiable_count"] = len(report.blocking) - len(science_ad)
            # a medical ad's findings are cleared by a certificate, any other page's by a
            # reviewer's ruling that they are false matches (gate.NOT_RULED)
            context["is_ad"] = is_medical_ad(self.instance)
            context["decision"] = publish_decision(page=self.instance, report=report)
            context["rules_version"] = report.rules_version
            return context
