"""Lead-API tokens: shown once, stored as SHA-256, each with the scopes it may use."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel.models import ApiToken

SCOPE_CREATE = "leads:create"
SCOPE_EVENTS = "leads:events"
SCOPES = tuple(value for value, _ in ApiToken.SCOPE_CHOICES)
# Which scope each API endpoint (its URL name) needs; an endpoint missing here is refused.
ENDPOINT_SCOPES = {"lead_create": SCOPE_CREATE, "lead_event": SCOPE_EVENTS}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, name: str, scopes: tuple[str, ...] | list[str] = SCOPES) -> str:
    """A new token (returned once; only its hash is kept) allowed `scopes` (default: every
    scope, as tokens made before scopes existed). Raises ValueError for an unknown or empty
    scope list, IntegrityError for a name in use."""
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}: {unknown or 'none given'}")
    token = "yl_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(name=name, token_hash=_digest(token), scopes=chosen)
    return token


def api_token_scope_check(token: ApiToken, *, endpoint: str) -> None:
    """Raises ApplicationError 403 `insufficient_scope` unless `token` may call `endpoint`
    (a URL name of the lead API; one not in ENDPOINT_SCOPES is refused: fail closed)."""
    needed = ENDPOINT_SCOPES.get(endpoint)
    if needed is None or needed not in (token.scopes or []):
        code = errors.INSUFFICIENT_SCOPE
        raise ApplicationError(
            code, errors.MESSAGES[code], status=403, extra={"needed": needed or endpoint}
        )


def api_token_check(*, token: str) -> ApiToken | None:
    if not token:
        return None
    found = ApiToken.objects.filter(token_hash=_digest(token), is_active=True).first()
    if found is not None:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found
