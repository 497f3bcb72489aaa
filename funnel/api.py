"""The lead API (django-ninja). Every answer that is not a success carries `{"error": code}`."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.responses import Status
from ninja.security import HttpBearer

from config.errors import ApplicationError
from funnel import errors
from funnel import events as lead_events
from funnel.models import Channel, Lead, ServicePackage
from funnel.payload import Consent, LeadPayload
from funnel.services.idempotency import Replayed, idempotent_call
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.tokens import api_token_check

CLICK_ID_KEYS = ("bd_vid", "clickid", "callback", "click_id")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return api_token_check(token=token)


api = NinjaAPI(
    title="Yinliu lead API",
    version="1",
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=TokenAuth(),
)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"error": errors.INVALID_BODY, "detail": exc.errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"error": errors.INVALID_TOKEN, "message": errors.MESSAGES[errors.INVALID_TOKEN]},
        status=401,
    )


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = errors.MALFORMED_BODY if exc.status_code == 400 else f"http_{exc.status_code}"
    return api.create_response(
        request, {"error": code, "message": str(exc)}, status=exc.status_code
    )


class ConsentIn(Schema):
    given: bool
    version: str = ""
    at: str = ""


class LeadIn(Schema):
    phone: str = Field(..., max_length=40)
    name: str = Field(..., max_length=60)
    channel: str = Field(..., max_length=20)
    consent: bool | ConsentIn
    consent_version: str = Field("", max_length=40)
    specialty: str = Field("", max_length=50)
    campaign: str = Field("", max_length=200)
    campaign_id: str = Field("", max_length=64)
    keyword: str = Field("", max_length=200)
    gender: str = Field("", max_length=10)
    age: int | None = Field(None, ge=0, le=130)
    city: str = Field("", max_length=50)
    concern: str = Field("", max_length=2000)
    referral_code: str = Field("", max_length=16)
    bd_vid: str = Field("", max_length=200)
    clickid: str = Field("", max_length=200)
    callback: str = Field("", max_length=500)
    click_id: str = Field("", max_length=200)
    utm: dict[str, str] = Field(default_factory=dict)
    content_page_id: int | None = None


class LeadOut(Schema):
    lead_id: int
    result: str


class Rejected(Schema):
    error: str
    inbound_id: int | None = None
    message: str = ""


class EventIn(Schema):
    stage: str = Field("", max_length=20)
    amount: str = Field("", max_length=20)
    package: str = Field("", max_length=80)
    note: str = Field("", max_length=1000)


class EventOut(Schema):
    lead_id: int
    stage: str


class Problem(Schema):
    """Every refusal: a machine-readable code and a message (Chinese first); some codes carry
    more keys (a forbidden transition its `from` and `to`)."""

    model_config = {"extra": "allow"}

    error: str
    message: str = ""


IDEMPOTENCY_HEADER = Header(
    "",
    alias="Idempotency-Key",
    description=(
        "Your unique id for this request (up to 128 characters), scoped to your token: a "
        "retry with the same body answers what the first request answered and changes "
        "nothing; the same key with another body answers 422 idempotency_key_reused."
    ),
)


def _payload(body: LeadIn, key: str) -> LeadPayload:
    if isinstance(body.consent, bool):
        consent = Consent(given=body.consent, version=body.consent_version, source="api")
    else:
        consent = Consent(
            given=body.consent.given,
            version=body.consent.version or body.consent_version,
            at=body.consent.at,
            source="api",
        )
    return LeadPayload(
        phone=body.phone,
        name=body.name,
        gender=body.gender,
        age=body.age,
        city=body.city,
        specialty=body.specialty,
        concern=body.concern,
        channel=body.channel,
        external_id=key,
        campaign_id=body.campaign_id,
        campaign_name=body.campaign,
        keyword=body.keyword,
        click_ids={k: getattr(body, k) for k in CLICK_ID_KEYS if getattr(body, k)},
        utm=body.utm,
        content_page_id=body.content_page_id,
        referral_code=body.referral_code,
        consent=consent,
        idempotency_key=key,
    )


CREATE_KEY_HEADER = Header(
    "",
    alias="Idempotency-Key",
    description=(
        "Your id for this lead record (up to 128 characters): a retry with the same key is the "
        "same intake record and answers the same lead."
    ),
)


@api.post(
    "/leads",
    response={200: LeadOut, 201: LeadOut, 401: Problem, 422: Rejected},
    url_name="lead_create",
)
def lead_create(request: HttpRequest, body: LeadIn, idempotency_key: str = CREATE_KEY_HEADER):
    """Create (201) or merge into (200) a lead; 422 with the intake record's id when it cannot
    become a lead (kept in quarantine)."""
    key = idempotency_key.strip()[:128] or f"auto-{uuid.uuid4()}"
    stored = lead_intake(
        source=IntakeSource(channel=Channel.API),
        external_id=key,
        raw=body.dict(),
        payload=_payload(body, key),
    )
    outcome = stored.outcome
    if outcome is None or outcome.result == "quarantined" or outcome.lead_id is None:
        reason = outcome.reason if outcome else errors.UNMAPPED
        rejected = {"error": reason, "inbound_id": stored.inbound_id}
        return Status(422, {**rejected, "message": outcome.detail if outcome else ""})
    status = 201 if outcome.result == "created" else 200
    return Status(status, {"lead_id": outcome.lead_id, "result": outcome.result})


@api.post(
    "/leads/{lead_id}/events",
    response={200: EventOut, 401: Problem, 404: Problem, 409: Problem, 422: Problem},
    url_name="lead_event",
)
def lead_event(
    request: HttpRequest, lead_id: int, body: EventIn, idempotency_key: str = IDEMPOTENCY_HEADER
):
    """A stage change (with `amount` for 已支付) or a note. With `Idempotency-Key` a retried
    payment is never a second order (nor a false 已复购)."""
    outcome = idempotent_call(
        token_id=request.auth.pk,
        endpoint="lead_event",
        key=idempotency_key,
        body={"lead_id": lead_id, **body.dict()},
        run=lambda: (200, _lead_event(request, lead_id, body)),
    )
    status, answer = outcome
    response = api.create_response(request, answer, status=status)
    if isinstance(outcome, Replayed):
        response["Idempotent-Replayed"] = "true"
    return response


def _lead_event(request: HttpRequest, lead_id: int, body: EventIn) -> dict[str, Any]:
    from funnel.services.stages import lead_stage_change

    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        raise ApplicationError(errors.LEAD_NOT_FOUND, f"线索 #{lead_id} 不存在", status=404)
    label = f"api:{request.auth.name}"
    package = None
    if body.package:
        package = ServicePackage.objects.filter(slug=body.package).first()
        if package is None:
            raise ApplicationError(
                errors.UNKNOWN_PACKAGE, f"服务包 {body.package} 不存在", status=422
            )
    if body.stage:
        lead = lead_stage_change(
            lead_id=lead_id,
            to_stage=body.stage,
            actor_label=label,
            note=body.note,
            amount=body.amount or None,
            package=package,
        )
    elif body.note:
        lead_events.event_record(
            lead_events.note_event(lead=lead, actor_label=label, note=body.note)
        )
    else:
        raise ApplicationError(
            errors.EMPTY_EVENT, errors.MESSAGES[errors.EMPTY_EVENT], status=422
        )
    return {"lead_id": lead.pk, "stage": lead.stage}
