"""CSV import: spreadsheets from offline events, call centres or old CRMs, through intake.

Every row becomes an InboundLead (channel "csv") first and is then processed like any other
source, so a row with a bad phone or no consent is quarantined with its reason (fixable from
the admin), never dropped. Re-importing the same file adds nothing: a row's external id is
its own `external_id`/`id` column, or a digest of the row's content.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from funnel.models import Channel
from funnel.payload import Consent, LeadPayload
from funnel.services.intake import IntakeSource, Processing, leads_intake

CHANNEL = Channel.CSV

# Header → LeadPayload field. Chinese headers are what clinics' spreadsheets actually use.
HEADERS = {
    "phone": "phone",
    "mobile": "phone",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "name": "name",
    "姓名": "name",
    "gender": "gender",
    "性别": "gender",
    "age": "age",
    "年龄": "age",
    "city": "city",
    "城市": "city",
    "specialty": "specialty",
    "病种": "specialty",
    "科室": "specialty",
    "concern": "concern",
    "诉求": "concern",
    "症状": "concern",
    "wechat": "wechat_id",
    "wechat_id": "wechat_id",
    "微信": "wechat_id",
    "微信号": "wechat_id",
    "campaign": "campaign_name",
    "活动": "campaign_name",
    "keyword": "keyword",
    "关键词": "keyword",
    "referral_code": "referral_code",
    "推荐码": "referral_code",
    "occurred_at": "occurred_at",
    "留资时间": "occurred_at",
    "external_id": "external_id",
    "id": "external_id",
    "编号": "external_id",
    "consent": "consent",
    "同意": "consent",
    "授权": "consent",
}
YES = {"1", "true", "yes", "y", "是", "同意", "已同意", "✓"}


@dataclass
class ImportSummary:
    rows: int = 0
    unchanged: int = 0  # exact re-import of a row already stored
    results: Counter = field(default_factory=Counter)  # created / merged / quarantined
    reasons: Counter = field(default_factory=Counter)  # quarantine reason codes


def csv_text_decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else GB18030: what Chinese Excel saves by default."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def csv_row_payload(
    *, row: dict[str, str], consent_version: str, source_name: str
) -> tuple[str, LeadPayload]:
    """One spreadsheet row → (external id, payload). Unknown columns go to `answers`."""
    values: dict[str, str] = {}
    answers: dict[str, str] = {}
    for header, raw in row.items():
        if header is None:  # more cells than headers: keep them rather than lose them
            answers["extra_cells"] = " | ".join(str(v) for v in raw or [])
            continue
        key = HEADERS.get(header.strip().lower(), HEADERS.get(header.strip()))
        value = (raw or "").strip()
        if key:
            values[key] = value
        elif value:
            answers[header.strip()] = value
    consent_cell = values.pop("consent", "")
    given = bool(consent_version) and (not consent_cell or consent_cell.lower() in YES)
    # Prefixed with the source so two files that both number their rows 1, 2, 3 do not collide.
    own_id = (
        values.pop("external_id", "")
        or hashlib.sha256(
            json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
    )
    external_id = f"{source_name}:{own_id}"[:128]
    age = values.pop("age", "")
    payload = LeadPayload(
        **values,
        age=int(age) if age.isdigit() else None,
        answers=answers,
        channel=CHANNEL,
        account=source_name,
        external_id=external_id,
        consent=Consent(
            given=given,
            version=consent_version if given else "",
            at=timezone.now().isoformat() if given else "",
            source=f"csv:{source_name}" if given else "",
        ),
    )
    return external_id, payload


IMPORT_BATCH = 200


def leads_import_csv(
    *, lines: Iterable[str], consent_version: str = "", source_name: str = ""
) -> ImportSummary:
    """Store then process the rows, a batch at a time (one ingest batch each). Without
    `consent_version` no row carries consent, so rows are quarantined as `consent_required`
    until someone records where consent was collected."""
    summary = ImportSummary()
    chunk: dict[str, tuple[str, dict, LeadPayload]] = {}
    for row in csv.DictReader(lines):
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # blank spreadsheet line
        summary.rows += 1
        external_id, payload = csv_row_payload(
            row=row, consent_version=consent_version, source_name=source_name
        )
        if external_id in chunk or len(chunk) >= IMPORT_BATCH:
            # The same row twice goes into the next batch, where it is an exact replay.
            _import_chunk(list(chunk.values()), summary)
            chunk = {}
        raw = {k or "_extra": v for k, v in row.items()}
        # The consent the import records is part of what was received: re-importing a file
        # with the consent version it lacked is a changed record, so its quarantined rows are
        # processed again (once) and released; the same import twice changes nothing.
        raw["_consent_version"] = consent_version
        chunk[external_id] = (external_id, raw, payload)
    if chunk:
        _import_chunk(list(chunk.values()), summary)
    return summary


def _import_chunk(records: list[tuple[str, dict, LeadPayload]], summary: ImportSummary) -> None:
    for stored in leads_intake(
        source=IntakeSource(channel=CHANNEL), records=records, processing=Processing.NOW
    ):
        outcome = stored.outcome
        if outcome is None or outcome.replayed:
            summary.unchanged += 1
            continue
        summary.results[outcome.result] += 1
        if outcome.reason:
            summary.reasons[outcome.reason] += 1


def csv_lines(data: bytes) -> io.StringIO:
    return io.StringIO(csv_text_decode(data), newline="")
