"""check_compliance PATH|--page ID [--format text|json] [--science]

A file may be UTF-8 (with or without a BOM), GB18030 (GBK, GB2312) or UTF-16 with its BOM.
Only a regular file is read, and at most MAX_FILE_BYTES (1 MB) of it.

Exit status: 0 no blocking finding, 1 at least one blocking finding, 2 bad input (missing
file or page, a folder, a path that is not a regular file: a device such as /dev/zero or
/dev/null, a FIFO, a socket; a file or folder without permission, a file over 1 MB, a file
that is not text in one of those encodings). An empty file is checked (nothing found) and
said so on stderr."""

from __future__ import annotations

import codecs
import errno
import json
import os
import stat

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cms.compliance import ComplianceReport, check_page, check_report
from cms.compliance.checker import Ours
from cms.compliance.ours import own_names
from cms.models.base import DEFAULT_SITE_NAME

CONTRACT_KEYS = ("rule", "severity", "line", "start", "end", "text", "reference")
# A copy file is an article or an ad's text (tens of KB); 1 MB is about 330,000 Chinese
# characters and takes the checker about 15 s on a 2-core machine. A bigger file is most
# likely not copy (a log, an export): refused at once rather than minutes of CPU (fourth
# verification: a 9 MB file ran 2 minutes).
MAX_FILE_BYTES = 1024 * 1024
MAX_FILE_MB = MAX_FILE_BYTES // (1024 * 1024)

# The kinds of path that are not a regular file, as the editor knows them.
_NOT_REGULAR = (
    (stat.S_ISCHR, "字符设备（如 /dev/zero、/dev/null）"),
    (stat.S_ISBLK, "块设备（磁盘）"),
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISSOCK, "套接字"),
)


def decode_text(data: bytes) -> str:
    """The text of a copy file: a BOM decides (UTF-8, UTF-16 LE/BE); without one, strict
    UTF-8, then strict GB18030 (which covers GBK and GB2312). Raises ValueError for bytes
    that are none of these, or that decode to control characters (a binary file)."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        # Checked before UTF-16: UTF-32 LE's BOM begins with UTF-16 LE's, and read as UTF-16
        # the text is full of NULs and would be called a binary file.
        raise ValueError("是 UTF-32 编码（不支持），请另存为 UTF-8 后再检查")
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data)]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ch < " " and ch not in "\t\n\r\f\v" for ch in text):
            raise ValueError("内容含控制字符，不是文本文件")
        return text
    raise ValueError("既不是 UTF-8（可带 BOM）、GB18030/GBK，也不是带 BOM 的 UTF-16")


def _os_error(path: str, exc: OSError, *, opening: bool = False) -> CommandError:
    """`exc` told in zh-hans: strerror is English and names no cause an editor can act on.
    `opening`: raised by open/read (the file itself), else by stat (a folder on the way)."""
    if isinstance(exc, FileNotFoundError):
        reason = f"文件不存在：{path}"
    elif isinstance(exc, PermissionError) and opening:
        reason = f"没有读取权限，当前用户不能读这个文件：{path}"
    elif isinstance(exc, PermissionError):
        reason = f"没有权限进入文件所在的文件夹：{path}"
    elif isinstance(exc, NotADirectoryError):
        reason = f"路径中有一段是文件而不是文件夹：{path}"
    elif isinstance(exc, IsADirectoryError):
        reason = f"这是文件夹，不是文件：{path}"
    elif exc.errno == errno.ELOOP:
        reason = f"符号链接循环，找不到文件：{path}"
    elif exc.errno == errno.ENAMETOOLONG:
        reason = f"路径过长：{path}"
    else:
        reason = f"无法读取 {path}（系统错误 {errno.errorcode.get(exc.errno or 0, exc.errno)}）"
    return CommandError(reason, returncode=2)


def _too_big(size_text: str) -> CommandError:
    return CommandError(
        f"文件过大（{size_text}），上限 {MAX_FILE_MB} MB：请分成多个文件检查", returncode=2
    )


def read_copy_file(path: str) -> bytes:
    """The bytes of the regular file at `path`, at most MAX_FILE_BYTES; CommandError (exit 2)
    with the reason otherwise.

    Why stat before open: opening a FIFO waits for a writer, opening some devices acts
    (a tape rewinds, a watchdog arms), and /dev/zero reads forever; `Path.is_file()` said
    「文件不存在」 for all of these and for a folder it may not enter. The fstat after open
    refuses a path swapped for something else in between, and the read is bounded because a
    regular file may hold more than its st_size says (/proc files say 0, a file still growing)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _os_error(path, exc) from exc
    _refuse_unless_regular(path, info)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _os_error(path, exc, opening=True) from exc
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(path, info)
        if info.st_size > MAX_FILE_BYTES:
            raise _too_big(f"{info.st_size / 1024 / 1024:.1f} MB")
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _os_error(path, exc, opening=True) from exc
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(f"超过 {MAX_FILE_MB} MB")
    return data


def _refuse_unless_regular(path: str, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise CommandError(f"这是文件夹，不是文件：{path}", returncode=2)
    if stat.S_ISREG(info.st_mode):
        return
    kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)), "特殊文件")
    raise CommandError(
        f"不是普通文件，而是{kind}；只能检查不超过 {MAX_FILE_MB} MB 的普通文本文件：{path}",
        returncode=2,
    )


def _own_names() -> Ours:
    """The clinic's names as on its pages (`cms.compliance.ours.own_names`); a copywriter's
    machine with no migrated database reads a file all the same, with the default brand."""
    try:
        return own_names()
    except DatabaseError:
        return Ours(names=(DEFAULT_SITE_NAME,))


class Command(BaseCommand):
    help = "检查文本文件或页面的医疗广告合规问题；有阻止发布的问题时退出码为 1"

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "path",
            nargs="?",
            help="普通文本文件（UTF-8、GB18030、带 BOM 的 UTF-16，不超过 1 MB），逐行检查",
        )
        target.add_argument("--page", type=int, help="页面 ID（检查最新版本，含未发布草稿）")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--science", action="store_true", help="按科普内容检查（加上《广告法》第十九条规则）"
        )

    def handle(self, *args, **options):
        if options["page"] is not None:
            report, source = self._page_report(options["page"]), f"page {options['page']}"
        else:
            report, source = self._file_report(options["path"], options["science"]), options["path"]
        if options["format"] == "json":
            rows = [
                {
                    **{k: row[k] for k in CONTRACT_KEYS},
                    "field": row["field"],
                    "message": row["message"],
                }
                for row in report.as_dicts()
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            self._write_text(report, source)
        if report.has_blocking:
            raise CommandError(f"{len(report.blocking)} 处问题阻止发布", returncode=1)

    def _file_report(self, path: str, science: bool) -> ComplianceReport:
        try:
            text = decode_text(read_copy_file(path))
        except ValueError as exc:
            raise CommandError(f"无法识别文件编码 {path}：{exc}", returncode=2) from exc
        if not text.strip():
            self.stderr.write(f"文件为空，没有可检查的内容：{path}")
        return check_report(text, scopes={"science"} if science else (), ours=_own_names())

    def _page_report(self, page_id: int) -> ComplianceReport:
        from wagtail.models import Page

        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            raise CommandError(f"页面不存在：{page_id}", returncode=2)
        return check_page(page.specific.get_latest_revision_as_object())

    def _write_text(self, report: ComplianceReport, source: str) -> None:
        for f in report.findings:
            where = f"{source}:{f.field + ':' if f.field else ''}{f.line}:{f.start}-{f.end}"
            level = "阻止" if f.blocking else "提示"
            self.stdout.write(f"{where} [{level}] {f.rule} “{f.text}” {f.message}（{f.reference}）")
        self.stdout.write(
            f"{len(report.findings)} 处发现，{len(report.blocking)} 处阻止发布"
            f"（规则版本 {report.rules_version}）"
        )
