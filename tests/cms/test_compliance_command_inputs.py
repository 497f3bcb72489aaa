"""check_compliance on a path that is not a readable regular text file: each kind gets its own
zh-hans reason and exit 2, and nothing is read forever (/dev/zero) or waited on (a FIFO)."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cms.management.commands import check_compliance as command


def _refusal(path: str | Path) -> CommandError:
    with pytest.raises(CommandError) as exc:
        call_command("check_compliance", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert exc.value.returncode == 2
    assert "文件不存在" not in str(exc.value)
    return exc.value


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_character_device_is_refused_as_not_a_regular_file(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} is not on this system")

    error = _refusal(device)

    assert "不是普通文件" in str(error)
    assert "字符设备" in str(error)
    assert device in str(error)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "copy.fifo"
    os.mkfifo(fifo)

    error = _refusal(fifo)

    assert "不是普通文件" in str(error)
    assert "命名管道" in str(error)


def test_a_folder_is_still_told_apart(tmp_path: Path) -> None:
    assert "这是文件夹" in str(_refusal(tmp_path))


def test_dev_zero_ends_at_once_in_a_real_process() -> None:
    """The shell's view: /dev/zero (endless) and /dev/null end with status 2, in seconds."""
    for device in ("/dev/zero", "/dev/null"):
        done = subprocess.run(
            [sys.executable, "manage.py", "check_compliance", device],
            capture_output=True,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
            timeout=120,
            text=True,
        )
        assert done.returncode == 2
        assert "不是普通文件" in done.stderr


def test_a_file_it_may_not_read_says_so(tmp_path: Path, monkeypatch) -> None:
    # root reads a chmod 000 file anyway (these tests may run as root), so the refusal the
    # kernel gives an ordinary user is given here by os.open.
    path = tmp_path / "copy.txt"
    path.write_text("规律作息很重要。\n", encoding="utf-8")
    real_open = os.open

    def no_permission(file, flags, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_permission)

    error = _refusal(path)

    assert "没有读取权限" in str(error)
    assert "Permission denied" not in str(error)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file without read permission")
def test_a_chmod_000_file_says_no_permission(tmp_path: Path) -> None:
    path = tmp_path / "copy.txt"
    path.write_text("规律作息很重要。\n", encoding="utf-8")
    path.chmod(0)
    try:
        assert "没有读取权限" in str(_refusal(path))
    finally:
        path.chmod(0o600)


def test_a_file_in_a_folder_it_may_not_enter_is_not_called_missing(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "locked" / "copy.txt"
    real_stat = os.stat

    def no_search_permission(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_stat(file, *args, **kwargs)

    monkeypatch.setattr(os, "stat", no_search_permission)

    error = _refusal(path)

    assert "没有权限" in str(error)


def test_a_path_through_a_file_is_not_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "copy.txt"
    file.write_text("规律\n", encoding="utf-8")

    with pytest.raises(CommandError) as exc:
        call_command("check_compliance", str(file / "x.txt"), stdout=io.StringIO())

    assert exc.value.returncode == 2
    assert "不是文件夹" in str(exc.value)


@pytest.mark.parametrize(
    "data",
    [
        "café crème\n".encode("latin-1"),  # Western European text, not UTF-8
        b"abc\xff\xfe\xff\n",  # neither UTF-8 nor GB18030
    ],
    ids=["latin-1", "stray-bytes"],
)
def test_a_file_that_is_not_utf8_or_gb18030_is_refused_as_such(tmp_path: Path, data) -> None:
    path = tmp_path / "copy.txt"
    path.write_bytes(data)

    error = _refusal(path)

    assert "无法识别文件编码" in str(error)
    assert "UTF-8" in str(error)


def test_a_utf32_file_is_named_not_called_binary(tmp_path: Path) -> None:
    # UTF-32 LE's BOM begins with UTF-16 LE's, so it was read as UTF-16 full of NULs and
    # called a binary file; it is text, in an encoding we do not read.
    path = tmp_path / "copy.txt"
    path.write_bytes("规律作息很重要。\n".encode("utf-32"))

    error = _refusal(path)

    assert "UTF-32" in str(error)
    assert "控制字符" not in str(error)


def test_a_regular_file_that_reports_no_size_is_still_read_with_a_limit(monkeypatch) -> None:
    # /proc files are regular and say st_size 0 whatever they hold (as a file still being
    # written may say less than it holds): the read itself stops past the limit.
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size:
        pytest.skip("no /proc file with st_size 0 here")
    monkeypatch.setattr(command, "MAX_FILE_BYTES", 16)

    error = _refusal(status)

    assert "文件过大" in str(error)


def test_the_limit_is_said_in_the_message(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"a" * (command.MAX_FILE_BYTES + 1))

    error = _refusal(huge)

    assert "文件过大" in str(error)
    assert f"上限 {command.MAX_FILE_BYTES // (1024 * 1024)} MB" in str(error)
