"""WeCom callback encryption (WXBizMsgCrypt), exactly as published (WECOM_FACTS.md,
"Callback encryption (WXBizMsgCrypt)", doc path 91144):

- signature: `msg_signature = sha1(''.join(sorted([token, timestamp, nonce, msg_encrypt])))`, hex;
- key: `AESKey = base64decode(EncodingAESKey + "=")` (32 bytes), AES-256-CBC, IV = the key's
  first 16 bytes, PKCS#7 padding to a multiple of **32** bytes;
- plaintext: `random(16) + msg_len (4 bytes, big-endian) + msg + receive_id`; a trailing
  receive id that is not ours is refused (for a self-built company app it is the corp id).

Every refusal raises `CryptoError` with a code from `channels.wecom.errors`; nothing here
touches the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wecom import errors

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16 (WECOM_FACTS.md)
AES_KEY_CHARS = 43
DEFAULT_MAX_SKEW = 300  # seconds either way (configurable per account)


class CryptoError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey."""
    if len(encoding_aes_key or "") != AES_KEY_CHARS:
        raise CryptoError(errors.INVALID_AES_KEY, "EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(errors.INVALID_AES_KEY, "EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise CryptoError(errors.INVALID_AES_KEY, "EncodingAESKey does not give 32 bytes")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    parts = sorted([str(token), str(timestamp), str(nonce), str(encrypted)])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()  # noqa: S324 (the platform's formula)


def signature_check(
    *, token: str, timestamp: str, nonce: str, encrypted: str, msg_signature: str
) -> None:
    expected = signature(token, timestamp, nonce, encrypted)
    if not hmac.compare_digest(expected, str(msg_signature or "").lower()):
        raise CryptoError(errors.INVALID_SIGNATURE)


def timestamp_check(
    timestamp: str, *, max_skew: int = DEFAULT_MAX_SKEW, now: float | None = None
) -> int:
    """A replayed or forged-late callback is refused (the URL check and events alike)."""
    text = str(timestamp or "")
    if not text.isdigit() or len(text) > 12:
        raise CryptoError(errors.STALE_TIMESTAMP)
    ts = int(text)
    current = int(time.time() if now is None else now)
    if abs(current - ts) > max_skew:
        raise CryptoError(errors.STALE_TIMESTAMP)
    return ts


def _pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    if not data:
        raise CryptoError(errors.DECRYPT_FAILED, "empty plaintext")
    n = data[-1]
    if n < 1 or n > BLOCK or len(data) < n or data[-n:] != bytes([n]) * n:
        raise CryptoError(errors.DECRYPT_FAILED, "bad padding")
    return data[:-n]


def encrypt(
    plain: str, *, encoding_aes_key: str, receive_id: str, random16: bytes | None = None
) -> str:
    """Base64 ciphertext of one message (what the sandbox sends and a reply carries)."""
    key = aes_key(encoding_aes_key)
    body = plain.encode("utf-8")
    rnd = random16 if random16 is not None else os.urandom(16)
    if len(rnd) != 16:
        raise ValueError("random prefix must be 16 bytes")
    data = _pad(rnd + struct.pack(">I", len(body)) + body + receive_id.encode("utf-8"))
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode("ascii")


def decrypt(encrypted: str, *, encoding_aes_key: str, receive_id: str) -> str:
    """The message inside a ciphertext; refuses a bad ciphertext, padding or receive id."""
    key = aes_key(encoding_aes_key)
    try:
        raw = base64.b64decode(str(encrypted or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(errors.DECRYPT_FAILED, "not base64") from exc
    if not raw or len(raw) % BLOCK:
        # WeCom pads to 32 bytes: a ciphertext of whole AES blocks (16) that is not a multiple
        # of 32 was not made by the scheme, whatever its padding bytes say.
        raise CryptoError(errors.DECRYPT_FAILED, "ciphertext is not padded to 32 bytes")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    data = _unpad(dec.update(raw) + dec.finalize())
    if len(data) < 20:
        raise CryptoError(errors.DECRYPT_FAILED, "plaintext too short")
    (length,) = struct.unpack(">I", data[16:20])
    if 20 + length > len(data):
        raise CryptoError(errors.DECRYPT_FAILED, "length beyond plaintext")
    msg, tail = data[20 : 20 + length], data[20 + length :]
    if not hmac.compare_digest(tail, receive_id.encode("utf-8")):
        raise CryptoError(errors.WRONG_RECEIVER)
    try:
        return msg.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CryptoError(errors.DECRYPT_FAILED, "message is not UTF-8") from exc


def verify_and_decrypt(
    *,
    token: str,
    encoding_aes_key: str,
    receive_id: str,
    msg_signature: str,
    timestamp: str,
    nonce: str,
    encrypted: str,
    max_skew: int = DEFAULT_MAX_SKEW,
) -> str:
    """Signature → freshness → decrypt (VerifyURL and DecryptMsg share this order)."""
    signature_check(
        token=token,
        timestamp=timestamp,
        nonce=nonce,
        encrypted=encrypted,
        msg_signature=msg_signature,
    )
    timestamp_check(timestamp, max_skew=max_skew)
    return decrypt(encrypted, encoding_aes_key=encoding_aes_key, receive_id=receive_id)
