"""Issue 13 points 11 and 24, issue 14 leftover b: CSV import ids are keyed (not a reversible
plain digest), a file that cannot be read is refused whole with a clear message and exit 2,
and re-importing never rewrites consent already recorded."""

from __future__ import annotations

import hashlib
import importlib
import io
import json

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from funnel.models import InboundLead, Lead
from funnel.payload import LeadPayload
from funnel.services.intake import IntakeSource, Processing, leads_intake
from landing.models import ConsentText
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, pool_with

pytestmark = pytest.mark.django_db

CSV = "姓名,手机号,病种\n王晓明,13812345678,脱发\n李华,13912345678,失眠\n"


@pytest.fixture(autouse=True)
def routed():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    for version in ("health-2026-01", "v1", "v2"):
        ConsentText.objects.create(version=version, text=f"健康信息授权 {version}")
    pool, _ = pool_with([1])
    catch_all_rule(pool)


def _import(tmp_path, content: bytes, *args: str, name: str = "义诊.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_leads", str(path), *args, stdout=out)
    return out.getvalue().strip()


def _plain_digest(row: dict) -> str:
    return hashlib.sha256(
        json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()[:32]


def test_row_ids_are_not_a_plain_digest_of_the_row(tmp_path) -> None:
    _import(tmp_path, CSV.encode("utf-8-sig"), "--consent-version", "v1")

    row = {"姓名": "王晓明", "手机号": "13812345678", "病种": "脱发"}
    ids = set(InboundLead.objects.values_list("external_id", flat=True))
    assert len(ids) == 2
    assert f"义诊.csv:{_plain_digest(row)}" not in ids
    # a phone-only row cannot be found by hashing candidate phones either
    assert not any(_plain_digest({"手机号": "13812345678"}) in i for i in ids)


def test_rows_stored_under_the_old_plain_digest_still_dedupe_after_the_migration(
    tmp_path,
) -> None:
    # given a file imported before keyed ids: rows stored under the plain digest
    rows = [
        {"姓名": "王晓明", "手机号": "13812345678", "病种": "脱发"},
        {"姓名": "李华", "手机号": "13912345678", "病种": "失眠"},
    ]
    records = []
    for row in rows:
        ext = f"义诊.csv:{_plain_digest(row)}"
        raw = {**row, "_consent_version": "v1"}
        payload = LeadPayload(
            phone=row["手机号"],
            name=row["姓名"],
            channel="csv",
            account="义诊.csv",
            external_id=ext,
        )
        payload.consent.given, payload.consent.version = True, "v1"
        records.append((ext, raw, payload))
    leads_intake(source=IntakeSource(channel="csv"), records=records, processing=Processing.NOW)
    # when the migration re-keys them
    migration = importlib.import_module("funnel.migrations.0014_apiimport_csv_row_keys")
    migration.csv_ids_rekey(django_apps, None)
    # then no plain digest is left, and importing the same file again adds nothing
    ids = set(InboundLead.objects.values_list("external_id", flat=True))
    assert not ids & {ext for ext, _r, _p in records}
    again = _import(tmp_path, CSV.encode("utf-8-sig"), "--consent-version", "v1")
    assert again == "rows=2 created=0 merged=0 quarantined=0 unchanged=2"
    assert InboundLead.objects.count() == 2


def test_ids_from_the_files_own_id_column_are_kept() -> None:
    own = "0123456789abcdef0123456789abcdef"
    payload = LeadPayload(phone="13812345678", name="王", channel="csv", consent_required=False)
    ext = f"crm.csv:{own}"
    leads_intake(
        source=IntakeSource(channel="csv"),
        records=[(ext, {"id": own, "手机号": "13812345678"}, payload)],
        processing=Processing.NOW,
    )
    migration = importlib.import_module("funnel.migrations.0014_apiimport_csv_row_keys")
    migration.csv_ids_rekey(django_apps, None)
    assert InboundLead.objects.get().external_id == ext


BAD_FILES = {
    "big_cell": ("姓名,手机号,诉求\n王,13812345678," + "长" * (128 * 1024) + "\n").encode(),
    "undecodable": b"\xff\xff\xff\x00\x81\x30" * 40,
    "empty": b"",
    "blank": b"\n\n  \n",
    "wrong_headers": "名字,号码\n王,13812345678\n".encode(),
    "xlsx": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64,
    "nul_bytes": "姓名,手机号\n王,138\x0012345678\n".encode(),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_an_unreadable_file_is_refused_whole_with_exit_2(tmp_path, case) -> None:
    # given a file whose last row is bad, after good rows
    content = BAD_FILES[case]
    if case == "big_cell":
        content = CSV.encode() + content.split(b"\n", 1)[1]
    with pytest.raises(CommandError) as refused:
        _import(tmp_path, content, "--consent-version", "v1")
    assert refused.value.returncode == 2
    assert "Traceback" not in str(refused.value)
    assert len(str(refused.value)) < 400
    # and nothing of it was stored
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("gb18030"),
        lambda s: s.encode("utf-16"),  # with its BOM, Excel's "Unicode text"
        lambda s: s.encode("utf-8-sig"),
        lambda s: s.encode("utf-8"),
    ],
    ids=["gb18030", "utf-16", "utf-8-bom", "utf-8"],
)
def test_the_encodings_excel_saves_are_read(tmp_path, encode) -> None:
    out = _import(tmp_path, encode(CSV), "--consent-version", "v1")

    assert out == "rows=2 created=2 merged=0 quarantined=0 unchanged=0"


def test_formula_cells_are_kept_as_text_never_run(tmp_path) -> None:
    content = CSV + '赵,13712345678,"=HYPERLINK(""http://x"",""y"")"\n'
    out = _import(tmp_path, content.encode("utf-8-sig"), "--consent-version", "v1")

    assert out.startswith("rows=3 created=3")


def test_reimporting_with_another_consent_version_keeps_the_recorded_consent(tmp_path) -> None:
    # given a file imported with consent version v1
    _import(tmp_path, CSV.encode("utf-8-sig"), "--consent-version", "v1")
    # when the same file is imported again naming another version
    again = _import(tmp_path, CSV.encode("utf-8-sig"), "--consent-version", "v2")
    # then nothing changes: the leads keep the consent they were imported with
    assert again == "rows=2 created=0 merged=0 quarantined=0 unchanged=2"
    assert set(Lead.objects.values_list("consent_version", flat=True)) == {"v1"}


def test_an_unknown_consent_version_is_refused_before_anything_is_stored(tmp_path) -> None:
    with pytest.raises(CommandError) as refused:
        _import(tmp_path, CSV.encode("utf-8-sig"), "--consent-version", "health-2099")

    assert refused.value.returncode == 2
    assert "未知的授权文本版本" in str(refused.value)
    assert "health-2026-01" in str(refused.value)
    assert InboundLead.objects.count() == 0


# --- review of point 24: a bad cell anywhere refuses the file, by the import's own conversion ---

GOOD_ROWS = "王晓明,13812345678,脱发,35,男,是,2026-11-01 10:30\n"
HEADER = "姓名,手机号,病种,年龄,性别,同意,留资时间\n"
BAD_CELLS = {
    # column: (header as written, bad values)
    "年龄": [
        "²",
        "１２",
        "-3",
        "1e9",
        "12.5",
        "0",
        "120",
        "1" * 5000,  # int() of it raises (and used to make a traceback mid-import)
        "12岁",
        "0x1f",
    ],
    "留资时间": [
        "2026-02-30 10:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "1999-12-31",
        "2099-01-01",
        "昨天",
        "1730000000",
        "2026-13-01",
    ],
    "性别": ["unknown", "2"],
    "同意": ["maybe"],
}


def _bad_cell_cases() -> list[tuple[str, str]]:
    return [(column, value) for column, values in BAD_CELLS.items() for value in values]


@pytest.mark.parametrize(("column", "value"), _bad_cell_cases())
def test_a_bad_cell_anywhere_refuses_the_whole_file_naming_line_and_column(
    tmp_path, column, value
) -> None:
    # given good rows, then a row with one bad cell, then more good rows (beyond one batch)
    headers = HEADER.strip().split(",")
    bad = GOOD_ROWS.strip().split(",")
    bad[headers.index(column)] = f'"{value}"'
    bad[1] = "13900000000"
    good = [f"张{i},1370000{i:04d},失眠,40,女,是,2026-11-02 09:00\n" for i in range(250)]
    content = HEADER + GOOD_ROWS + "".join(good) + ",".join(bad) + "\n" + GOOD_ROWS

    with pytest.raises(CommandError) as refused:
        _import(tmp_path, content.encode("utf-8-sig"), "--consent-version", "v1")

    message = str(refused.value)
    assert refused.value.returncode == 2
    assert "第 253 行" in message
    assert "line 253" in message
    assert f"「{column}」" in message
    assert "Traceback" not in message
    assert len(message) < 400
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0


def test_an_id_too_long_to_keep_whole_refuses_the_file(tmp_path) -> None:
    # two ids alike in their first 128 characters must never become one record
    content = "编号,姓名,手机号\n" + "".join(
        f"{'x' * 200}{i},王{i},1381234567{i}\n" for i in range(2)
    )
    with pytest.raises(CommandError) as refused:
        _import(tmp_path, content.encode(), "--consent-version", "v1")
    assert refused.value.returncode == 2
    assert "「编号」" in str(refused.value)
    assert InboundLead.objects.count() == 0


def test_the_cells_spreadsheets_write_are_read_exactly(tmp_path) -> None:
    content = (
        HEADER
        + "王晓明,13812345678,脱发,35,男,是,2026/11/01 10:30\n"
        + "李华,13912345678,失眠,,F,,2026-11-01T10:30:00+08:00\n"
        + "赵六,13712345678,失眠,7,,否,\n"
    )

    out = _import(tmp_path, content.encode("utf-8-sig"), "--consent-version", "v1")

    assert out.startswith("rows=3 created=2 merged=0 quarantined=1")
    assert sorted((lead.age or 0, lead.gender) for lead in Lead.objects.all()) == [
        (0, "f"),
        (35, "m"),
    ]
