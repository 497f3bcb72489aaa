"""WXBizMsgCrypt (WECOM_FACTS.md, "Callback encryption"): every vector here is computed
without the code under test — the published sample of WeCom's callback-crypto SDKs, or a
ciphertext built in the test straight from the published algorithm with hashlib and the
`cryptography` primitives."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wecom import crypto
from channels.wecom import errors as wecom_errors

# The published URL-verification sample (WeCom's WXBizMsgCrypt SDK samples and tests).
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_CORP_ID = "wx5823bf96d3bd56c7"
SAMPLE_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
SAMPLE_TIMESTAMP = "1409659589"
SAMPLE_NONCE = "263014780"
SAMPLE_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
SAMPLE_ECHO_PLAIN = "1616140317555161061"


def hand_encrypt(
    plain: bytes,
    *,
    aes_key43: str,
    receive_id: bytes,
    pad_to: int = 32,
    pad_byte: int | None = None,
    first_pad_byte: int | None = None,
) -> str:
    """The published algorithm written out: random(16) + len (4, big-endian) + msg + receive
    id, PKCS#7 to 32 bytes, AES-256-CBC with IV = key[:16], base64."""
    key = base64.b64decode(aes_key43 + "=")
    body = b"R" * 16 + struct.pack(">I", len(plain)) + plain + receive_id
    n = pad_to - len(body) % pad_to
    padding = bytearray([pad_byte if pad_byte is not None else n]) * n
    if first_pad_byte is not None:
        padding[0] = first_pad_byte  # the last byte names n, but the run is broken
    body += bytes(padding)
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(body) + enc.finalize()).decode()


def hand_sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def test_published_sample_url_verification():
    plain = crypto.verify_and_decrypt(
        token=SAMPLE_TOKEN,
        encoding_aes_key=SAMPLE_AES_KEY,
        receive_id=SAMPLE_CORP_ID,
        msg_signature=SAMPLE_SIGNATURE,
        timestamp=SAMPLE_TIMESTAMP,
        nonce=SAMPLE_NONCE,
        encrypted=SAMPLE_ECHOSTR,
        max_skew=10**10,  # the sample is from 2014
    )
    assert plain == SAMPLE_ECHO_PLAIN


def test_published_sample_signature():
    assert (
        crypto.signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ECHOSTR)
        == SAMPLE_SIGNATURE
    )


def test_hand_built_event_decrypts():
    xml = "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><State><![CDATA[诊]]></State></xml>"
    encrypted = hand_encrypt(xml.encode(), aes_key43=SAMPLE_AES_KEY, receive_id=b"wwcorp")
    assert crypto.decrypt(encrypted, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wwcorp") == xml


def test_our_ciphertext_decrypts_by_hand():
    """The other direction (what the sandbox sends): decrypt with the primitives directly."""
    encrypted = crypto.encrypt("hello 你好", encoding_aes_key=SAMPLE_AES_KEY, receive_id="ww1")
    key = base64.b64decode(SAMPLE_AES_KEY + "=")
    raw = base64.b64decode(encrypted)
    assert len(raw) % 32 == 0  # padded to 32-byte blocks, not 16
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    data = dec.update(raw) + dec.finalize()
    data = data[: -data[-1]]
    (length,) = struct.unpack(">I", data[16:20])
    assert data[20 : 20 + length].decode() == "hello 你好"
    assert data[20 + length :] == b"ww1"


def test_padding_uses_a_full_32_byte_block_when_aligned():
    # 16 + 4 + 9 + 3 = 32 bytes of plaintext: PKCS#7 to 32 adds a whole block of 32s.
    encrypted = crypto.encrypt("123456789", encoding_aes_key=SAMPLE_AES_KEY, receive_id="ww1")
    assert len(base64.b64decode(encrypted)) == 64
    hand = hand_encrypt(b"123456789", aes_key43=SAMPLE_AES_KEY, receive_id=b"ww1")
    assert crypto.decrypt(hand, encoding_aes_key=SAMPLE_AES_KEY, receive_id="ww1") == "123456789"


def test_wrong_receive_id_is_refused():
    encrypted = hand_encrypt(b"<xml/>", aes_key43=SAMPLE_AES_KEY, receive_id=b"another-corp")
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.decrypt(encrypted, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wwcorp")
    assert exc.value.code == wecom_errors.WRONG_RECEIVER
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.decrypt(
            SAMPLE_ECHOSTR, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wx5823bf96d3bd56c"
        )
    assert exc.value.code == wecom_errors.WRONG_RECEIVER


def test_wrong_signature_is_refused():
    encrypted = hand_encrypt(b"<xml/>", aes_key43=SAMPLE_AES_KEY, receive_id=b"wwcorp")
    forged = hand_sign("other-token", "1700000000", "n1", encrypted)
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.signature_check(
            token="tok",
            timestamp="1700000000",
            nonce="n1",
            encrypted=encrypted,
            msg_signature=forged,
        )
    assert exc.value.code == wecom_errors.INVALID_SIGNATURE
    # The right token passes: the check is the published formula.
    crypto.signature_check(
        token="other-token",
        timestamp="1700000000",
        nonce="n1",
        encrypted=encrypted,
        msg_signature=forged,
    )


@pytest.mark.parametrize(
    ("pad_byte", "first_pad_byte"),
    [(0, None), (33, None), (None, 1)],
    ids=["zero", "over32", "broken"],
)
def test_padding_error_is_refused(pad_byte, first_pad_byte):
    encrypted = hand_encrypt(
        b"<xml/>",
        aes_key43=SAMPLE_AES_KEY,
        receive_id=b"wwcorp",
        pad_byte=pad_byte,
        first_pad_byte=first_pad_byte,
    )
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.decrypt(encrypted, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wwcorp")
    assert exc.value.code == wecom_errors.DECRYPT_FAILED


def test_padding_to_16_bytes_is_refused():
    """AES's own block (16) is not the scheme's (32): a valid PKCS#7-16 padding that leaves
    the ciphertext off a 32-byte multiple is refused (issue 16 review)."""
    encrypted = hand_encrypt(b"<xml/>", aes_key43=SAMPLE_AES_KEY, receive_id=b"wwcorp", pad_to=16)
    assert len(base64.b64decode(encrypted)) % 32 == 16  # the input is what the test says
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.decrypt(encrypted, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wwcorp")
    assert exc.value.code == wecom_errors.DECRYPT_FAILED


def test_wrong_key_is_refused_not_crashing():
    other_key = base64.b64encode(b"k" * 32).decode()[:43]
    encrypted = hand_encrypt(b"<xml/>", aes_key43=other_key, receive_id=b"wwcorp")
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.decrypt(encrypted, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wwcorp")
    assert exc.value.code in (wecom_errors.DECRYPT_FAILED, wecom_errors.WRONG_RECEIVER)


@pytest.mark.parametrize(
    "garbage", ["", "not base64!", "AAAA", base64.b64encode(b"x" * 17).decode()]
)
def test_garbage_ciphertext_is_refused(garbage):
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.decrypt(garbage, encoding_aes_key=SAMPLE_AES_KEY, receive_id="wwcorp")
    assert exc.value.code == wecom_errors.DECRYPT_FAILED


def test_stale_timestamp_is_refused():
    now = 1_800_000_000
    crypto.timestamp_check(str(now - 299), max_skew=300, now=now)
    for stale in (str(now - 301), str(now + 301), "", "abc", "9" * 30, "-5"):
        with pytest.raises(crypto.CryptoError) as exc:
            crypto.timestamp_check(stale, max_skew=300, now=now)
        assert exc.value.code == wecom_errors.STALE_TIMESTAMP


def test_published_sample_is_stale_today():
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.verify_and_decrypt(
            token=SAMPLE_TOKEN,
            encoding_aes_key=SAMPLE_AES_KEY,
            receive_id=SAMPLE_CORP_ID,
            msg_signature=SAMPLE_SIGNATURE,
            timestamp=SAMPLE_TIMESTAMP,
            nonce=SAMPLE_NONCE,
            encrypted=SAMPLE_ECHOSTR,
        )
    assert exc.value.code == wecom_errors.STALE_TIMESTAMP


@pytest.mark.parametrize("key", ["short", SAMPLE_AES_KEY + "A", "!" * 43])
def test_bad_encoding_aes_key(key):
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.aes_key(key)
    assert exc.value.code == wecom_errors.INVALID_AES_KEY
