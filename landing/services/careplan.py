"""Signed care-plan links: patients open them on a phone without logging in."""

from __future__ import annotations

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


def thanks_token(*, lead_id: int) -> str:
    return signing.dumps({"l": lead_id}, salt=THANKS_SALT)


def thanks_open(*, token: str) -> int:
    try:
        return int(signing.loads(token, salt=THANKS_SALT, max_age=24 * 3600)["l"])
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
