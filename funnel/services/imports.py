"""CSV import: spreadsheets from offline events, call centres or old CRMs, through intake.

Every row becomes an InboundLead (channel "csv") first and is then processed like any other
source, so a row with a bad phone or no consent is quarantined with its reason (fixable from
the admin), never dropped. Re-importing the same file adds nothing: a row's external id is
its own `external_id`/`id` column, or a keyed digest of the row's content (`csv_row_key`).

A file is read and checked whole before any row is stored (`csv_rows_read`): an unreadable
file, a missing phone column or an oversized cell refuses the file (`ImportRefused`), so
nothing is half-imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from funnel.crypto import record_key
from funnel.models import Channel, InboundLead, InboundStatus
from funnel.payload import TEXT_LIMITS, Consent, LeadPayload
from funnel.services.ingest import GENDERS
from funnel.services.intake import IntakeSource, Processing, leads_intake

CHANNEL = Channel.CSV
BEIJING = ZoneInfo("Asia/Shanghai")

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


class ImportRefused(Exception):  # noqa: N818  (a refusal, not a bug)
    """The file cannot be imported as it is; nothing of it was stored. The message says why
    and what to do (Chinese first)."""


CELL_MAX = 64 * 1024  # characters: far above any real cell, far below what hurts memory
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def csv_text_decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), UTF-16 with its BOM (Excel's "Unicode text"),
    else GB18030: what Chinese Excel saves by default. Raises ImportRefused for anything
    else (an Excel workbook, a binary file, bytes no encoding reads)."""
    if not data.strip():
        raise ImportRefused("文件是空的 / the file is empty")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            "这是 Excel 工作簿，请在 Excel 中“另存为 CSV UTF-8”后再导入 / this is an Excel "
            "workbook: save it as CSV (UTF-8) first"
        )
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _undecodable(exc) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise _undecodable(exc) from exc
    if "\x00" in text:
        raise ImportRefused(
            "文件含有空字符（NUL），不是文本 CSV / the file holds NUL bytes: not a text CSV"
        )
    return text


def _undecodable(exc: UnicodeDecodeError) -> ImportRefused:
    return ImportRefused(
        f"无法识别文件编码（第 {exc.start} 字节）：请存为 UTF-8、GB18030 或 UTF-16 的 CSV / "
        f"cannot decode the file (byte {exc.start}): save it as UTF-8, GB18030 or UTF-16 CSV"
    )


def csv_rows_read(text: str) -> list[dict[str, str]]:
    """Every non-blank row of a CSV text, checked whole before anything is stored. Raises
    ImportRefused for no header, no phone column, a malformed or oversized cell."""
    return [row for _line, row in csv_rows_numbered(text)]


def csv_rows_numbered(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number where the row ends, row) for every non-blank row; see `csv_rows_read`."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        headers = reader.fieldnames or []
        if not any(_field(h) == "phone" for h in headers):
            raise ImportRefused(
                "找不到手机号列（表头应含 手机号/手机/电话/phone）/ no phone column in the "
                f"header row (found: {', '.join(h.strip()[:30] for h in headers[:12])})"
            )
        rows = []
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None):
                continue  # blank spreadsheet line
            for value in row.values():
                cells = value if isinstance(value, list) else [value]
                if any(len(c or "") > CELL_MAX for c in cells):
                    raise ImportRefused(
                        f"第 {reader.line_num} 行有超长单元格（超过 {CELL_MAX} 字符）/ line "
                        f"{reader.line_num} has a cell over {CELL_MAX} characters"
                    )
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportRefused(
            f"第 {reader.line_num} 行无法读取 / line {reader.line_num} cannot be read: {exc}"
        ) from exc
    return rows


class CellRefused(ValueError):
    """One cell cannot be converted; `csv_row_payload` raises it, the import names the row."""

    def __init__(self, column: str, zh: str, en: str) -> None:
        super().__init__(f"{column}: {en}")
        self.column, self.zh, self.en = column, zh, en


AGE_MAX = 119  # ingest keeps ages 1-119 (`funnel.services.ingest._age`)
NO = {"0", "false", "no", "n", "否", "不同意", "未同意", "✗", "×"}
# Dates as spreadsheets write them; a naive time is Asia/Shanghai (like every other source).
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older than any lead a clinic could hold
FUTURE_SKEW = dt.timedelta(days=1)


def _age_cell(column: str, value: str) -> int | None:
    """Blank → None; else 1-119 written in ASCII digits (no sign, decimals, exponents,
    superscripts or full-width digits: each of those is a typo or another column's data)."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 3) or not (
        1 <= int(value) <= AGE_MAX
    ):
        raise CellRefused(
            column,
            f"年龄应为 1-{AGE_MAX} 的整数（半角数字），实为 {value[:20]!r}",
            f"age must be a whole number 1-{AGE_MAX} in ASCII digits, got {value[:20]!r}",
        )
    return int(value)


def _time_cell(column: str, value: str, now: dt.datetime) -> str:
    """Blank → ""; else an ISO-8601 time (with its offset) between 2000 and tomorrow."""
    if not value:
        return ""
    parsed: dt.datetime | None = None
    try:
        parsed = parse_datetime(value) if value.isascii() else None
    except ValueError:
        parsed = None
    for fmt in DATE_FORMATS:
        if parsed is not None:
            break
        try:
            parsed = dt.datetime.strptime(value, fmt)  # noqa: DTZ007  (made aware below)
        except ValueError:
            continue
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=BEIJING)
    try:
        fits = parsed is not None and EARLIEST <= parsed <= now + FUTURE_SKEW
    except OverflowError:
        fits = False
    if not fits:
        raise CellRefused(
            column,
            f"时间无法识别或不在 2000 年至今之间（如 2026-11-01 10:30），实为 {value[:40]!r}",
            f"not a time between 2000 and today (e.g. 2026-11-01 10:30), got {value[:40]!r}",
        )
    return parsed.isoformat()  # type: ignore[union-attr]


def _choice_cell(column: str, value: str, allowed: dict[str, str] | set[str], what: str) -> str:
    if value and value.lower() not in allowed and value not in allowed:
        shown = " / ".join(sorted(allowed)[:8])
        raise CellRefused(
            column,
            f"{what}只能填 {shown}，实为 {value[:20]!r}",
            f"{what} must be one of {shown}, got {value[:20]!r}",
        )
    return value


def _field(header: str | None) -> str | None:
    if header is None:
        return None
    return HEADERS.get(header.strip().lower(), HEADERS.get(header.strip()))


def csv_row_key(row: dict[str, str]) -> str:
    """The id of a row without an id column: a keyed digest of its content. The plain SHA-256
    it replaces (its first 32 hex digits) is the HMAC's input, so migration 0014 could re-key
    stored ids without the rows."""
    digest = hashlib.sha256(
        json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    return csv_row_key_from_digest(digest)


def csv_row_key_from_digest(digest: str) -> str:
    return "k" + record_key("csv-row", digest)[:32]


def csv_row_payload(
    *, row: dict[str, str], consent_version: str, source_name: str, now: dt.datetime | None = None
) -> tuple[str, LeadPayload]:
    """One spreadsheet row → (external id, payload). Unknown columns go to `answers`.

    The one conversion both the whole-file check and the import use: raises CellRefused
    (column, Chinese and English reason) for a cell it cannot convert exactly (age, time,
    gender, consent, an id too long to keep whole)."""
    now = now or timezone.now()
    values: dict[str, str] = {}
    columns: dict[str, str] = {}  # field → the header it came from, for messages
    answers: dict[str, str] = {}
    for header, raw in row.items():
        if header is None:  # more cells than headers: keep them rather than lose them
            answers["extra_cells"] = " | ".join(str(v) for v in raw or [])
            continue
        key = _field(header)
        value = (raw or "").strip()
        if key:
            values[key] = value
            columns[key] = header.strip()
        elif value:
            answers[header.strip()] = value
    consent_cell = _choice_cell(
        columns.get("consent", "consent"), values.pop("consent", ""), YES | NO, "同意/consent "
    )
    given = bool(consent_version) and (not consent_cell or consent_cell.lower() in YES)
    _choice_cell(columns.get("gender", "gender"), values.get("gender", ""), GENDERS, "性别/gender ")
    # Prefixed with the source so two files that both number their rows 1, 2, 3 do not collide.
    own_id = values.pop("external_id", "") or csv_row_key(row)
    external_id = f"{source_name}:{own_id}"
    if len(external_id) > TEXT_LIMITS["external_id"]:
        # cut, two long ids alike in their start would be one record (the second a "re-send")
        raise CellRefused(
            columns.get("external_id", "id"),
            f"编号过长（连同来源名超过 {TEXT_LIMITS['external_id']} 字符）",
            f"id too long (over {TEXT_LIMITS['external_id']} characters with the source name)",
        )
    age = _age_cell(columns.get("age", "age"), values.pop("age", ""))
    values["occurred_at"] = _time_cell(
        columns.get("occurred_at", "occurred_at"), values.get("occurred_at", ""), now
    )
    payload = LeadPayload(
        **values,
        age=age,
        answers=answers,
        channel=CHANNEL,
        account=source_name,
        external_id=external_id,
        consent=Consent(
            given=given,
            version=consent_version if given else "",
            at=now.isoformat() if given else "",
            source=f"csv:{source_name}" if given else "",
        ),
    )
    return external_id, payload


def csv_records(
    text: str, *, consent_version: str, source_name: str
) -> list[tuple[str, dict, LeadPayload]]:
    """Every row of the file converted exactly as the import stores it: (external id, raw
    record, payload). Raises ImportRefused naming the line and column of the first cell that
    cannot be converted; nothing is stored by this."""
    now = timezone.now()
    records = []
    for line, row in csv_rows_numbered(text):
        try:
            external_id, payload = csv_row_payload(
                row=row, consent_version=consent_version, source_name=source_name, now=now
            )
        except CellRefused as bad:
            raise ImportRefused(
                f"第 {line} 行「{bad.column[:30]}」列：{bad.zh}；整个文件未导入 / line {line}, "
                f"column {bad.column[:30]!r}: {bad.en}; nothing was imported"
            ) from bad
        raw = {k or "_extra": v for k, v in row.items()}
        # The consent the import records is part of what was received: re-importing a file
        # with the consent version it lacked is a changed record, so its quarantined rows are
        # processed again (once) and released; the same import twice changes nothing.
        raw["_consent_version"] = consent_version
        records.append((external_id, raw, payload))
    return records


IMPORT_BATCH = 200


def leads_import_csv(
    *, lines: Iterable[str] | str, consent_version: str = "", source_name: str = ""
) -> ImportSummary:
    """Check the whole file, then store and process the rows a batch at a time (one ingest
    batch each). Without `consent_version` no row carries consent, so rows are quarantined as
    `consent_required` until someone records where consent was collected. Raises
    ImportRefused (nothing stored) for a file that cannot be read."""
    text = lines if isinstance(lines, str) else "".join(lines)
    summary = ImportSummary()
    chunk: dict[str, tuple[str, dict, LeadPayload]] = {}
    # Every row is converted before the first is stored: a bad cell anywhere refuses the file.
    for external_id, raw, payload in csv_records(
        text, consent_version=consent_version, source_name=source_name
    ):
        summary.rows += 1
        if external_id in chunk or len(chunk) >= IMPORT_BATCH:
            # The same row twice goes into the next batch, where it is an exact replay.
            _import_chunk(list(chunk.values()), summary)
            chunk = {}
        chunk[external_id] = (external_id, raw, payload)
    if chunk:
        _import_chunk(list(chunk.values()), summary)
    return summary


def _keep_recorded_consent(records: list[tuple[str, dict, LeadPayload]]) -> None:
    """Rows that already became leads keep the consent they were imported with: importing
    the file again with another `--consent-version` must not rewrite what people agreed to
    (only quarantined rows are released by it)."""
    done = InboundLead.objects.filter(
        channel=CHANNEL,
        account_name="",
        status=InboundStatus.PROCESSED,
        external_id__in=[ext for ext, _raw, _payload in records],
    ).values_list("external_id", "raw", "payload")
    earlier = {ext: (raw, payload) for ext, raw, payload in done}
    for external_id, raw, payload in records:
        if external_id not in earlier:
            continue
        old_raw, old_payload = earlier[external_id]
        raw["_consent_version"] = (old_raw or {}).get("_consent_version", "")
        consent = (old_payload or {}).get("consent") or {}
        payload.consent = Consent(
            **{k: v for k, v in consent.items() if k in Consent.__dataclass_fields__}
        )


def _import_chunk(records: list[tuple[str, dict, LeadPayload]], summary: ImportSummary) -> None:
    _keep_recorded_consent(records)
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


def csv_lines(data: bytes) -> str:
    """The file's text (see `csv_text_decode`); raises ImportRefused."""
    return csv_text_decode(data)
