"""The lead API (django-ninja). Every answer that is not a success carries `{"error": code}`."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Header, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from config.errors import ApplicationError
from funnel import errors
from funnel.consent import consent_time_read, consent_version_check
from funnel.models import Channel, Lead, ServicePackage
from funnel.payload import Consent, LeadPayload
from funnel.services.idempotency import Replayed, idempotency_key_clean, idempotent_call
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.tokens import api_token_check, api_token_scope_check
from funnel.surrogates import has_surrogate

CLICK_ID_KEYS = ("bd_vid", "clickid", "callback", "click_id")
# A lead or an event is a few KiB at most; anything larger is refused before it is parsed
# (and never stored): 413 payload_too_large.
API_MAX_BYTES = 64 * 1024


def _body_bounded(request: HttpRequest) -> None:
    """Refuse a body over API_MAX_BYTES before it is read or parsed: the declared length
    first, the read length after (a chunked body declares none)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (declared.isdigit() and int(declared) > API_MAX_BYTES) or len(request.body) > API_MAX_BYTES:
        raise ApplicationError(
            errors.PAYLOAD_TOO_LARGE, errors.MESSAGES[errors.PAYLOAD_TOO_LARGE], status=413
        )


def _body_unicode_checked(request: HttpRequest) -> None:
    """Refuse a JSON body holding a lone surrogate (U+D800–U+DFFF, sent as an escape like
    `\\ud800`) in any string, key or nested value: 422 `string_unicode`, nothing stored. It
    cannot be encoded as UTF-8 (the idempotency digest, PII encryption and PostgreSQL jsonb all
    fail on it). A body that is not JSON is left to the parser (400 malformed_body)."""
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        return
    if has_surrogate(data):
        code = errors.STRING_UNICODE
        raise ApplicationError(code, errors.MESSAGES[code], status=422)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        client = api_token_check(token=token)
        if client is not None:
            # Before the body is read: a token without the endpoint's scope learns nothing
            # from validation answers (403 insufficient_scope).
            match = request.resolver_match
            api_token_scope_check(client, endpoint=match.url_name if match else "")
            # Here, not in a parser: django-ninja parses the body after authentication and
            # turns any parser error into 400. An unknown caller still gets 401 first.
            _body_bounded(request)
            _body_unicode_checked(request)
        return client


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
    """Text values are not refused for their length: intake cuts each to its column
    (`funnel.payload` bounds) and keeps the raw record whole, like every other source. The
    body itself is bounded (API_MAX_BYTES)."""

    phone: str
    name: str
    channel: str = Field(..., description="one of the funnel's channels (422 unknown_channel)")
    consent: bool | ConsentIn
    consent_version: str = ""
    specialty: str = ""
    campaign: str = ""
    campaign_id: str = ""
    keyword: str = ""
    gender: str = ""
    age: int | None = Field(None, ge=0, le=130)
    city: str = ""
    concern: str = ""
    referral_code: str = ""
    bd_vid: str = ""
    clickid: str = ""
    callback: str = ""
    click_id: str = ""
    utm: dict[str, str] = Field(
        default_factory=dict, description="at most 10 entries kept, keys 32 and values 200 chars"
    )
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
        "nothing; the same key with another body answers 422 idempotency_key_reused. A "
        "longer key answers 422 idempotency_key_too_long (keys are never cut)."
    ),
)


def _payload(body: LeadIn, key: str, *, client: str) -> LeadPayload:
    # Where the consent was given: through this API client (its token's name).
    source = f"api:{client}"
    if isinstance(body.consent, bool):
        consent = Consent(given=body.consent, version=body.consent_version, source=source)
    else:
        consent = Consent(
            given=body.consent.given,
            version=body.consent.version or body.consent_version,
            at=body.consent.at,
            source=source,
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


@api.post(
    "/leads",
    # 400: a body that is not JSON (`malformed_body`, the parser's answer, kept in quarantine)
    # 403: the token lacks the leads:create scope (`insufficient_scope`)
    response={
        200: LeadOut,
        201: LeadOut,
        400: Problem,
        401: Problem,
        403: Problem,
        413: Problem,
        422: Rejected,
    },
    url_name="lead_create",
)
def lead_create(request: HttpRequest, body: LeadIn, idempotency_key: str = IDEMPOTENCY_HEADER):
    """Create (201) or merge into (200) a lead; 422 with the intake record's id when it cannot
    become a lead (kept in quarantine). With `Idempotency-Key` a retry answers the first
    answer; the same key with another body answers 422 idempotency_key_reused."""
    if body.channel not in Channel.values:
        raise ApplicationError(
            errors.UNKNOWN_CHANNEL,
            errors.MESSAGES[errors.UNKNOWN_CHANNEL] + ", ".join(Channel.values),
            status=422,
        )
    _consent_check(body)
    token = request.auth
    outcome = idempotent_call(
        token_id=token.pk,
        endpoint="lead_create",
        key=idempotency_key,
        body=body.dict(),
        run=lambda: _lead_create(token, body, idempotency_key),
    )
    status, answer = outcome
    response = api.create_response(request, answer, status=status)
    if isinstance(outcome, Replayed):
        response["Idempotent-Replayed"] = "true"
    return response


def _consent_check(body: LeadIn) -> None:
    """Consent given through the API names a published text version (when it names one) and a
    time the caller can vouch for: ISO-8601 with its offset, not in the future. Raises
    ApplicationError 422 `unknown_consent_version`, `invalid_consent_time` or
    `consent_time_in_future`; nothing is stored."""
    consent = body.consent
    given = consent if isinstance(consent, bool) else consent.given
    if not given:
        return
    version = body.consent_version if isinstance(consent, bool) else consent.version
    version = version or body.consent_version
    if version:
        consent_version_check(version)
    if not isinstance(consent, bool):
        consent_time_read(consent.at, now=timezone.now(), naive_ok=False)


def _lead_create(token: Any, body: LeadIn, idempotency_key: str) -> tuple[int, dict[str, Any]]:
    key = idempotency_key_clean(idempotency_key)  # checked whole by idempotent_call already
    # The intake record is this client's: two clients' keys never name one record.
    external_id = f"t{token.pk}:{key}" if key else f"auto-{uuid.uuid4()}"
    stored = lead_intake(
        source=IntakeSource(channel=Channel.API),
        external_id=external_id,
        raw=body.dict(),
        payload=_payload(body, key, client=token.name),
    )
    outcome = stored.outcome
    if outcome is None or outcome.result == "quarantined" or outcome.lead_id is None:
        reason = outcome.reason if outcome else errors.UNMAPPED
        message = outcome.detail if outcome else ""
        return 422, {"error": reason, "inbound_id": stored.inbound_id, "message": message}
    status = 201 if outcome.result == "created" else 200
    return status, {"lead_id": outcome.lead_id, "result": outcome.result}


@api.post(
    "/leads/{lead_id}/events",
    response={
        200: EventOut,
        400: Problem,
        401: Problem,
        403: Problem,  # the token lacks the leads:events scope (`insufficient_scope`)
        404: Problem,
        409: Problem,
        413: Problem,
        422: Problem,
    },
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
    from funnel.services.stages import lead_note_add, lead_stage_change

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
        lead_note_add(lead_id=lead.pk, actor_label=label, note=body.note)
    else:
        raise ApplicationError(errors.EMPTY_EVENT, errors.MESSAGES[errors.EMPTY_EVENT], status=422)
    return {"lead_id": lead.pk, "stage": lead.stage}
