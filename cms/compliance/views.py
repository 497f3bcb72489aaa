"""The reviewer's admin listing of live pages whose review certificate has expired."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse

from cms.compliance.gate import is_reviewer
from cms.selectors import ad_review_expired_packages, ad_review_expired_pages

EXPIRED_REPORT_TITLE = "审查证明过期"


def ad_review_expired_report(request: HttpRequest) -> HttpResponse:
    """GET: the pages and service packages the daily sweep flagged
    (`cms.ad_review_expiry_sweep`), each with its certificate, printed validity, flag time
    and a link to its editor, where a reviewer records the renewed certificate (or an
    editor unpublishes). Reviewers only (403)."""
    if not is_reviewer(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "cms/compliance/expired_report.html",
        {
            "page_title": EXPIRED_REPORT_TITLE,
            "pages": ad_review_expired_pages(),
            "packages": ad_review_expired_packages(),
        },
    )


SUSPENDED_TEMPLATE = "cms/compliance/suspended.html"
SUSPENDED_STATUS = 404


def ad_suspended(request: HttpRequest) -> HttpResponse:
    """The neutral page served instead of a medical ad whose certificate has expired, until
    the daily task unpublishes it: 404 (the ad is not available; a renewed certificate brings
    it back at its address, so not 410), never cached, no ad text, no certificate number."""
    response = render(request, SUSPENDED_TEMPLATE, status=SUSPENDED_STATUS)
    response["Cache-Control"] = "no-store"
    return response
