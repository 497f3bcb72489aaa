"""What a real secret looks like: one validator for SECRET_KEY, FIELD_ENCRYPTION_KEYS and
PHONE_HASH_KEY, used by the system check (`config.checks`, ids yinliu.E001-E004) and by every
process that starts with DEBUG off (wsgi, Celery).

The dev throwaway values are derived from seeds in the source (`config.env.throwaway`), so
anyone can recompute them: with them one forges care-plan and thank-you links and decrypts a
database dump. Outside DEBUG they are refused like any other weak key.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import Counter
from collections.abc import Iterable

from config import env as envmod

MIN_SECRET_KEY_CHARS = 50
MIN_SECRET_KEY_UNIQUE = 5
MIN_PHONE_HASH_KEY_BYTES = 32
# Strength, not just form. A key of the right length can still be guessable: 32 zero bytes
# (`AAAA…=`), one block repeated, a typed run (`abcd…`, `0123…`). Two measures over the key's
# bytes (Fernet keys decoded from base64; text keys as UTF-8):
# - the empirical Shannon entropy of its byte counts times its length ("bits"): 0 for one
#   repeated byte, 2 bits a byte for a 4-symbol pattern. Thresholds sit far below what the
#   generators give and far above anything typed: in 100 000 draws each, Fernet.generate_key()
#   never scored under 140 bits (under 52 per 16-byte half), secrets.token_urlsafe(24) (the
#   shortest PHONE_HASH_KEY) under 122, secrets.token_hex(16) under 94, Django's
#   get_random_secret_key() under 212. A Fernet key is two keys (signing, then encryption), so
#   each half is measured too: a half of zeros is a forged-token or plaintext risk of its own.
#   The same measure runs over the byte-to-byte steps (a typed run has varied bytes, one step).
# - periodicity: a key that is one block repeated (or whose byte-to-byte steps repeat: runs like
#   `abcdef…`) is refused whatever its entropy score; a random key is never periodic.
MIN_FERNET_KEY_BITS = 112
MIN_FERNET_HALF_BITS = 40
MIN_SECRET_KEY_BITS = 128
MIN_PHONE_HASH_KEY_BITS = 80
THROWAWAY_SEEDS = {
    "SECRET_KEY": "django-secret",
    "FIELD_ENCRYPTION_KEYS": "field-encryption",
    "PHONE_HASH_KEY": "phone-hash",
}


def throwaway_value(name: str) -> str:
    return envmod.throwaway_value(THROWAWAY_SEEDS[name])


def entropy_bits(data: bytes) -> float:
    """Empirical Shannon entropy of `data`'s byte counts times its length, in bits.

    An upper bound of what the bytes can hold when read as independent draws; it does not see
    order (see `is_patterned`)."""
    if not data:
        return 0.0
    n = len(data)
    return -sum(c * math.log2(c / n) for c in Counter(data).values())


def _periodic(seq: bytes | list[int]) -> bool:
    """Whether `seq` is one block repeated at least twice (a period of at most half its length)."""
    n = len(seq)
    return any(all(seq[i] == seq[i + p] for i in range(n - p)) for p in range(1, n // 2 + 1))


def is_patterned(data: bytes) -> bool:
    """A block repeated (`abab…`, all zeros) or a run whose steps repeat (`abcd…`, `0246…`)."""
    steps = [(b - a) % 256 for a, b in zip(data, data[1:], strict=False)]
    return len(data) >= 4 and (_periodic(data) or _periodic(steps))


def _strength_problem(name: str, data: bytes, min_bits: int) -> str:
    """ "" when `data` looks random enough, else a message naming `name` and the reason."""
    if is_patterned(data):
        return f"{name} is a repeated pattern or a run (not random): generate a new one"
    steps = bytes((b - a) % 256 for a, b in zip(data, data[1:], strict=False))
    # the steps are measured too: a run with one jump (`abc…xyz012…`) has varied bytes but
    # nearly one step; scaled to the byte count so both read on the same scale
    bits = min(entropy_bits(data), entropy_bits(steps) * len(data) / max(1, len(steps)))
    if bits < min_bits:
        return (
            f"{name} is too uniform to be random ({bits:.0f} bits of byte entropy, "
            f"at least {min_bits} needed): generate a new one"
        )
    return ""


def secret_key_problems(value: str) -> list[str]:
    if value == throwaway_value("SECRET_KEY"):
        return ["SECRET_KEY is the dev throwaway value (derivable from the source code)"]
    problems = []
    if len(value) < MIN_SECRET_KEY_CHARS or len(set(value)) < MIN_SECRET_KEY_UNIQUE:
        problems.append(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} characters with at least "
            f"{MIN_SECRET_KEY_UNIQUE} different ones"
        )
    if value.startswith("django-insecure"):
        problems.append("SECRET_KEY starts with 'django-insecure': generate a new one")
    if not problems:
        weak = _strength_problem("SECRET_KEY", value.encode("utf-8"), MIN_SECRET_KEY_BITS)
        problems += [weak] if weak else []
    return problems


def _fernet_key_bytes(value: str) -> bytes | None:
    """The 32 bytes of a Fernet key, or None when `value` is not one."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return raw if len(raw) == 32 else None


def fernet_key_strength_problem(name: str, raw: bytes) -> str:
    """ "" when the 32 key bytes look random, else why not: the whole key and each half (the
    signing key, the encryption key) are measured."""
    for label, data, min_bits in (
        (name, raw, MIN_FERNET_KEY_BITS),
        (f"{name} (signing half)", raw[:16], MIN_FERNET_HALF_BITS),
        (f"{name} (encryption half)", raw[16:], MIN_FERNET_HALF_BITS),
    ):
        problem = _strength_problem(label, data, min_bits)
        if problem:
            return problem
    return ""


def field_encryption_keys_problems(values: Iterable[str]) -> list[str]:
    keys = list(values)
    if not keys:
        return ["FIELD_ENCRYPTION_KEYS is empty"]
    problems = []
    throwaway = throwaway_value("FIELD_ENCRYPTION_KEYS")
    for index, key in enumerate(keys, start=1):
        if key == throwaway:
            problems.append(
                f"FIELD_ENCRYPTION_KEYS key {index} is the dev throwaway value "
                "(derivable from the source code)"
            )
            continue
        raw = _fernet_key_bytes(key)
        if raw is None:
            problems.append(
                f"FIELD_ENCRYPTION_KEYS key {index} is not a Fernet key (32 random bytes, "
                "url-safe base64); generate one with Fernet.generate_key()"
            )
            continue
        weak = fernet_key_strength_problem(f"FIELD_ENCRYPTION_KEYS key {index}", raw)
        if weak:
            problems.append(weak + " with Fernet.generate_key()")
    return problems


def phone_hash_key_problems(value: str) -> list[str]:
    if value == throwaway_value("PHONE_HASH_KEY"):
        return ["PHONE_HASH_KEY is the dev throwaway value (derivable from the source code)"]
    if len(value.encode("utf-8")) < MIN_PHONE_HASH_KEY_BYTES or len(set(value)) < 8:
        return [
            f"PHONE_HASH_KEY must be at least {MIN_PHONE_HASH_KEY_BYTES} bytes of random text "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))")'
        ]
    weak = _strength_problem("PHONE_HASH_KEY", value.encode("utf-8"), MIN_PHONE_HASH_KEY_BITS)
    return [weak + " with secrets.token_urlsafe(48)"] if weak else []


def key_problems(settings) -> dict[str, list[str]]:
    """Every weak key of these settings, by check id."""
    found = {
        "yinliu.E001": secret_key_problems(str(getattr(settings, "SECRET_KEY", "") or "")),
        "yinliu.E002": field_encryption_keys_problems(
            getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or []
        ),
        "yinliu.E003": phone_hash_key_problems(str(getattr(settings, "PHONE_HASH_KEY", "") or "")),
    }
    generated = list(getattr(settings, "GENERATED_SECRETS", []) or [])
    if generated:
        found["yinliu.E004"] = [
            "throwaway " + ", ".join(generated) + " generated by dev settings; "
            "DEBUG is off, so set real ones in the environment"
        ]
    return {check_id: problems for check_id, problems in found.items() if problems}


class WeakKeysError(RuntimeError):
    """A process with DEBUG off refuses to start with weak or throwaway keys."""


def keys_refuse_weak(settings) -> None:
    """Called at the start of every process that serves or works (wsgi, asgi, Celery)."""
    if settings.DEBUG:
        return
    problems = key_problems(settings)
    if problems:
        lines = [f"{cid}: {p}" for cid, items in problems.items() for p in items]
        raise WeakKeysError(
            "refusing to start with DEBUG off and weak keys:\n  " + "\n  ".join(lines)
        )
