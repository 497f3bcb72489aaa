"""Signed care-plan links: patients open them on a phone without logging in."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from config.errors import ApplicationError
from landing import errors

SALT = "landing.careplan"
THANKS_SALT = "landing.thanks"


def careplan_link_token(*, plan_id: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(plan_id))


def careplan_link_open(*, token: str, max_age: int | None = None) -> int:
    """The plan id inside a link; expired → 410, tampered or foreign → 404."""
    max_age = settings.LANDING_CAREPLAN_LINK_SECONDS if max_age is None else max_age
    try:
        return int(signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age))
    except signing.SignatureExpired as exc:
        raise ApplicationError(
            errors.LINK_EXPIRED, errors.MESSAGES[errors.LINK_EXPIRED], status=410
        ) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise ApplicationError(
            errors.LINK_INVALID, errors.MESSAGES[errors.LINK_INVALID], status=404
        ) from exc


@dataclass(frozen=True)
class Thanks:
    """What one submission may show on its thank-you page: what *it* chose and did, never
    facts of a person already known (a known phone on a diabetes form must not reveal a
    hair-loss patient's assistant, package or referral code)."""

    lead_id: int
    created: bool  # this submission created the lead (its routing is this submission's own)
    package_id: int | None  # the page's package / the package reserved with this form


def thanks_token(*, lead_id: int, created: bool, package_id: int | None) -> str:
    return signing.dumps({"l": lead_id, "n": bool(created), "p": package_id}, salt=THANKS_SALT)


def thanks_open(*, token: str) -> Thanks:
    try:
        data = signing.loads(token, salt=THANKS_SALT, max_age=24 * 3600)
        package_id = data["p"]
        return Thanks(
            lead_id=int(data["l"]),
            created=data["n"] is True,
            package_id=None if package_id is None else int(package_id),
        )
    except (signing.BadSignature, KeyError, ValueError, TypeError) as exc:
        raise ApplicationError(
            errors.LINK_INVALID, errors.MESSAGES[errors.LINK_INVALID], status=404
        ) from exc


def careplans_anonymize(lead_id: int) -> None:
    """A withdrawn or expired person's care plans go entirely: the calendar, the notes and the
    progress photos (their files too) are about that person and nothing else. Registered
    with the funnel's anonymizer (`LandingConfig.ready`); idempotent."""
    from landing.models import CarePlan, CarePlanPhoto

    photos = list(CarePlanPhoto.objects.filter(plan__lead_id=lead_id).select_related("image"))
    CarePlan.objects.filter(lead_id=lead_id).delete()
    for photo in photos:
        photo.image.delete()  # the Image row, its renditions and the stored files
