"""Idempotent API calls: a client's `Idempotency-Key` makes a retried request answer what the
first one answered, without doing it twice (a retried payment must not become a second order
and a false 已复购). The same key with another body answers 422 `idempotency_key_reused` and
changes nothing. Keys are scoped per API client and endpoint.

The key row is inserted in the transaction that does the work: a concurrent retry waits on the
unique index until the first commits, then answers the stored response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

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
    token_id: int,
    endpoint: str,
    key: str,
    body: dict[str, Any],
    run: Callable[[], Answer],
) -> Answer:
    """Run `run` once per (client, endpoint, key) and remember its answer, refusals included
    (an ApplicationError becomes its 4xx answer). Without a key, just run. Raises
    ApplicationError 422 `idempotency_key_reused` for the same key with another body,
    `person_anonymized` for any body once the key's person was withdrawn or purged, and the
    refusals of `idempotency_key_clean` for a key too long or with control characters."""
    key = idempotency_key_clean(key)
    if not key:
        return _answer(run)
    digest = _digest(body)
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                token_id=token_id, endpoint=endpoint, key=key, request_hash=digest
            )
            status, answer = _answer(run)
            row.status_code, row.response = status, answer
            row.save(update_fields=["status_code", "response"])
            return status, answer
    except IntegrityError:
        row = IdempotencyKey.objects.filter(token_id=token_id, endpoint=endpoint, key=key).first()
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
