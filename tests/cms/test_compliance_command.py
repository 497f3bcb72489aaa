"""check_compliance: a text file line by line or a page, text or JSON, exit codes 0/1/2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, rich

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {"rule", "severity", "line", "start", "end", "text", "reference"}


def _run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_compliance", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "copy.txt"
    path.write_text("规律作息很重要。\n\n本院治愈率达95%，根治脱发。\n无痛检查\n", encoding="utf-8")
    return path


def test_text_file_json_lists_findings_by_line_and_exits_1(copy: Path) -> None:
    code, out = _run(str(copy), "--format", "json")

    rows = json.loads(out)
    assert code == 1
    assert [
        (r["rule"], r["severity"], r["line"], r["start"], r["end"], r["text"]) for r in rows
    ] == [
        ("ad16-rate", "block", 3, 2, 9, "治愈率达95%"),
        ("ad16-guarantee", "block", 3, 10, 12, "根治"),
        ("warn-safety-wording", "warn", 4, 0, 2, "无痛"),
    ]
    assert all(CONTRACT_KEYS <= set(r) for r in rows)
    assert (
        rows[0]["reference"]
        == "《广告法》第十六条第一款第（二）项；《医疗广告管理办法》第七条第（三）项"
    )


def test_text_format_is_one_line_per_finding_and_a_summary(copy: Path) -> None:
    code, out = _run(str(copy))

    lines = out.strip().splitlines()
    assert code == 1
    assert len(lines) == 4
    assert lines[0].startswith(f"{copy}:3:2-9 [阻止] ad16-rate “治愈率达95%”")
    assert lines[-1].startswith("3 处发现，2 处阻止发布")


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.txt"
    path.write_text("无痛检查，十分钟完成\n第一次复诊带上记录\n", encoding="utf-8")

    code, out = _run(str(path), "--format", "json")

    assert code == 0
    assert [r["rule"] for r in json.loads(out)] == ["warn-safety-wording"]


def test_science_flag_adds_the_disguised_ad_rules(tmp_path: Path) -> None:
    path = tmp_path / "science.txt"
    path.write_text("想了解更多请扫码添加医生微信\n", encoding="utf-8")

    assert _run(str(path))[0] == 0
    assert _run(str(path), "--science")[0] == 1


def test_missing_file_and_undecodable_file_exit_2(tmp_path: Path) -> None:
    code, _ = _run(str(tmp_path / "nope.txt"))
    assert code == 2

    undecodable = tmp_path / "bad.txt"
    undecodable.write_bytes(b"abc\xff\xfe\xff\n")  # neither UTF-8 nor GB18030
    with pytest.raises(CommandError, match="无法识别文件编码") as exc:
        call_command("check_compliance", str(undecodable), stdout=io.StringIO())
    assert exc.value.returncode == 2

    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, _ = _run(str(binary))
    assert code == 2


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: text.encode("utf-8-sig"),  # UTF-8 with a BOM (Windows Notepad)
        lambda text: text.encode("gb18030"),
        lambda text: text.encode("gbk"),  # GBK is a subset of GB18030
        lambda text: text.encode("utf-16"),  # with its BOM, the platform's byte order
        lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
        lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "gbk", "utf-16", "utf-16-be-bom", "utf-16-le-bom"],
)
def test_a_file_in_any_usual_chinese_encoding_is_read(tmp_path: Path, encode) -> None:
    # given the same copy saved in one of the encodings editors use
    path = tmp_path / "copy.txt"
    path.write_bytes(encode("规律作息很重要。\r\n本院治愈率达95%，根治脱发。\r\n"))

    # when it is checked
    code, out = _run(str(path), "--format", "json")

    # then it is read as text: the same findings, on the same lines, exit 1
    rows = json.loads(out)
    assert code == 1
    assert [(r["rule"], r["line"], r["text"]) for r in rows] == [
        ("ad16-rate", 2, "治愈率达95%"),
        ("ad16-guarantee", 2, "根治"),
    ]


@pytest.mark.django_db
def test_page_is_checked_at_its_latest_revision() -> None:
    page = draft(hub(), ArticlePage(title="睡眠卫生", slug="a", body=[]))
    page.body = [{"type": "paragraph", "value": rich("规律作息。", "三天见效。")}]
    page.save_revision()  # a draft that is not on the page row yet

    code, out = _run("--page", str(page.pk), "--format", "json")

    assert code == 1
    (row,) = json.loads(out)
    assert (row["rule"], row["field"], row["line"], row["text"]) == (
        "mad7-timeline",
        "body[0].paragraph",
        2,
        "三天见效",
    )


@pytest.mark.django_db
def test_missing_page_exits_2() -> None:
    assert _run("--page", "999999")[0] == 2


def test_real_process_exit_codes(copy: Path, tmp_path: Path) -> None:
    """The exit status a shell or CI script sees, not only call_command's exception."""

    def status(*args: str) -> int:
        return subprocess.run(
            [sys.executable, "manage.py", "check_compliance", *args],
            capture_output=True,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        ).returncode

    clean = tmp_path / "clean.txt"
    clean.write_text("第一步：记录睡眠日记\n", encoding="utf-8")
    assert status(str(copy)) == 1
    assert status(str(clean)) == 0
    assert status(str(tmp_path / "missing.txt")) == 2


def test_a_folder_a_huge_file_and_an_empty_file_are_told_apart(tmp_path: Path) -> None:
    """Fourth verification: a folder was reported as 「文件不存在」, a 9 MB file ran for two
    minutes, an empty file said nothing."""
    with pytest.raises(CommandError, match="这是文件夹") as folder:
        call_command("check_compliance", str(tmp_path), stdout=io.StringIO())
    assert folder.value.returncode == 2

    from cms.management.commands.check_compliance import MAX_FILE_BYTES

    huge = tmp_path / "huge.txt"
    huge.write_text("规律作息很重要。\n" * (MAX_FILE_BYTES // 24 + 1), encoding="utf-8")
    assert huge.stat().st_size > MAX_FILE_BYTES
    with pytest.raises(CommandError, match="文件过大") as too_big:
        call_command("check_compliance", str(huge), stdout=io.StringIO())
    assert too_big.value.returncode == 2

    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    err = io.StringIO()
    call_command(
        "check_compliance", str(empty), "--format", "json", stdout=io.StringIO(), stderr=err
    )
    assert "文件为空" in err.getvalue()
