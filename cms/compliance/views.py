"""The reviewer's admin listing of live pages whose review certificate has expired."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from cms.compliance.gate import is_reviewer
from cms.selectors import ad_review_expired_pages

EXPIRED_REPORT_TITLE = "审查证明过期"


def ad_review_expired_report(request: HttpRequest) -> HttpResponse:
    """GET: the pages the daily sweep flagged (`cms.ad_review_expiry_sweep`), each with its
    certificate, printed validity, flag time and a link to its editor, where a reviewer
    records the renewed certificate (or an editor unpublishes). Reviewers only (403)."""
    if not is_reviewer(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "cms/compliance/expired_report.html",
        {"page_title": EXPIRED_REPORT_TITLE, "pages": ad_review_expired_pages()},
    )
