"""Public and assistant H5 views. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from channels.wecom.contactways import contact_code_for
from channels.wecom.groups import group_codes_for_lead
from cms.compliance.gate import certificate_expired
from cms.compliance.views import ad_suspended
from config.client_address import client_ip
from config.errors import ApplicationError
from funnel.crypto import mask_name, mask_phone
from funnel.models import Assistant, ServicePackage, Specialty, Stage
from funnel.selectors import followup_for_user, leads_visible_to
from funnel.services.followups import (
    SNOOZE_CHOICES,
    followup_done,
    followup_snooze,
    snooze_until,
)
from funnel.services.referrals import referral_code_ensure, referral_qr
from funnel.services.routing import submission_reply
from funnel.services.stages import lead_note_add, lead_stage_change, transition_allowed
from landing import errors
from landing.forms import LeadForm, error_placement, lead_form_refused
from landing.models import CarePlanPhoto
from landing.rendering import cacheable
from landing.selectors import (
    assistant_today,
    careplan_view,
    consent_current,
    lead_notes,
    package_offer,
    packages_for_specialty,
)
from landing.services.ab import VISITOR_COOKIE, ab_visitor_record, visitor_from_cookie
from landing.services.cache import cache_seconds, generation, page_cache_store
from landing.services.careplan import careplan_consent_withdraw, careplan_link_open, thanks_open
from landing.services.guards import ticket_issue
from landing.services.submit import landing_form_submit

H5_LOGIN = "/admin/login/"
H5_STAGES = [Stage.CONTACTED, Stage.PROFILED, Stage.CONSULTED, Stage.PRESCRIBED, Stage.LOST]


def _qr_data_uri(url: str) -> str:
    return (
        "data:image/svg+xml;base64," + base64.b64encode(referral_qr(url=url, kind="svg")).decode()
    )


def _error_page(request: HttpRequest, err: ApplicationError) -> HttpResponse:
    return render(request, "landing/error.html", {"error": err}, status=err.status)


@never_cache
@require_GET
def form_token(request: HttpRequest) -> JsonResponse:
    """Uncached: the CSRF token (and its cookie) plus a signed start-time ticket for the
    form on a cached page."""
    return JsonResponse({"csrf": get_token(request), "ticket": ticket_issue()})


@csrf_exempt  # a counter beacon: the arm is recomputed server-side from the signed cookie
@require_POST
def ab_seen(request: HttpRequest, test_id: int) -> JsonResponse:
    """The page's beacon: counts the visitor whose signed cookie came back (set by an earlier
    page response, never by this request), sent by our own page (same origin), within the
    client address's daily allowance (`ab_visitor_record`)."""
    if not same_origin(request):
        return JsonResponse({"error": errors.CROSS_ORIGIN}, status=403)
    visitor = visitor_from_cookie(request.COOKIES.get(VISITOR_COOKIE))
    if visitor is None:  # no cookie, or one the server did not issue
        return JsonResponse({"error": errors.NO_VISITOR}, status=400)
    try:
        arm = ab_visitor_record(test_id=test_id, visitor=visitor, ip=client_ip(request))
    except ApplicationError as err:
        return JsonResponse({"error": err.code}, status=err.status)
    return JsonResponse({"counted": arm is not None})


def same_origin(request: HttpRequest) -> bool:
    """True for a request a page of this site sent: the browser's Sec-Fetch-Site says
    same-origin, or (older browsers) Origin, else Referer, names this scheme and host. A
    request naming no origin at all (a script, a bot) is not ours."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site == "same-origin"
    ours = f"{request.scheme}://{request.get_host()}"
    origin = request.headers.get("Origin")
    if origin:
        return origin == ours
    referer = request.headers.get("Referer", "")
    return referer == ours or referer.startswith(ours + "/")


def _contact(
    *,
    lead_id: int,
    assistant: Assistant | None,
    verified: bool = True,
    submission: str = "",
    specialty_id: int | None = None,
) -> tuple[str, str]:
    """(QR image src, link) a patient uses to add `assistant`: the lead's attributed code when
    WeCom is connected (a 联系我 QR, or a 获客链接 and its QR), else the member's static code;
    the link is "" except for a 获客链接 (it opens WeCom from WeChat on a phone). The code
    keeps `specialty_id` and the consent text now current: an add that binds no lead is
    welcomed with those (the submission's own choices), never with a lead's."""
    if assistant is None:
        return "", ""
    consent = consent_current()
    code = contact_code_for(
        lead_id=lead_id,
        member_userid=assistant.wecom_userid,
        verified=verified,
        submission=submission,
        specialty_id=specialty_id,
        consent_version=consent.version if consent else "",
    )
    if code is not None and code.link:
        return _qr_data_uri(code.link), code.link
    if code is not None:
        return code.image_url, ""
    return (_qr_data_uri(assistant.wecom_qr_url) if assistant.wecom_qr_url else ""), ""


# WeChat's and WeCom's desktop clients also say MicroMessenger; a link that opens WeCom does
# nothing there, the QR does (scanned with the phone).
DESKTOP_MARKS = ("WindowsWechat", "MacWechat", "Windows NT", "Macintosh", "X11; Linux")


def phone_agent(agent: str) -> bool:
    """Whether a User-Agent is a phone's (WeChat's in-app browser or a mobile browser): the
    thank-you page then offers the link that opens WeCom; a desktop gets the QR."""
    if "Mobile" not in agent and any(mark in agent for mark in DESKTOP_MARKS):
        return False
    return "MicroMessenger" in agent or "Mobile" in agent or "Android" in agent


def _on_phone(request: HttpRequest) -> bool:
    return phone_agent(request.headers.get("User-Agent", ""))


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """One shape for every submission (issue 13 point 1): the package it chose and the contact
    code of the assistant its reply may name (`submission_reply`), never an existing person's
    assistant, package or referral code (the referral code lives on the care plan)."""
    try:
        ticket = thanks_open(token=token)
    except ApplicationError as err:
        return _error_page(request, err)
    reply = submission_reply(
        lead_id=ticket.lead_id, created=ticket.created, submission=ticket.nonce
    )
    package = (
        ServicePackage.objects.on_sale().filter(pk=ticket.package_id).first()
        if ticket.package_id
        else None
    ) or reply.package
    assistant = reply.assistant
    context = {
        "summary": {
            "assistant": assistant.name if assistant else "",
            "assistant_title": assistant.title if assistant else "",
        },
        "offer": package_offer(package=package) if package else None,
    }
    # A submission that matched a known phone proves nothing of its sender: its code never
    # binds by itself (contact_code_for, verified=False).
    context["assistant_qr"], link = _contact(
        lead_id=ticket.lead_id,
        assistant=assistant,
        verified=ticket.created,
        submission=ticket.nonce,
        specialty_id=ticket.specialty_id,
    )
    context["contact_link"] = link if _on_phone(request) else ""
    return render(request, "landing/thank_you.html", context)


def _cached(
    request: HttpRequest, html: str, gen: str, packages: list[ServicePackage]
) -> HttpResponse:
    if cacheable(request):
        page_cache_store(
            path=request.path,
            keyword="",
            variant="p",
            test_id=None,
            arm="-",
            html=html,
            gen=gen,
            # a package page ends with its promo and with its certificate (Shanghai midnight)
            timeout=cache_seconds(
                deadlines=[
                    *(p.deadline for p in packages),
                    *(p.ad_review_ends_at() for p in packages),
                ]
            ),
        )
    response = HttpResponse(html)
    response["X-Page-Cache"] = "MISS"
    return response


def _package_context(request: HttpRequest, package: ServicePackage, form: LeadForm | None) -> dict:
    consent = consent_current()
    siblings = packages_for_specialty(slug=package.specialty.slug).exclude(pk=package.pk)
    return {
        "offer": package_offer(package=package),
        "package": package,
        "siblings": [package_offer(package=p) for p in siblings],
        "consent": consent,
        "form": form
        or LeadForm(
            initial={"consent_version": consent.version if consent else "", "package": package.slug}
        ),
    }


@require_GET
def package_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A service package's page (a medical ad): live and 上架 only; one whose certificate
    has expired answers the neutral 「该页面暂停展示」 page (404) until the daily task
    unpublishes it (issue 17 review round 2, M7)."""
    gen = generation()
    package = get_object_or_404(
        ServicePackage.objects.filter(live=True, is_active=True).select_related("specialty"),
        slug=slug,
    )
    if certificate_expired(package):
        return ad_suspended(request)
    context = _package_context(request, package, None)
    html = render_to_string("landing/package_detail.html", context, request)
    return _cached(request, html, gen, [package, *(o["package"] for o in context["siblings"])])


@require_POST
def package_reserve(request: HttpRequest, slug: str) -> HttpResponse:
    package = get_object_or_404(
        ServicePackage.objects.on_sale().select_related("specialty"), slug=slug
    )
    form = LeadForm(request.POST)
    error: ApplicationError | None = None
    if form.is_valid():
        try:
            outcome = landing_form_submit(
                data={**form.cleaned_data, "package": package.slug},
                specialty=package.specialty.slug,
                ip=client_ip(request),
                reserve_package=package,
            )
        except ApplicationError as exc:
            error = exc
            consent = consent_current()
            form = lead_form_refused(
                form=form, error=exc, consent_version=consent.version if consent else ""
            )
        else:
            if outcome.lead_id is None:
                return render(request, "landing/thank_you.html", {"summary": None})
            from landing.services.careplan import thanks_token

            token = thanks_token(
                lead_id=outcome.lead_id,
                created=outcome.result == "created",
                package_id=package.pk,
                specialty_id=package.specialty_id,
                submission=outcome.submission,
            )
            return redirect(reverse("landing:thanks", args=[token]))
    else:
        error = ApplicationError(
            errors.INVALID_FORM, errors.MESSAGES[errors.INVALID_FORM], status=400
        )
    context = {
        **_package_context(request, package, form),
        "error": error,
        **error_placement(error, form),
    }
    return render(request, "landing/package_detail.html", context, status=error.status)


@require_GET
def package_compare(request: HttpRequest, specialty: str) -> HttpResponse:
    gen = generation()
    spec = get_object_or_404(Specialty, slug=specialty)
    offers = [package_offer(package=p) for p in packages_for_specialty(slug=spec.slug)]
    if not offers:
        raise Http404("no packages")
    html = render_to_string(
        "landing/package_compare.html", {"specialty": spec, "offers": offers}, request
    )
    return _cached(request, html, gen, [o["package"] for o in offers])


@never_cache
@require_GET
def careplan(request: HttpRequest, token: str) -> HttpResponse:
    try:
        plan_id = careplan_link_open(token=token)
    except ApplicationError as err:
        return _error_page(request, err)
    context = careplan_view(plan_id=plan_id)
    context["contact_qr"], link = _contact(
        lead_id=context["plan"].lead_id, assistant=context["contact"]
    )
    context["contact_link"] = link if _on_phone(request) else ""
    # The WeCom group codes of the patient's own groups and camps (this page only: its link
    # is the patient's secret).
    context["group_codes"] = group_codes_for_lead(lead_id=context["plan"].lead_id)
    code = referral_code_ensure(lead_id=context["plan"].lead_id)
    context["referral_code"] = code
    context["referral_qr"] = reverse("referral:qr", kwargs={"code": code, "kind": "svg"})
    context["referral_url"] = request.build_absolute_uri(
        reverse("referral:landing", kwargs={"code": code})
    )
    context["token"] = token
    return render(request, "landing/careplan.html", context)


@never_cache
def careplan_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """撤回授权 from the patient's plan link: GET asks for confirmation (irreversible) and
    changes nothing; POST (CSRF-checked) anonymizes the person. Refusals as the link's."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        if request.method == "POST":
            careplan_consent_withdraw(token=token)
            return render(request, "landing/careplan_withdrawn.html")
        careplan_link_open(token=token)
    except ApplicationError as err:
        return _error_page(request, err)
    return render(request, "landing/careplan_withdraw.html", {"token": token})


def _photo_response(photo) -> FileResponse:
    response = FileResponse(photo.photo.open("rb"))
    # A patient's photo: no shared cache keeps it, no browser guesses its type.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_GET
def careplan_photo(request: HttpRequest, token: str, photo_id: int) -> HttpResponse:
    """A progress photo, to whoever holds the plan's valid link (revoked/expired → 410)."""
    try:
        plan_id = careplan_link_open(token=token)
    except ApplicationError as err:
        return _error_page(request, err)
    photo = get_object_or_404(CarePlanPhoto, pk=photo_id, plan_id=plan_id)
    return _photo_response(photo)


@login_required(login_url=H5_LOGIN)
@never_cache
@require_GET
def careplan_photo_staff(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A progress photo for staff who may see the plan's lead (its assistant, lead viewers)."""
    photo = get_object_or_404(CarePlanPhoto.objects.select_related("plan"), pk=photo_id)
    if not leads_visible_to(user=request.user).filter(pk=photo.plan.lead_id).exists():
        raise Http404("not your patient")
    return _photo_response(photo)


@login_required(login_url=H5_LOGIN)
@never_cache
def assistant_home(request: HttpRequest) -> HttpResponse:
    return _assistant_home_render(request)


def _assistant_home_render(
    request: HttpRequest, error: ApplicationError | None = None
) -> HttpResponse:
    groups = assistant_today(user=request.user)
    leads = leads_visible_to(user=request.user).order_by("-created_at")[:20]
    context = {
        "groups": [(kind, label, groups[kind]) for kind, label in followup_kinds()],
        "leads": [(lead, mask_name(lead.name), mask_phone(lead.phone)) for lead in leads],
        "assistant": getattr(request.user, "assistant", None),
        "snooze_choices": list(SNOOZE_CHOICES.items()),
        "error": error,
    }
    return render(
        request, "landing/assistant_home.html", context, status=error.status if error else 200
    )


@login_required(login_url=H5_LOGIN)
@never_cache
@require_POST
def assistant_followup(request: HttpRequest, followup_id: int) -> HttpResponse:
    """完成 or 稍后提醒 on one of the assistant's own follow-ups (404 for anyone else's)."""
    followup = followup_for_user(user=request.user, followup_id=followup_id)
    if followup is None:
        raise Http404("not your follow-up")
    action = request.POST.get("action", "")
    try:
        if action == "done":
            followup_done(followup_id=followup.pk, actor=request.user)
        else:
            followup_snooze(
                followup_id=followup.pk, until=snooze_until(choice=action), actor=request.user
            )
    except ApplicationError as err:
        return _assistant_home_render(request, error=err)
    return redirect(reverse("landing:assistant_home") + f"#g-{followup.kind}")


def followup_kinds() -> list[tuple[str, str]]:
    from funnel.models import FollowUp

    return list(FollowUp.Kind.choices)


@login_required(login_url=H5_LOGIN)
@never_cache
def assistant_lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = (
        leads_visible_to(user=request.user)
        .filter(pk=lead_id)
        .select_related("recommended_package", "specialty")
        .first()
    )
    if lead is None:
        raise Http404("not your lead")
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("note", "").strip():
                lead_note_add(
                    lead_id=lead.pk, actor=request.user, note=request.POST["note"].strip()[:1000]
                )
            elif request.POST.get("stage"):
                lead_stage_change(
                    lead_id=lead.pk, to_stage=request.POST["stage"], actor=request.user
                )
        except ApplicationError as err:
            error = err
        else:
            return redirect(reverse("landing:assistant_lead", args=[lead.pk]))
    context = {
        "lead": lead,
        "name": mask_name(lead.name),
        "phone": mask_phone(lead.phone),
        "notes": lead_notes(lead=lead),
        "touchpoints": lead.touchpoints.order_by("occurred_at", "pk"),
        # Only the moves the funnel accepts from here: a button never answers 409.
        "stages": [(s.value, s.label) for s in H5_STAGES if transition_allowed(lead.stage, s)],
        "stage_label": Stage(lead.stage).label,
        "error": error,
    }
    return render(
        request, "landing/assistant_lead.html", context, status=error.status if error else 200
    )
