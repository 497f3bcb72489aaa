"""Idempotent API calls: a client's `Idempotency-Key` makes a retried request answer what the
first one answered, without doing it twice (a retried payment must not become a second order
and a false 已复购). The same key with another body answers 422 `idempotency_key_reused` and
changes nothing. Keys are scoped per API client and endpoint.

Staff forms that must not act twice (the admin's stage form: 已支付 records an order) carry a
one-time token (`form_token_new`, rendered in the form) and submit through `form_submit_once`:
the same mechanism and table, the key owned by the staff user instead of an API client.

The key row is inserted in the transaction that does the work: a concurrent retry waits on the
unique index until the first commits, then answers the stored response."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel.models import IdempotencyKey

Answer = tuple[int, dict[str, Any]]  # (HTTP status, JSON body)

MAX_KEY_CHARS = 128  # the column's length (IdempotencyKey.key)
WIPED = ""  # the request digest of a key whose person was anonymized (funnel.services.pii)


def idempotency_key_clean(key: str | None) -> str:
    """The client's key without surrounding spaces ("" when none was sent).

    Raises ApplicationError 422 `idempotency_key_too_long` over MAX_KEY_CHARS (a key is never
    cut: two keys alike in their first 128 characters would become one and answer each other's
    requests) and `idempotency_key_invalid` for control characters (a NUL cannot be stored)."""
    key = (key or "").strip()
    if len(key) > MAX_KEY_CHARS:
        code = errors.IDEMPOTENCY_KEY_TOO_LONG
        raise ApplicationError(code, errors.MESSAGES[code], status=422)
    if any(ch < " " or ch == "\x7f" for ch in key):
        code = errors.IDEMPOTENCY_KEY_INVALID
        raise ApplicationError(code, errors.MESSAGES[code], status=422)
    return key


class Replayed(tuple):
    """The stored answer of an earlier request with the same key (callers may say so, e.g.
    an `Idempotent-Replayed: true` header)."""


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def idempotent_call(
    *,
    token_id: int | None = None,
    user_id: int | None = None,
    endpoint: str,
    key: str,
    body: dict[str, Any],
    run: Callable[[], Answer],
) -> Answer:
    """Run `run` once per (owner, endpoint, key) and remember its answer, refusals included
    (an ApplicationError becomes its 4xx answer). The owner is an API client (`token_id`) or a
    staff user (`user_id`), exactly one. Without a key, just run. Raises ApplicationError 422
    `idempotency_key_reused` for the same key with another body, `person_anonymized` for any
    body once the key's person was withdrawn or purged, and the refusals of
    `idempotency_key_clean` for a key too long or with control characters."""
    if (token_id is None) == (user_id is None):
        raise ValueError("an idempotency key has one owner: token_id or user_id")
    owner = {"token_id": token_id} if token_id is not None else {"user_id": user_id}
    key = idempotency_key_clean(key)
    if not key:
        return _answer(run)
    digest = _digest(body)
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                **owner, endpoint=endpoint, key=key, request_hash=digest
            )
            status, answer = _answer(run)
            row.status_code, row.response = status, answer
            row.save(update_fields=["status_code", "response"])
            return status, answer
    except IntegrityError:
        row = IdempotencyKey.objects.filter(**owner, endpoint=endpoint, key=key).first()
        if row is None:
            raise  # not a key collision: the work itself hit a constraint
    if row.request_hash == WIPED:
        # The person was withdrawn or purged: their body digest went with them, so no body
        # can be compared. Say so, as a platform re-send of their record is answered, rather
        # than telling the client it sent another body.
        code = errors.PERSON_ANONYMIZED
        raise ApplicationError(code, errors.MESSAGES[code], status=422)
    if row.request_hash != digest:
        raise ApplicationError(
            errors.IDEMPOTENCY_KEY_REUSED,
            errors.MESSAGES[errors.IDEMPOTENCY_KEY_REUSED],
            status=422,
        )
    # The key row commits with its answer (one transaction), so a stored row has one.
    return Replayed((row.status_code, row.response))


def _answer(run: Callable[[], Answer]) -> Answer:
    try:
        # A savepoint: a refused call undoes its own writes but its answer is still kept.
        with transaction.atomic():
            return run()
    except ApplicationError as exc:
        return exc.status, exc.as_dict()


# What `form_token_new` draws (secrets.token_urlsafe(24)): anything else was not rendered by us.
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def form_token_new() -> str:
    """A one-time token for a staff form that must act once (rendered as a hidden field)."""
    return secrets.token_urlsafe(24)


class _Refused(Exception):
    """Carries a staff action's refusal out of `idempotent_call`, undoing its key row."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.code)
        self.error = error


def form_submit_once(
    *,
    user_id: int,
    form: str,
    token: str | None,
    body: dict[str, Any],
    run: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run a staff form's action once per one-time token (`form_token_new`): a double click,
    a second tab or the back button sending the same form again does nothing, whether it
    arrives after the first submission or while it is still running (it waits on the key's
    unique index). `form` names the form (endpoint `form:<form>`, keys owned by the user);
    `run` does the work and returns the answer to keep: name its lead as `lead_id`, so a
    withdrawal wipes the request's digest with the person.

    Raises ApplicationError 400 `form_token_invalid` for a missing or malformed token (a page
    rendered before the form had one, a hand-made request: nothing done), 409
    `form_resubmitted` for a token already spent (with any body: 「该操作已提交，未重复记录」),
    and the action's own refusals. A refused action spends no token: it did nothing, so the
    form sent again with the mistake corrected acts."""
    token = (token or "").strip()
    if not FORM_TOKEN.fullmatch(token):
        raise errors.refusal(errors.FORM_TOKEN_INVALID, status=400)

    def attempt() -> Answer:
        try:
            with transaction.atomic():  # a refused action undoes its own writes
                return 200, run()
        except ApplicationError as exc:
            raise _Refused(exc) from exc  # and its key row goes with them

    try:
        outcome = idempotent_call(
            user_id=user_id, endpoint=f"form:{form}", key=token, body=body, run=attempt
        )
    except _Refused as refused:
        raise refused.error from None
    except ApplicationError as exc:
        if exc.code in (errors.IDEMPOTENCY_KEY_REUSED, errors.PERSON_ANONYMIZED):
            # The token was spent on another body (the back button, the form edited) or on a
            # person since withdrawn: either way this form already acted once.
            raise errors.refusal(errors.FORM_RESUBMITTED) from exc
        raise
    if isinstance(outcome, Replayed):
        raise errors.refusal(errors.FORM_RESUBMITTED)
    return outcome[1]


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Deletes keys older than `IDEMPOTENCY_KEY_DAYS` (settings, days; 30 by default) and
    returns how many. A client retrying a request later than that, or a staff form sent
    again a month after it was rendered, acts again: platforms retry within hours (Stripe
    keeps keys 24 hours), and without a limit every API call and every rendered stage form
    that was sent stays in the table for ever."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
