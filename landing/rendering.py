"""Glue between Wagtail's page serving and the landing services: pick the variant and arm,
render, store in the page cache; on POST validate the form and hand it to the service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from config.client_address import client_ip
from config.errors import ApplicationError
from landing import errors
from landing.forms import LeadForm, error_placement, lead_form_refused
from landing.models import KEYWORD_PARAMS, LandingPage
from landing.selectors import consent_current, hero_for, package_offer, test_for_visit
from landing.services.ab import (
    VISITOR_COOKIE,
    arm_for,
    visitor_cookie_value,
    visitor_from_cookie,
    visitor_new,
)
from landing.services.cache import cache_seconds, generation, page_cache_store
from landing.services.careplan import thanks_token
from landing.services.submit import landing_form_submit

VISITOR_MAX_AGE = 180 * 24 * 3600


def request_keyword(request: HttpRequest) -> str:
    for name in KEYWORD_PARAMS:
        value = request.GET.get(name)
        if value:
            return value[:100]
    return ""


def cacheable(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not getattr(request, "is_preview", False)
        and not request.user.is_authenticated
    )


def _render(
    *,
    page: LandingPage,
    request: HttpRequest,
    form: LeadForm | None,
    keyword: str,
    visitor: str,
    error: ApplicationError | None = None,
    status: int = 200,
) -> tuple[HttpResponse, dict]:
    hero = hero_for(page=page, keyword=keyword)
    test = test_for_visit(page=page, hero=hero)
    arm = arm_for(test_id=test.pk, visitor=visitor) if test and visitor else "-"
    headline, subheadline, package = hero.headline, page.subheadline, hero.package
    if test and arm == "b":
        # A matched search keyword keeps its headline: the page must match the search.
        if hero.variant == "0":
            headline = test.headline_b or headline
        subheadline = test.subheadline_b or subheadline
        package = test.package_b or package
    consent = consent_current()
    if form is None:
        form = LeadForm(
            initial={
                "consent_version": consent.version if consent else "",
                "package": package.slug if package else "",
            }
        )
    context = page.get_context(request)
    context.update(
        form=form,
        hero=hero,
        headline=headline,
        subheadline=subheadline,
        offer=package_offer(package=package),
        consent=consent,
        ab_test=test,
        arm=arm,
        error=error,
        **error_placement(error, form),
    )
    html = render_to_string(page.get_template(request), context)
    meta = {
        "variant": hero.variant,
        "test_id": test.pk if test else None,
        "arm": arm,
        # the promo's end changes the price; the certificate's end hides it (never cached past)
        # and the page's scheduled take-down (`expire_at`)
        "deadlines": [
            package.deadline if package else None,
            page.ad_review_ends_at(),
            page.expire_at,
        ],
    }
    return HttpResponse(html, status=status), meta


def landing_get(*, page: LandingPage, request: HttpRequest) -> HttpResponse:
    keyword = request_keyword(request)
    visitor = visitor_from_cookie(request.COOKIES.get(VISITOR_COOKIE))
    new_visitor = visitor is None  # no cookie, or one we did not sign: assign one
    visitor = visitor or visitor_new()
    gen = generation()  # read before rendering: a purge during the render wins
    response, meta = _render(
        page=page, request=request, form=None, keyword=keyword, visitor=visitor
    )
    if cacheable(request):
        page_cache_store(
            path=request.path,
            keyword=keyword,
            variant=meta["variant"],
            test_id=meta["test_id"],
            arm=meta["arm"],
            html=response.content.decode(),
            gen=gen,
            timeout=cache_seconds(deadlines=meta["deadlines"]),
        )
    if meta["test_id"] and new_visitor:
        response.set_cookie(
            VISITOR_COOKIE,
            visitor_cookie_value(visitor),
            max_age=VISITOR_MAX_AGE,
            samesite="Lax",
        )
    response["X-Page-Cache"] = "MISS"
    return response


def landing_post(*, page: LandingPage, request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST)
    keyword = next((request.POST[n] for n in KEYWORD_PARAMS if request.POST.get(n)), "")[:100]
    visitor = visitor_from_cookie(request.COOKIES.get(VISITOR_COOKIE)) or ""
    if not form.is_valid():
        code = errors.CONSENT_REQUIRED if "consent" in form.errors else errors.INVALID_FORM
        err = ApplicationError(code, errors.MESSAGES[errors.INVALID_FORM], status=400)
        response, _ = _render(
            page=page,
            request=request,
            form=form,
            keyword=keyword,
            visitor=visitor,
            error=err,
            status=400,
        )
        return response
    test = test_for_visit(page=page, hero=hero_for(page=page, keyword=keyword))
    try:
        outcome = landing_form_submit(
            data=form.cleaned_data,
            specialty=page.specialty.slug,
            ip=client_ip(request),
            landing_page_id=page.pk,
            ab_test_id=test.pk if test else None,
            visitor=visitor,
        )
    except ApplicationError as err:
        consent = consent_current()
        response, _ = _render(
            page=page,
            request=request,
            form=lead_form_refused(
                form=form, error=err, consent_version=consent.version if consent else ""
            ),
            keyword=keyword,
            visitor=visitor,
            error=err,
            status=err.status,
        )
        return response
    if outcome.lead_id is None:  # honeypot: looks like success, nothing stored
        return HttpResponse(
            render_to_string("landing/thank_you.html", {"summary": None, "page": page}, request)
        )
    return HttpResponseRedirect(
        reverse(
            "landing:thanks",
            kwargs={
                "token": thanks_token(
                    lead_id=outcome.lead_id,
                    created=outcome.result == "created",
                    package_id=page.package_id,
                    specialty_id=page.specialty_id,
                    submission=outcome.submission,
                )
            },
        )
    )
