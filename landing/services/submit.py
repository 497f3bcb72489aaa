"""Landing form submission: guards, then the inbox (store first), then the funnel's ingest.

A client-generated idempotency key is the inbox external id, so a double submit is an exact
replay of one inbound record and yields the same lead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from config.errors import ApplicationError
from funnel import events as lead_events
from funnel.models import Channel, ServicePackage
from funnel.payload import Consent, LeadPayload
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.routing import submission_route
from landing import errors
from landing.forms import ATTRIBUTION_FIELDS, CLICK_ID_FIELDS, UTM_FIELDS
from landing.selectors import consent_current
from landing.services.ab import ab_conversion_record
from landing.services.careplan import thanks_submission_digest
from landing.services.guards import submit_limits_check, ticket_check, ticket_use

NOT_RAW = {"ticket", "website", "csrfmiddlewaretoken"}


@dataclass(frozen=True)
class SubmitOutcome:
    result: str  # created | merged | honeypot
    lead_id: int | None = None
    replayed: bool = False
    submission: str = ""  # the submission's idempotency key (a double click: the same)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def landing_page_url(landing_page_id: int | None) -> str:
    """The landing page's public URL on the configured site base URL ("" for none, or for a
    page no site serves). Baidu's OCPC upload names the page a conversion came from by it
    (`logidUrl`, API_FACTS "Baidu — Conversion postback"): without it the connector falls back
    to the account's `ocpc_landing_url`, or to a placeholder Baidu cannot match."""
    if not landing_page_id:
        return ""
    from wagtail.models import Page

    page = Page.objects.filter(pk=landing_page_id).first()
    return (page.full_url or "") if page is not None else ""


def landing_payload(
    *, data: dict[str, Any], specialty: str, landing_page_id: int | None, page_url: str = ""
) -> LeadPayload:
    """The intake payload of a landing-form submission; `page_url` (the page it was sent
    from) goes in `extra.url` for the platforms' conversion uploads."""
    extra: dict[str, Any] = {"package": data["package"]} if data.get("package") else {}
    if page_url:
        extra["url"] = page_url
    keyword = data.get("utm_term") or data.get("kw") or data.get("keyword") or ""
    return LeadPayload(
        phone=data["phone"],
        name=data["name"],
        gender=data.get("gender") or "",
        age=data.get("age"),
        specialty=specialty,
        concern=data.get("concern") or "",
        channel="landing",
        external_id=data["idem"],
        keyword=keyword,
        campaign_name=data.get("utm_campaign") or "",
        click_ids={k: data[k] for k in CLICK_ID_FIELDS if data.get(k)},
        utm={k: data[k] for k in UTM_FIELDS if data.get(k)},
        content_page_id=_int_or_none(data.get("content")),
        landing_page_id=landing_page_id,
        referral_code=data.get("ref") or "",
        consent=Consent(
            given=True,
            version=data["consent_version"],
            at=timezone.now().isoformat(),
            source="landing",
        ),
        idempotency_key=data["idem"],
        extra=extra,
    )


def landing_form_submit(
    *,
    data: dict[str, Any],
    specialty: str,
    ip: str,
    landing_page_id: int | None = None,
    ab_test_id: int | None = None,
    visitor: str = "",
    reserve_package: ServicePackage | None = None,
) -> SubmitOutcome:
    """`data` is the LeadForm's cleaned data. Raises ApplicationError (4xx) on refusal."""
    if data.get("website"):
        # A bot filled the honeypot: answer like a success, store nothing.
        return SubmitOutcome(result="honeypot")
    ticket_check(ticket=data.get("ticket") or "")
    if not data.get("consent"):
        raise ApplicationError(errors.CONSENT_REQUIRED, errors.MESSAGES[errors.CONSENT_REQUIRED])
    current = consent_current()
    if current is None:
        raise ApplicationError(
            errors.NO_CONSENT_TEXT, errors.MESSAGES[errors.NO_CONSENT_TEXT], status=503
        )
    if data.get("consent_version") != current.version:
        raise ApplicationError(
            errors.CONSENT_VERSION_STALE,
            errors.MESSAGES[errors.CONSENT_VERSION_STALE],
            status=409,
            extra={"current_version": current.version},
        )
    submit_limits_check(ip=ip, phone=data["phone"])

    data = {**data, "idem": (data.get("idem") or uuid.uuid4().hex)[:64]}
    # Single use: one ticket, one submission (its replays under the same key are the same one).
    ticket_use(ticket=data.get("ticket") or "", idem=data["idem"])
    payload = landing_payload(
        data=data,
        specialty=specialty,
        landing_page_id=landing_page_id,
        page_url=landing_page_url(landing_page_id),
    )
    raw_keys = {
        "name",
        "phone",
        "age",
        "gender",
        "concern",
        "consent",
        "consent_version",
        "package",
    }
    raw = {k: data.get(k) for k in sorted(raw_keys | set(ATTRIBUTION_FIELDS)) if k not in NOT_RAW}
    raw["landing_page_id"] = landing_page_id
    stored = lead_intake(
        source=IntakeSource(channel=Channel.LANDING),
        external_id=data["idem"],
        raw=raw,
        payload=payload,
    )
    result = stored.outcome
    if result is None or result.result == "quarantined":
        code = result.reason if result else errors.SUBMIT_FAILED
        # The patient reads a sentence, never a code (the code stays for staff and scripts).
        message = errors.MESSAGES.get(code, errors.DEFAULT_MESSAGE)
        raise ApplicationError(code, message, status=422, extra={"inbound_id": stored.inbound_id})
    if result.lead_id is not None:
        # The answer is recorded once per submission (a replay finds it): a new lead's routing,
        # or for a known phone what routing gives a new lead's submission with these facts.
        submission_route(
            lead_id=result.lead_id,
            payload=payload,
            submission=thanks_submission_digest(data["idem"]),
            created=result.result == "created",
        )
    if not result.replayed:
        if ab_test_id and visitor and result.result == "created":
            ab_conversion_record(test_id=ab_test_id, visitor=visitor)
        if reserve_package is not None:
            lead_events.event_record(
                lead_events.reserve_event(
                    lead=result.lead_id,
                    package_slug=reserve_package.slug,
                    package_name=reserve_package.name,
                    inbound_id=stored.inbound_id,
                )
            )
    return SubmitOutcome(
        result=result.result,
        lead_id=result.lead_id,
        replayed=result.replayed,
        submission=data["idem"],
    )
