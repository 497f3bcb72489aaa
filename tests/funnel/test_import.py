from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from funnel.crypto import phone_hash
from funnel.models import InboundLead, InboundStatus, Lead, Touchpoint
from landing.models import ConsentText
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, pool_with

pytestmark = pytest.mark.django_db

CSV = (
    "编号,姓名,手机号,性别,年龄,城市,病种,诉求,来源备注\n"
    "1,王晓明,138 1234 5678,男,34,杭州,脱发,发际线后移两年,义诊现场\n"
    "2,李华,+86 139-1234-5678,女,41,上海,失眠,入睡困难,\n"
    "3,张三,12345,男,50,北京,糖尿病,,\n"
    "4,王晓明,8613812345678,男,34,杭州,脱发,,复诊咨询\n"
)


def _import(tmp_path, content: str | bytes, *args: str) -> str:
    path = tmp_path / "义诊.csv"
    path.write_bytes(content.encode("utf-8-sig") if isinstance(content, str) else content)
    out = io.StringIO()
    call_command("import_leads", str(path), *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def routed():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    for version in ("health-2026-01", "offline-2026", "v1", "v2"):
        ConsentText.objects.create(version=version, text=f"健康信息授权 {version}")
    pool, _ = pool_with([1])
    catch_all_rule(pool)


def test_csv_rows_go_through_the_inbox_and_bad_phones_are_quarantined(tmp_path, routed) -> None:
    # given a clinic spreadsheet with Chinese headers, one bad phone and one repeat person
    # when it is imported with the consent version collected at the event
    out = _import(tmp_path, CSV, "--consent-version", "health-2026-01")

    # then two people, one with two touches; the bad row kept in quarantine with its reason
    assert out == "rows=4 created=2 merged=1 quarantined=1 unchanged=0 (invalid_phone=1)"
    assert Lead.objects.count() == 2
    wang = Lead.objects.get(phone_hash=phone_hash("+8613812345678"))
    assert wang.name == "王晓明"
    assert wang.specialty.slug == "hair-loss"
    assert wang.consent_version == "health-2026-01"
    # answers merge, the first row's note staying (a later submission matched by phone never
    # overwrites what was recorded: issue 13 review; the later row keeps it on its record)
    assert wang.answers == {"concern": "发际线后移两年", "来源备注": "义诊现场"}
    assert Touchpoint.objects.filter(lead=wang, channel="csv").count() == 2
    bad = InboundLead.objects.get(channel="csv", external_id="义诊.csv:3")
    assert (bad.status, bad.reason) == (InboundStatus.QUARANTINED, "invalid_phone")
    assert bad.raw["手机号"] == "12345"


def test_reimporting_the_same_file_adds_nothing(tmp_path, routed) -> None:
    # given a file already imported
    _import(tmp_path, CSV, "--consent-version", "health-2026-01")
    touches = Touchpoint.objects.count()

    # when it is imported again
    out = _import(tmp_path, CSV, "--consent-version", "health-2026-01")

    # then every row is recognised, no lead, touchpoint or inbound row is added
    assert out == "rows=4 created=0 merged=0 quarantined=0 unchanged=4"
    assert (Lead.objects.count(), Touchpoint.objects.count()) == (2, touches)
    assert InboundLead.objects.filter(channel="csv").count() == 4


def test_without_a_consent_version_rows_are_quarantined_not_dropped(tmp_path, routed) -> None:
    # when a file is imported without saying where consent was collected
    out = _import(tmp_path, CSV)

    # then no lead is created and every row waits in quarantine
    assert out == (
        "rows=4 created=0 merged=0 quarantined=4 unchanged=0 (consent_required=3, invalid_phone=1)"
    )
    assert Lead.objects.count() == 0
    assert InboundLead.objects.filter(status=InboundStatus.QUARANTINED).count() == 4


def test_a_row_saying_no_consent_is_quarantined(tmp_path, routed) -> None:
    # given a consent column where one person declined
    content = "手机号,姓名,同意\n13812345678,王晓明,是\n13912345678,李华,否\n"

    out = _import(tmp_path, content, "--consent-version", "v1")

    # then only the consenting person becomes a lead
    assert out == "rows=2 created=1 merged=0 quarantined=1 unchanged=0 (consent_required=1)"
    assert list(Lead.objects.values_list("phone_hash", flat=True)) == [phone_hash("+8613812345678")]


def test_gb18030_files_from_excel_are_read(tmp_path, routed) -> None:
    # given a file saved by Chinese Excel (GB18030, no BOM)
    content = "手机号,姓名\n13812345678,王晓明\n".encode("gb18030")

    out = _import(tmp_path, content, "--consent-version", "v1")

    # then the name is decoded correctly
    assert out == "rows=1 created=1 merged=0 quarantined=0 unchanged=0"
    assert Lead.objects.get().name == "王晓明"


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_leads", str(tmp_path / "nope.csv"))
    assert InboundLead.objects.count() == 0


def test_a_file_larger_than_a_batch_with_a_repeated_row_counts_every_row(
    tmp_path, routed, monkeypatch
) -> None:
    from funnel.services import imports

    # given batches of 3 and 7 rows, one of them an exact copy of an earlier row
    monkeypatch.setattr(imports, "IMPORT_BATCH", 3)
    lines = ["编号,姓名,手机号,病种"]
    lines += [f"{i},患者{i},1380000{i:04d},脱发" for i in range(6)]
    lines.append("2,患者2,13800000002,脱发")

    out = _import(tmp_path, "\n".join(lines) + "\n", "--consent-version", "offline-2026")

    # then every row is counted once, the copy as unchanged, and six people are leads
    assert out == "rows=7 created=6 merged=0 quarantined=0 unchanged=1"
    assert Lead.objects.count() == 6
    assert Lead.objects.exclude(assignee=None).count() == 6


def test_reimporting_with_the_missing_consent_releases_the_rows_once(tmp_path, routed) -> None:
    # given a file imported without a consent version: every row in quarantine
    _import(tmp_path, CSV)
    # when it is imported again with the consent version collected at the event
    released = _import(tmp_path, CSV, "--consent-version", "health-2026-01")
    # then the rows that lacked consent become leads (the bad phone stays quarantined)
    assert released == (
        "rows=4 created=2 merged=1 quarantined=1 unchanged=0 (invalid_phone=1)"
    )
    assert Lead.objects.count() == 2
    assert set(Lead.objects.values_list("consent_version", flat=True)) == {"health-2026-01"}
    # and a third import changes nothing
    again = _import(tmp_path, CSV, "--consent-version", "health-2026-01")
    assert again == "rows=4 created=0 merged=0 quarantined=0 unchanged=4"
    assert InboundLead.objects.filter(channel="csv").count() == 4
