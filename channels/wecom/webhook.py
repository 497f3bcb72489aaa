"""The WeCom callback (WECOM_FACTS.md, "Callback events" and "Callback encryption"):

- GET with `msg_signature`, `timestamp`, `nonce`, `echostr`: the URL check. Verify, decrypt
  the echostr and answer its plaintext exactly.
- POST with the same query (no echostr) and `<xml><ToUserName/><AgentID/><Encrypt/></xml>`:
  verify the signature over the Encrypt text, check the timestamp window, decrypt, read the
  event XML and store it through the funnel's intake (channel `wecom`, keyed by the event's
  stable fields, so WeCom's retries are one record) — then answer `success`. Processing
  happens after the commit (`channels.wecom.services.events_process`).

Order of checks: size → account → parameters → signature → freshness → decryption → shape.
A callback we cannot authenticate is refused (4xx) and nothing is stored. XML is read with
defusedxml: no DTD, no entity expansion.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings as django_settings

from channels.errors import WebhookRejected
from channels.wecom import crypto
from channels.wecom import errors as wecom_errors
from channels.wecom.models import WecomAccount
from config.errors import ApplicationError
from funnel.models import Channel
from funnel.services.intake import IntakeSource, Processing, Resend, intake_reject, lead_intake

# The fields that identify one event (WECOM_FACTS.md: dedupe on ToUserName, ChangeType, UserID,
# ExternalUserID, CreateTime; Event, ChatId and UpdateDetail tell group and tag events apart).
# Never WelcomeCode or State: a resend of one add may carry another code, and it is one event.
DEDUPE_FIELDS = (
    "ToUserName",
    "Event",
    "ChangeType",
    "UserID",
    "ExternalUserID",
    "ChatId",
    "UpdateDetail",
    "Id",
    "CreateTime",
)
MAX_FIELD_CHARS = 2000
MAX_FIELDS = 64


class CallbackRejected(ApplicationError):
    def __init__(self, code: str) -> None:
        super().__init__(code, wecom_errors.MESSAGES[code], status=wecom_errors.STATUS[code])


def max_body_bytes() -> int:
    return int(getattr(django_settings, "CHANNELS_WEBHOOK_MAX_BYTES", 64 * 1024))


def _account(account_name: str) -> WecomAccount:
    account = WecomAccount.objects.filter(name=account_name, is_active=True).defer("secret").first()
    if account is None:
        raise CallbackRejected(wecom_errors.UNKNOWN_ACCOUNT)
    return account


def _params(query: Any, *names: str) -> dict[str, str]:
    values = {name: str(query.get(name) or "") for name in names}
    if not all(values.values()) or any(len(v) > 4096 for v in values.values()):
        raise CallbackRejected(wecom_errors.MISSING_PARAMETER)
    return values


def _open(account: WecomAccount, p: dict[str, str], encrypted: str) -> str:
    skew = _max_skew(account)
    try:
        return crypto.verify_and_decrypt(
            token=account.token,
            encoding_aes_key=account.aes_key,
            receive_id=account.corp_id,
            msg_signature=p["msg_signature"],
            timestamp=p["timestamp"],
            nonce=p["nonce"],
            encrypted=encrypted,
            max_skew=skew,
        )
    except crypto.CryptoError as exc:
        raise CallbackRejected(exc.code) from exc


def _xml_fields(text: str | bytes, max_chars: int = MAX_FIELD_CHARS) -> dict[str, str]:
    """A flat `<xml><Name>value</Name>…</xml>` document as a dict; anything else is refused.
    Values are cut at `max_chars` (the envelope's `Encrypt` is not: a long event's ciphertext
    cut short would fail its signature and WeCom would retry it for ever)."""
    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise CallbackRejected(wecom_errors.MALFORMED_BODY) from exc
    fields: dict[str, str] = {}
    for child in list(root)[:MAX_FIELDS]:
        if len(child):  # nested elements: keep their text flattened
            value = "".join(child.itertext())
        else:
            value = child.text or ""
        fields[str(child.tag)[:64]] = value.strip()[:max_chars]
    return fields


def verify_url(*, account_name: str, query: Any) -> str:
    """The URL check: the decrypted echostr, to be answered exactly."""
    account = _account(account_name)
    p = _params(query, "msg_signature", "timestamp", "nonce", "echostr")
    return _open(account, p, p["echostr"])


def event_key(event: dict[str, str], *, delivery: str = "") -> str:
    """Stable per event (a retry gives the same key); keyed, so no id is readable in it.

    Group events (`change_external_chat`) name no person: two joins of one chat in the same
    second are identical and must both be kept, so each delivery is its own record, told
    apart by its ciphertext (`delivery`: WeCom encrypts every delivery with a fresh random
    prefix, so a byte-for-byte replay of one is the same record, stored once); their
    processing reads the whole chat (`groupchat/get`) and converges, retries included."""
    joined = "\0".join(event.get(f, "") for f in DEDUPE_FIELDS)
    if event.get("Event") == "change_external_chat":
        joined += "\0" + (delivery or uuid.uuid4().hex)
    key = ("wecom-event\0" + django_settings.PHONE_HASH_KEY).encode("utf-8")
    return "evt:" + hmac.new(key, joined.encode("utf-8"), hashlib.sha256).hexdigest()[:48]


def callback_receive(*, account_name: str, query: Any, body: bytes) -> int:
    """Authenticate, store, answer. Returns the intake record's id. Raises CallbackRejected."""
    if len(body) > max_body_bytes():
        raise CallbackRejected(wecom_errors.PAYLOAD_TOO_LARGE)
    account = _account(account_name)
    p = _params(query, "msg_signature", "timestamp", "nonce")
    envelope = _xml_fields(body, max_chars=max_body_bytes())
    encrypted = envelope.get("Encrypt", "")
    if not encrypted:
        raise CallbackRejected(wecom_errors.MALFORMED_BODY)
    plain = _open(account, p, encrypted)
    source = IntakeSource(channel=Channel.WECOM, account=account.name)
    try:
        event = _xml_fields(plain)
    except CallbackRejected:
        # Authentic but unreadable: kept, quarantined on arrival, and refused.
        inbound_id = intake_reject(
            source=source,
            body=plain.encode("utf-8"),
            code=wecom_errors.MALFORMED_BODY,
            detail="decrypted callback is not an XML event",
        )
        raise WebhookRejected(wecom_errors.MALFORMED_BODY, inbound_id=inbound_id) from None
    stored = lead_intake(
        source=source,
        external_id=event_key(event, delivery=encrypted),
        raw=event,
        payload=None,
        processing=Processing.LATER,
        # WeCom's resend identity is the key's fields, nothing else: a resend with a fresh
        # WelcomeCode is the same event (processing it again would send a second welcome).
        resend=Resend.KEEP_FIRST,
    )
    return stored.inbound_id


def _max_skew(account: WecomAccount) -> int:
    """The account's allowed clock skew in seconds (30-3600), else the default: a bad value
    saved before the form checked it must not make every callback answer 500."""
    settings_ = account.settings if isinstance(account.settings, dict) else {}
    value = settings_.get("callback_max_skew_seconds", crypto.DEFAULT_MAX_SKEW)
    if isinstance(value, int) and not isinstance(value, bool) and 30 <= value <= 3600:
        return value
    return crypto.DEFAULT_MAX_SKEW
