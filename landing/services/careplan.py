"""Signed care-plan links: patients open them on a phone without logging in."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from config.errors import ApplicationError
from funnel.crypto import decrypt_str, encrypt_str
from landing import errors
from landing.models import CarePlan

SALT = "landing.careplan"
THANKS_SALT = "landing.thanks"  # the old signed, readable tokens (refused now)


def _link_value(plan_id: int, version: int) -> str:
    # Version 0 signs the bare id: links issued before revocation existed keep working.
    return str(plan_id) if version == 0 else f"{plan_id}.{version}"


def careplan_link_token(*, plan_id: int) -> str:
    """A patient link to the plan under its current link version."""
    version = CarePlan.objects.filter(pk=plan_id).values_list("link_version", flat=True).first()
    return signing.TimestampSigner(salt=SALT).sign(_link_value(plan_id, version or 0))


def careplan_link_for_lead(lead_id: int) -> str | None:
    """An absolute patient link to the lead's newest care plan (under its current link
    version, on the public site's base URL), or None when the lead has none. Registered with
    `funnel.patient_links` (`LandingConfig.ready`): the WeCom welcome message carries it."""
    from django.urls import reverse

    from cms.links import site_root_url

    plan_id = (
        CarePlan.objects.filter(lead_id=lead_id, lead__anonymized_at__isnull=True)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if plan_id is None:
        return None
    base = (site_root_url() or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return base + reverse("landing:careplan", args=[careplan_link_token(plan_id=plan_id)])


def _refused(code: str, status: int) -> ApplicationError:
    return ApplicationError(code, errors.MESSAGES[code], status=status)


def careplan_link_open(*, token: str, max_age: int | None = None) -> int:
    """The plan id inside a link: expired or revoked → 410; tampered, foreign or its plan gone
    (deleted, its person anonymized) → 404."""
    max_age = settings.LANDING_CAREPLAN_LINK_SECONDS if max_age is None else max_age
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
        plan_part, _, version_part = value.partition(".")
        plan_id, version = int(plan_part), int(version_part or 0)
    except signing.SignatureExpired as exc:
        raise _refused(errors.LINK_EXPIRED, 410) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise _refused(errors.LINK_INVALID, 404) from exc
    current = CarePlan.objects.filter(pk=plan_id).values_list("link_version", flat=True).first()
    if current is None:
        if _erased(plan_id):
            raise _refused(errors.LINK_GONE, 410)
        raise _refused(errors.LINK_INVALID, 404)
    if version != current:
        raise _refused(errors.LINK_REVOKED, 410)
    return plan_id


REVOKE_ACTION = "landing.careplan_link_revoke"
# Left in Wagtail's log for each plan erased with its person: the plan id only, so a genuine
# link to it answers 410 (gone), not 404 (never ours). Nothing about the person.
ERASED_ACTION = "landing.careplan_erased"
PATIENT_ACTOR = "患者本人（护理计划链接）"


def _plan_type() -> ContentType:
    return ContentType.objects.get_for_model(CarePlan)


def _erased(plan_id: int) -> bool:
    return ModelLogEntry.objects.filter(
        content_type=_plan_type(), object_id=str(plan_id), action=ERASED_ACTION
    ).exists()


def careplan_consent_withdraw(*, token: str) -> int:
    """The patient withdraws consent from their care-plan link (PIPL Art. 15): the person is
    anonymized at once (the plan, its photos and the link go with it), audited as
    "患者本人（护理计划链接）". Refusals: the link's own (`careplan_link_open`: 404/410); a person
    already anonymized → 410 `link_gone`. Returns the lead id."""
    from funnel import errors as funnel_errors
    from funnel.services.pii import consent_withdraw

    plan_id = careplan_link_open(token=token)
    lead_id = CarePlan.objects.filter(pk=plan_id).values_list("lead_id", flat=True).first()
    if lead_id is None:
        raise _refused(errors.LINK_GONE, 410)
    try:
        consent_withdraw(lead_id=lead_id, actor_label=PATIENT_ACTOR)
    except ApplicationError as err:
        if err.code == funnel_errors.ALREADY_ANONYMIZED:
            raise _refused(errors.LINK_GONE, 410) from err
        raise
    return lead_id


def careplan_link_revoke(*, plan_id: int, actor: Any) -> CarePlan:
    """Revoke every patient link issued so far for this plan (a lost phone, a forwarded link);
    a link made afterwards works. Audited in Wagtail's log (who, when, which plan)."""
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().get(pk=plan_id)
        plan.link_version += 1
        plan.link_revoked_at = timezone.now()
        plan.save(update_fields=["link_version", "link_revoked_at"])
        log(
            instance=plan,
            action=REVOKE_ACTION,
            user=actor,
            data={"link_version": plan.link_version},
        )
    return plan


@dataclass(frozen=True)
class Thanks:
    """What one submission may show on its thank-you page: what *it* chose and did, never
    facts of a person already known (a known phone on a diabetes form must not reveal a
    hair-loss patient's assistant, package or referral code)."""

    lead_id: int
    created: bool  # this submission created the lead (its routing is this submission's own)
    package_id: int | None  # the page's package / the package reserved with this form
    specialty_id: int | None = None  # the page's specialty (whose 活码 answers this submission)
    nonce: str = ""  # this submission's own (its unverified contact code is its own)


THANKS_MAX_AGE = 24 * 3600  # seconds a thank-you link opens
THANKS_PURPOSE = "yl-thanks-v2"  # other Fernet tokens of ours (encrypted fields) are not tickets


# Longer than any body (w, 20-digit ids, t): every token has the same length.
THANKS_PADDED_LENGTH = 192


def thanks_submission_digest(submission: str) -> str:
    """A submission's keyed digest (16 hex characters; its idempotency key never shows): the
    thank-you token carries it, and the funnel records a known phone's reply under it."""
    return salted_hmac("yinliu.landing.thanks-submission", submission).hexdigest()[:16]


def thanks_token(
    *,
    lead_id: int,
    created: bool,
    package_id: int | None,
    specialty_id: int | None = None,
    submission: str = "",
) -> str:
    """An opaque thank-you token: the submission (lead id, whether it created the lead, the
    package it chose) encrypted with the field-encryption keys (Fernet: AES-128-CBC +
    HMAC-SHA256, URL-safe), so a visitor or anyone the URL reaches (a referrer header, a
    shared screenshot) cannot read the lead id or the package, and cannot forge one."""
    body = json.dumps(
        {
            "w": THANKS_PURPOSE,
            "l": lead_id,
            "n": bool(created),
            "p": package_id,
            "s": specialty_id,
            # The submission, keyed (its idempotency key never shows): a double click opens the
            # same answer, another submission of the same phone its own code.
            "t": thanks_submission_digest(submission or secrets.token_hex(8)),
        },
        separators=(",", ":"),
    )
    # Padded to one length (JSON allows trailing spaces): the token's length must not grow with
    # the lead id or say whether a package was chosen.
    return encrypt_str(body.ljust(THANKS_PADDED_LENGTH))


def thanks_open(*, token: str) -> Thanks:
    """The submission inside a token from `thanks_token`, at most THANKS_MAX_AGE old. Raises
    ApplicationError 404 `link_invalid` for anything else: the old signed (readable) tokens,
    an altered or foreign token, another purpose's ciphertext, an expired one."""
    try:
        data = json.loads(decrypt_str(token, ttl=THANKS_MAX_AGE))
        if data["w"] != THANKS_PURPOSE:
            raise ValueError("not a thank-you token")
        package_id, specialty_id = data["p"], data.get("s")
        return Thanks(
            lead_id=int(data["l"]),
            created=data["n"] is True,
            package_id=None if package_id is None else int(package_id),
            specialty_id=None if specialty_id is None else int(specialty_id),
            nonce=str(data.get("t") or "")[:32],
        )
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise ApplicationError(
            errors.LINK_INVALID, errors.MESSAGES[errors.LINK_INVALID], status=404
        ) from exc


def careplans_anonymize(lead_id: int) -> None:
    """A withdrawn or expired person's care plans go entirely: the calendar, the notes and the
    progress photos (their files too) are about that person and nothing else. Registered
    with the funnel's anonymizer (`LandingConfig.ready`); idempotent."""
    from landing.models import CarePlanPhoto

    names = list(
        CarePlanPhoto.objects.filter(plan__lead_id=lead_id).values_list("photo", flat=True)
    )
    plan_ids = list(CarePlan.objects.filter(lead_id=lead_id).values_list("pk", flat=True))
    CarePlan.objects.filter(lead_id=lead_id).delete()
    # The plan's admin history keeps its title (staff may have written the name in it): each
    # entry becomes "治疗计划 #id" with no data, and a marker says the plan was erased.
    plan_type, now = _plan_type(), timezone.now()
    for plan_id in plan_ids:
        ModelLogEntry.objects.filter(content_type=plan_type, object_id=str(plan_id)).update(
            label=f"治疗计划 #{plan_id}", data={}
        )
    ModelLogEntry.objects.bulk_create(
        ModelLogEntry(
            content_type=plan_type,
            object_id=str(plan_id),
            label=f"治疗计划 #{plan_id}",
            action=ERASED_ACTION,
            timestamp=now,
            data={},
        )
        for plan_id in plan_ids
    )
    storage = CarePlanPhoto._meta.get_field("photo").storage
    # Files after the rows: a failure leaves an orphan file, never a row without its file.
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])
