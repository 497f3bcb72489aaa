"""PII at rest: field encryption with rotating keys, the phone dedup hash, display masking.

`FIELD_ENCRYPTION_KEYS` lists keys newest first: the first encrypts, every one decrypts, so
an old key stays in the list until `rotate_pii_keys` has re-encrypted the rows it protects.
A key is a Fernet key (`Fernet.generate_key()`); any other string is stretched into one with
SHA-256 so operators can paste a passphrase from their secret store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _as_fernet(key: str) -> Fernet:
    try:
        if len(base64.urlsafe_b64decode(key.encode())) == 32:
            return Fernet(key.encode())
    except (binascii.Error, ValueError):
        pass
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([_as_fernet(k) for k in keys])


def _cipher() -> MultiFernet:
    return _multi(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(value: str) -> str:
    return _cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_str(token: str, *, ttl: int | None = None) -> str:
    """The text encrypted in `token` (a Fernet token under any configured key). With `ttl`
    (seconds), a token older than that is refused too. Raises ValueError when no key matches,
    the token was altered, it is not a token at all, or it is too old."""
    try:
        return _cipher().decrypt(token.encode("ascii"), ttl=ttl).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise ValueError("cannot decrypt: no configured key matches this value") from exc


def rotate_token(token: str) -> str:
    """Re-encrypt under the newest key (what the key-rotation command applies per row)."""
    return _cipher().rotate(token.encode("ascii")).decode("ascii")


def phone_hash(e164: str) -> str:
    """Keyed HMAC-SHA256 of an E.164 phone: the dedup key, useless without PHONE_HASH_KEY."""
    key = settings.PHONE_HASH_KEY.encode("utf-8")
    return hmac.new(key, e164.encode("utf-8"), hashlib.sha256).hexdigest()


def record_key(purpose: str, value: str) -> str:
    """Keyed HMAC-SHA256 for ids derived from personal data (a CSV row's content): a key
    derived from PHONE_HASH_KEY per purpose, so such an id cannot be reversed by hashing
    guesses (a phone-only row would be found in about a second from a plain SHA-256)."""
    root = settings.PHONE_HASH_KEY.encode("utf-8")
    key = hmac.new(root, f"record-key:{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_phone(e164: str) -> str:
    """+8613812345678 → 138****5678; other countries keep their code and the last 4 digits."""
    if not e164:
        return ""
    digits = e164[3:] if e164.startswith("+86") else e164
    if len(digits) <= 7:
        return "*" * max(0, len(digits) - 2) + digits[-2:]
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str) -> str:
    """张三丰 → 张**, 李四 → 李*; a one-character name is the whole name, so it becomes "*"
    (showing it would show the person's full name)."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


class SystemText(str):
    """A text our code writes (not a person or staff) from what the same row keeps in clear:
    an event's note from its kind and data ("新线索", "分配给 <the assistant in data>"), a
    follow-up's note from its due time. Stored encrypted like any text; a batch writer may
    encrypt each distinct one once for all its rows (`seal_system_texts`)."""


class SealedText(SystemText):
    """A `SystemText` whose ciphertext is made: `EncryptedTextField` stores `token` as is."""

    token: str


def seal_system_texts(objs: list, field: str) -> None:
    """Encrypt each distinct `SystemText` in `field` of a batch's objects once, and give every
    object holding it the same token.

    Why this weakens nothing: equal tokens tell a reader of the table only that these rows'
    texts are equal, and each text is a function of columns the same rows keep in clear, so
    they tell that already; a token is never shared by two different texts (each distinct
    text has its own IV and ciphertext), and the per-batch dict is dropped with the batch.
    Anything a person or staff wrote is a plain `str` and is encrypted per row as always:
    equal tokens there would show which patients wrote the same thing."""
    texts: dict[str, SealedText] = {}
    for obj in objs:
        text = getattr(obj, field)
        if not isinstance(text, SystemText) or isinstance(text, SealedText) or not text:
            continue
        sealed = texts.get(text)
        if sealed is None:
            sealed = texts[text] = SealedText(text)
            sealed.token = encrypt_str(text)
        setattr(obj, field, sealed)


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token. Not searchable or sortable, by design."""

    def from_db_value(self, value: str | None, expression, connection) -> str | None:
        # An empty column holds no secret (rows written by SQL, before encryption): read "".
        return None if value is None else decrypt_str(value) if value else ""

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if isinstance(value, SealedText):
            return value.token
        if value is None or value == "":
            # An empty text is stored empty (read back as ""): its token would say no more,
            # since a Fernet token's length gives the text's length in 16-byte steps and the
            # shortest token is an empty text's; it saves an encryption per empty field per row
            # (a pulled lead has no name or WeChat id more often than not).
            return value
        return encrypt_str(str(value))


class EncryptedJSONField(models.TextField):
    """A JSON document stored as one Fernet token (raw platform payloads, health answers)."""

    def from_db_value(self, value: str | None, expression, connection) -> Any:
        return None if value is None else json.loads(decrypt_str(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt_str(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))

    def value_to_string(self, obj) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, default=str)
