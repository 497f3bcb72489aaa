"""Medical-advertising compliance checks.

Covers 《广告法》第九、十六、十七、十九条 and 《医疗广告管理办法》第七条.

Public API (other apps code against these names):
    check_text(text, *, field="", scopes=()) -> list[Finding]
    check_page(page) -> ComplianceReport
"""

from cms.compliance.checker import ComplianceReport, Finding, check_report, check_text
from cms.compliance.page import check_page
from cms.compliance.rules import load_rules

__all__ = [
    "ComplianceReport",
    "Finding",
    "check_page",
    "check_report",
    "check_text",
    "load_rules",
]
