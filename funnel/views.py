"""Public referral endpoints: scanning a code lands on the referrer's specialty page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from funnel.selectors import referrer_by_code
from funnel.services.referrals import referral_qr as make_qr


@require_GET
def referral_landing(request: HttpRequest, code: str) -> HttpResponse:
    # A code merged into another lead lands on the kept lead's page; the form carries the
    # code as scanned and ingest binds it to the same lead.
    lead = referrer_by_code(code=code)
    if lead is None:
        raise Http404("unknown referral code")
    target = f"/lp/{lead.specialty.slug}/" if lead.specialty else "/"
    return HttpResponseRedirect(f"{target}?ref={code}")


@require_GET
def referral_qr(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    if referrer_by_code(code=code) is None:
        raise Http404("unknown referral code")
    url = request.build_absolute_uri(f"/r/{code}/")
    content_type = "image/svg+xml" if kind == "svg" else "image/png"
    response = HttpResponse(make_qr(url=url, kind=kind), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
