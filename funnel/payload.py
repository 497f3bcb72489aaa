"""The normalized lead payload every source hands to `funnel.services.intake.lead_intake`.

Connectors (`channels/<platform>/mapping.py`), the landing-page form, the lead API and the CSV
import each turn their input into a `LeadPayload`; the funnel never sees platform formats.
It is stored (encrypted) on the InboundLead so a quarantined record can be fixed and replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from funnel.textclean import controls_dropped, controls_dropped_tree


@dataclass
class Consent:
    """PIPL Art. 28-29: a separate, unticked consent for health information, versioned."""

    given: bool = False
    version: str = ""  # the consent text version the person saw (e.g. "health-2026-01")
    at: str = ""  # ISO-8601 time the person gave it
    source: str = ""  # where it was given: landing form, platform form, API caller


@dataclass
class LeadPayload:
    phone: str = ""  # as received; ingest normalizes to E.164 (default region CN)
    name: str = ""
    gender: str = ""  # "m" / "f" / ""
    age: int | None = None
    city: str = ""
    specialty: str = ""  # Specialty slug or name (脱发, 失眠, 糖尿病 …)
    concern: str = ""  # free text: sensitive, encrypted at rest
    answers: dict[str, str] = field(default_factory=dict)  # form/question answers: encrypted
    wechat_id: str = ""
    # where it came from
    channel: str = ""  # douyin | xiaohongshu | baidu | landing | api | csv | referral
    account: str = ""  # ChannelAccount name ("" for our own forms and the API)
    external_id: str = ""  # the platform's lead id, or our idempotency key
    campaign_id: str = ""
    campaign_name: str = ""
    adgroup_id: str = ""
    ad_id: str = ""
    creative_id: str = ""
    keyword: str = ""
    click_ids: dict[str, str] = field(default_factory=dict)  # bd_vid, clickid, callback, click_id
    utm: dict[str, str] = field(default_factory=dict)  # utm_source, utm_medium, utm_campaign …
    content_page_id: int | None = None  # the cms page the person read before converting
    landing_page_id: int | None = None
    referral_code: str = ""
    consent: Consent = field(default_factory=Consent)
    consent_required: bool = True  # platform forms carry their own consent: connectors say so
    idempotency_key: str = ""
    occurred_at: str = ""  # ISO-8601, when the person submitted on the source
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # What `asdict` gives, without its recursive deep copy (ingest calls this per record):
        # the nested values are a Consent and flat JSON-able dicts.
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        for name in ("answers", "click_ids", "utm", "extra"):
            data[name] = dict(data[name] or {})
        consent = self.consent
        data["consent"] = {
            "given": consent.given,
            "version": consent.version,
            "at": consent.at,
            "source": consent.source,
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeadPayload:
        values = {k: v for k, v in data.items() if k in _KNOWN}
        consent = values.get("consent") or {}
        if isinstance(consent, dict):
            values["consent"] = Consent(
                **{k: v for k, v in consent.items() if k in Consent.__dataclass_fields__}
            )
        return cls(**values)


_FIELD_NAMES = tuple(f.name for f in fields(LeadPayload))
_KNOWN = frozenset(_FIELD_NAMES)  # `from_dict` runs per record: not `fields()` each time


@dataclass
class IngestResult:
    """What happened to one inbound record: `created` / `merged` into an existing lead, or
    `quarantined` with a reason code (the InboundLead keeps it for fix-and-replay)."""

    result: str
    lead_id: int | None = None
    reason: str = ""
    inbound_id: int | None = None
    replayed: bool = False  # True when this is the stored outcome of an earlier processing
    detail: str = ""  # the quarantine reason in words (Chinese first), for staff and callers


# What one record may carry into the funnel's columns. Longer values are cut where intake
# receives them (the raw record keeps them whole): one oversized click id or UTM value must
# never make a form answer 500 or stop the records queued behind it.
TEXT_LIMITS = {
    "channel": 20,
    "account": 80,
    "campaign_id": 64,
    "campaign_name": 200,
    "adgroup_id": 64,
    "ad_id": 64,
    "creative_id": 64,
    "keyword": 200,
    "city": 50,
    "gender": 10,
    "specialty": 50,
    "name": 100,
    "wechat_id": 100,
    "concern": 2000,
    "phone": 64,
    "referral_code": 32,
    "idempotency_key": 128,
    "occurred_at": 64,
    "external_id": 128,
}
MAP_LIMITS = {  # field: (entries, key length, value length)
    "click_ids": (10, 32, 500),
    "utm": (10, 32, 200),
    "answers": (50, 100, 2000),
}
INT_MAX = 2**31 - 1  # the page id columns are 32-bit integers on PostgreSQL


# Free text a person typed on several lines: keeps tab and line breaks (`controls_dropped`).
MULTILINE = frozenset({"concern", "answers"})


def _text(value: Any, limit: int, *, multiline: bool = False) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    # Dropped before the cut, so the limit counts characters that are kept.
    return controls_dropped(text, multiline=multiline)[:limit]


def payload_bounded(payload: LeadPayload) -> LeadPayload:
    """A copy of `payload` whose every value can be stored in the funnel's columns (module
    constants): control characters dropped from every text, map keys and `extra` included
    (`funnel.textclean`; PostgreSQL refuses a NUL in text and jsonb), text cut to its limit,
    maps cut in entries, keys and values, page ids outside 1…2³¹−1 dropped. Pure; intake
    stores this copy (and bounds a stored copy again when it processes or replays it) and
    keeps the raw record as it came."""
    data = payload.to_dict()
    for name, limit in TEXT_LIMITS.items():
        data[name] = _text(data.get(name), limit, multiline=name in MULTILINE)
    for name, (entries, key_len, value_len) in MAP_LIMITS.items():
        items = list((data.get(name) or {}).items())[:entries]
        multiline = name in MULTILINE
        data[name] = {_text(k, key_len): _text(v, value_len, multiline=multiline) for k, v in items}
    # Read by ingest (a platform form's id names the consent version) and by the postbacks.
    data["extra"] = controls_dropped_tree(data.get("extra") or {})
    for name in ("content_page_id", "landing_page_id"):
        value = data.get(name)
        fits = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX
        data[name] = value if fits else None
    consent = data["consent"]
    consent["version"] = _text(consent.get("version"), 40)
    consent["source"] = _text(consent.get("source"), 40)
    consent["at"] = _text(consent.get("at"), 64)
    return LeadPayload.from_dict(data)
