"""Codes inside the pictures a page shows: a 科普 page may not show a QR code that adds the
clinic's WeChat or opens a consultation (《广告法》第十九条; `cms.compliance.rendered`), and an
editor's upload is rarely named 「二维码」. The picture the page serves is decoded with zxing-cpp
(the maintained C++ port of ZXing; its Python binding reads QR, Micro QR, rMQR, Data Matrix and
Aztec codes from a PIL image), so a code is found by what it is, whatever the file is called.

A file the page links to (a Wagtail document, /documents/<id>/<name>, or a file under MEDIA_URL)
is read by its content, whatever its name (`document_scan`, `_kind`):

- a PDF: the pictures on its pages go through the same decoder (pypdf extracts them), so a
  「资料下载」 with the WeCom code on its last page is found (review of issue 17, round 2, M5);
  then every page is drawn as a reader sees it (PDFium, through pypdfium2) and read again: a
  code drawn as vector paths, or cut into strips that are each no code, is one once drawn
  (round 10). A poster-size page is drawn in tiles at full resolution too, as a reader zooms
  in (`_page_views`). Up to MAX_PDF_PAGES pages, every one; a longer PDF, a page or pages too
  large to draw, or one PDFium cannot open (damaged, or encrypted: its password may be printed
  next to the link), is refused rather than passed unread (`Scan.problem`);
- a zip (a .zip download, DOCX/PPTX/XLSX, ODF): every member by its content (a picture Word
  declares image/png may be called image1.bin), and the PDFs, office files and zips inside it
  read the same way, MAX_NESTING deep, within bounds on bytes, pictures and drawn views
  shared by everything inside one linked file;
- a tar read like a zip; a gzip, bzip2 or xz stream unpacked and read as the file it holds
  (a qr.png.gz is a picture, a .tar.gz a tar); a PDF's attached files read like a zip's
  members; an archive nothing here opens (7z, RAR, an Office 97-2003 file …) refused, at
  every level (`_member_codes` says which unknown files are skipped and why);
- a picture (PNG, JPEG, GIF, WebP …; every frame of an animation, longest shown first);
- an SVG (known by its root element, after any prolog, any encoding, gzipped or not): refused,
  since nothing here draws one (PIL cannot) and a code in it would pass.

The text a linked file shows (a PDF's pages and annotation notes, an office file's text nodes,
a text file) is kept (`Scan.text`), with the web addresses it links as lines of it (a PDF's URI
actions, an office file's external hyperlinks) so that a reader of the text reads them too: a
phone number or WeChat id written in a 科普 page's handout is the page's own contact channel
(`cms.compliance.rendered` reads it with the 科普 rules).

Only our own media are read (a path under MEDIA_URL, through the default storage): the gate never
fetches a URL a page names. A path of ours that names no file (a document id not uploaded yet,
a media file that is not there) is refused (`MISSING_FILE`): whatever is uploaded there later
would be live on the page unchecked (fourth verification, F1). Results are cached by file name
and content (SHA-256 of the stored bytes): a file replaced under the same name (Wagtail deletes
the old file on replacement, so the name is free again) is read again (fourth verification,
F2); a file that cannot be read is never cached."""

from __future__ import annotations

import bisect
import bz2
import codecs
import collections
import gzip
import hashlib
import html
import io
import logging
import lzma
import math
import re
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from cms.compliance import ocr

logger = logging.getLogger("yinliu.cms.compliance")

# Matrix codes a phone scans to add a contact or open a page; linear barcodes (a medicine
# box's EAN in a photo) are not contact codes.
CODE_FORMATS = ("QRCode", "MicroQRCode", "RMQRCode", "DataMatrix", "Aztec")
# Decoding cost grows with the picture; a larger one is shrunk to this many pixels first.
MAX_PIXELS = 4_000_000
CACHE_SECONDS = 24 * 3600

# A PDF is read up to this many pages, every one of them drawn: a longer one is refused rather
# than passed unread (a code on page 31 of 61 is as visible as one on the first page). The
# pictures pass stops after MAX_PDF_PICTURES pictures (121 tiny decoys must not cost minutes)
# and the pages are drawn all the same.
MAX_PDF_PAGES = 60
MAX_PDF_PICTURES = 120
# A linked file is read whole into memory (PDFium, zipfile): a larger one is refused.
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
# Pictures read in a zip and the files inside it (by content, whatever their names): at most
# this many, each at most this size unpacked (a zip bomb is refused, not unpacked).
MAX_ZIP_PICTURES = 120
MAX_ZIP_PICTURE_BYTES = 20 * 1024 * 1024
# Everything unpacked from one linked file (pictures, PDFs, zips, text inside it), at most.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Files inside files: the linked file is depth 0, a DOCX in a .zip depth 1, its pictures
# depth 2; a zip at depth MAX_NESTING (its members deeper still) is refused.
MAX_NESTING = 2
# A page larger than MAX_PIXELS at RENDER_DPI (a poster) is drawn in tiles of TILE × TILE
# pixels (MAX_PIXELS each) overlapping by TILE_OVERLAP pixels (a code up to that size is
# whole in one tile), at most MAX_PAGE_TILES views a page (else refused); at most
# MAX_PDF_VIEWS views (whole pages and tiles) for all the PDFs of one linked file.
TILE = 2000
TILE_OVERLAP = 500
MAX_PAGE_TILES = 40
MAX_PDF_VIEWS = 150
# The text kept from one linked file, at most (characters): more is refused, not cut.
MAX_TEXT_CHARS = 300_000
# Frames of an animated picture (GIF, WebP, APNG) read, at most (`_frames`): the frame on
# screen every FRAME_SAMPLE_MS (two in any second), then the distinct frames shown longest.
MAX_FRAMES = 120
FRAME_SAMPLE_MS = 500

# Why a linked file cannot be checked (the finding's text, fail closed): the gate cannot say
# it holds no code.
TOO_MANY_PAGES = f"文档页数过多（超过 {MAX_PDF_PAGES} 页），无法检查是否含二维码"
UNREADABLE = "文档无法打开（损坏或加密），无法检查是否含二维码"
TOO_LARGE = "文档过大，无法检查是否含二维码"
TOO_MANY_PICTURES = f"文档中的图片过多或过大（超过 {MAX_ZIP_PICTURES} 张），无法检查是否含二维码"
SVG_REFUSED = "SVG 文件无法检查是否含二维码（请改用 PNG 或 JPEG 图片）"
NESTED_TOO_DEEP = f"压缩包嵌套超过 {MAX_NESTING} 层，无法检查是否含二维码"
PAGE_TOO_LARGE = "文档页面尺寸过大，无法检查是否含二维码（请拆分或缩小页面）"
TOO_MUCH_TO_DRAW = "文档中的 PDF 页面过多或过大，无法检查是否含二维码"
ARCHIVE_UNREADABLE = "文档中含无法读取的压缩包或文件格式（如 7z、rar），无法检查是否含二维码"
TOO_MUCH_TEXT = f"文档文字过多（超过 {MAX_TEXT_CHARS} 字），无法检查是否含联系方式"
MISSING_FILE = "链接的本站文件不存在或无法读取（请先上传文件再链接），无法检查是否含二维码"
VIDEO_UNREADABLE = "视频无法打开或解码（损坏或格式不支持），无法检查是否含二维码"
VIDEO_TOO_COSTLY = "视频画面过大或解码量过大，无法检查是否含二维码（请转为常见的 MP4 格式）"


class Scan(NamedTuple):
    """What a linked file shows: the texts of the codes found, why it could not be read to the
    end ("" when it was), and the text it shows (read to the end, when no code was found and
    nothing refused it; "" for a picture)."""

    codes: list[str]
    problem: str = ""
    text: str = ""


def _media_name(src: str) -> str:
    """The storage name of a picture served from our media ("" for anything else)."""
    path = unquote(urlsplit(src or "").path)
    prefix = settings.MEDIA_URL
    if not prefix.startswith("/"):
        prefix = urlsplit(prefix).path
    if not path.startswith(prefix) or ".." in path.split("/"):
        return ""
    return path[len(prefix) :]


def _flattened(picture: Image.Image) -> list[Image.Image]:
    """The picture as a browser shows it: a transparent one over white (a page's background)
    and, for a code drawn light on transparent, over black; an opaque one as it is. Dropping
    the alpha channel alone turns transparent black pixels black and hides a black code."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        flats = []
        for ground in ((255, 255, 255), (0, 0, 0)):
            canvas = Image.new("RGB", rgba.size, ground)
            canvas.paste(rgba, mask=rgba.getchannel("A"))
            flats.append(canvas)
        return flats
    return [picture.convert("RGB")]


# Gaussian blur radii (pixels) tried when the sharp picture yields no code. A 「美化」 QR code
# drawn with round dots instead of square modules is read by a phone's camera, which sees it
# slightly out of focus, but not by the decoder on the sharp pixels (eighteenth verification
# A-F5: a WeCom link went live on a 科普 page). A blur of 0.3–0.5 of a module joins the dots;
# these radii cover modules of 4 to 32 pixels (measured with segno codes drawn as dots). About
# 0.2 s for a 1200×900 picture without a code, once per file (results are cached by digest).
BLUR_RADII = (2, 3.5, 6, 10)


def _picture_codes(picture: Image.Image) -> list[str]:
    import zxingcpp
    from PIL import ImageFilter

    formats = [getattr(zxingcpp.BarcodeFormat, f) for f in CODE_FORMATS]
    if picture.width * picture.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (picture.width * picture.height)) ** 0.5
        size = (max(1, int(picture.width * scale)), max(1, int(picture.height * scale)))
        picture.draft("RGB", size)  # JPEGs decode small at once
        picture = picture.resize(size)
    flats = _flattened(picture)
    for flat in flats:
        results = zxingcpp.read_barcodes(flat, formats=formats)
        if results:
            return [r.text for r in results if r.valid]
    for radius in BLUR_RADII:
        for flat in flats:
            results = zxingcpp.read_barcodes(
                flat.filter(ImageFilter.GaussianBlur(radius)), formats=formats
            )
            if results:
                return [r.text for r in results if r.valid]
    return []


def _decode(name: str) -> Scan:
    try:
        with default_storage.open(name, "rb") as handle:
            if _is_svg(handle.read(SNIFF_BYTES)):
                # PIL cannot draw an SVG and nothing here rasterises one: a code in it would
                # pass unseen, so it is refused (Wagtail takes no SVG upload by default)
                return Scan([], SVG_REFUSED)
            handle.seek(0)
            with Image.open(handle) as picture:
                return _picture_file_scan(picture)
    except (UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        # a file that is no picture PIL knows: a browser shows none either
        logger.warning("compliance: picture %s could not be read for codes: %s", name, exc)
        return Scan([])
    except OSError as exc:
        # not there (deleted, not uploaded yet) or unreadable: what is served there later
        # would pass unchecked, so it is refused (fourth verification, F1)
        logger.warning("compliance: picture %s could not be read for codes: %s", name, exc)
        return Scan([], MISSING_FILE)


def _content_digest(name: str) -> str:
    """SHA-256 (hex) of the stored file `name`, read in chunks; raises OSError when it is not
    there or cannot be read."""
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _cached_scan(prefix: str, name: str, scan) -> Scan:
    """`scan(name)`, cached under the file's name and content digest (a file replaced under
    the same name is read again); a file not there or unreadable (`MISSING_FILE`) is refused
    and never cached (it may be uploaded the next minute)."""
    try:
        content = _content_digest(name)
    except OSError as exc:
        logger.warning("compliance: file %s could not be read for codes: %s", name, exc)
        return Scan([], MISSING_FILE)
    digest = hashlib.sha256(f"{name}\n{content}".encode()).hexdigest()[:32]
    key = prefix + digest
    found = cache.get(key)
    if found is None:
        found = tuple(scan(name))
        if found[1] == MISSING_FILE or found[1] in ocr.TRANSIENT_PROBLEMS:
            return Scan(*found)  # may be there (or readable) the next minute
        cache.set(key, found, CACHE_SECONDS)
    codes, problem, text = found
    return Scan(list(codes), problem, text)


def image_scan(src: str) -> Scan:
    """The matrix codes (QR …) in the picture at `src`, one of our media files (every frame
    of an animation, longest shown first), and why it cannot be read ("", `SVG_REFUSED`, or
    `MISSING_FILE` for a path of our media with no file there); an empty Scan for a picture
    that is not ours or that PIL cannot open."""
    name = _media_name(src)
    if not name:
        return Scan([])
    return _cached_scan("cms:image-scan:v7:", name, _decode)


def image_codes(src: str) -> list[str]:
    """The texts of the matrix codes in the picture at `src` (`image_scan`); [] for none,
    for a picture that is not ours or cannot be read."""
    return image_scan(src).codes


# Pages are drawn at this resolution: 150 dpi draws a 2 cm code at about 120 pixels, which
# the decoder reads; a page larger than MAX_PIXELS is drawn smaller.
RENDER_DPI = 150


def _frames(picture: Image.Image) -> list[Image.Image]:
    """The frames of `picture` a reader sees (all of a still picture: one), at most
    MAX_FRAMES: first the frame on screen every FRAME_SAMPLE_MS of the animation's running
    time (coarser for a long one, so at most MAX_FRAMES / 2), so a code on screen for a
    second in a row is read whatever the other frames' durations; then the distinct frames
    (by their pixels) shown longest in total, so a code flashed for a frame at a time, many
    times, is read too (fourth verification, F13: 35 plain frames of 120 ms ranked above the
    60 frames of 100 ms showing the code)."""
    return _sampled_frames(picture)[0]


def _sampled_frames(picture: Image.Image) -> tuple[list[Image.Image], int, int]:
    """`_frames`, the number of frames the animation has, and how many of its distinct frames
    (by their pixels) the sampler did not take (past MAX_FRAMES: never looked at; round 13,
    fixG: a contact on frame 130 of 140 was in neither number of the warning)."""
    count = getattr(picture, "n_frames", 1)
    if count <= 1:
        return [picture], 1, 0
    starts, shown_for, first_index, order, keys, signatures = [], {}, {}, [], [], {}
    elapsed = 0
    for index in range(count):
        picture.seek(index)
        frame = picture.convert("RGBA")
        key = hashlib.sha256(frame.tobytes()).digest()
        keys.append(key)
        duration = _frame_ms(picture.info.get("duration"))
        starts.append(elapsed)
        elapsed += duration
        if key not in shown_for:
            first_index[key] = index
            order.append(key)
            signatures[key] = ocr._frame_signature(frame)
        shown_for[key] = shown_for.get(key, 0) + duration
    step = max(FRAME_SAMPLE_MS, math.ceil(elapsed / (MAX_FRAMES // 2)))
    chosen: list[int] = []
    for at in range(0, elapsed, step):
        index = bisect.bisect_right(starts, at) - 1
        if not chosen or chosen[-1] != index:
            chosen.append(index)
    for key in sorted(order, key=lambda k: -shown_for[k]):
        if len(chosen) >= MAX_FRAMES:
            break
        if first_index[key] not in chosen:
            chosen.append(first_index[key])
    frames = []
    for index in chosen[:MAX_FRAMES]:
        picture.seek(index)
        frames.append(picture.convert("RGBA"))
    # distinct frames not taken, counted as `ocr.frames_text` counts them: one that looks like
    # a frame taken or counted (`ocr._same_frame`: a moving dot) or shows nothing is not
    taken = {keys[index] for index in chosen[:MAX_FRAMES]}
    seen = [signatures[key] for key in taken if signatures[key] is not None]
    untaken = 0
    for key in order:
        signature = signatures[key]
        if key in taken or signature is None:
            continue
        if any(ocr._same_frame(signature, other) for other in seen):
            continue
        seen.append(signature)
        untaken += 1
    return frames, count, untaken


def _picture_file_scan(picture: Image.Image) -> Scan:
    """Codes in an opened picture file (`_picture_file_codes`) and, when it holds none, the
    text it shows (`cms.compliance.ocr`: a banner's phone number) or why that is unread."""
    codes = _picture_file_codes(picture)
    if codes:
        return Scan(codes)
    frames, count, untaken = _sampled_frames(picture)
    read = ocr.frames_text(frames)
    text = read.text
    if read.unread or untaken:
        # round 13: the distinct frames past ocr.MAX_FRAMES are named, not passed in silence;
        # the animation's own frame count, and its distinct frames the sampler did not take
        # (past MAX_FRAMES) named too (round 13)
        parts = [f"动图共 {count} 帧"]
        if read.unread:
            parts.append(f"另有 {read.unread} 个不同画面未识别文字（最多识别 {ocr.MAX_FRAMES} 个）")
        if untaken:
            parts.append(f"{untaken} 个不同画面未查看（最多抽取 {MAX_FRAMES} 帧）")
        text = "\n".join(filter(None, [text, ocr.unread_note("，".join(parts))]))
    return Scan([], read.problem, text)


def _frame_ms(duration) -> int:
    """How long a frame is shown (ms): browsers show a frame with no delay, or one of 10 ms
    or less, for 100 ms (Chromium and Firefox both clamp it)."""
    try:
        duration = int(duration or 0)
    except (TypeError, ValueError):
        duration = 0
    return duration if duration > 10 else 100


def _picture_file_codes(picture: Image.Image) -> list[str]:
    """Codes in an opened picture file, every frame an animation shows (`_frames`)."""
    for frame in _frames(picture):
        found = _picture_codes(frame)
        if found:
            return found
    return []


# What a file is, by its first bytes (`_kind`): a PDF reader looks for the header within
# the first 1024 bytes; an SVG's root element may come after a long prolog (comments, a
# doctype), read up to SNIFF_BYTES.
PDF_HEADER_WITHIN = 1024
SNIFF_BYTES = 64 * 1024
# PIL formats that are no picture a reader is shown (a video PIL knows the header of).
NOT_PICTURES = frozenset({"MPEG"})
_PROLOG = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype\s[^\[>]*(?:\[.*?\])?\s*>)", re.IGNORECASE | re.DOTALL
)
_SVG_ROOT = re.compile(r"<(?:[\w.\-]+:)?svg[\s/>]", re.IGNORECASE)


def _as_text(head: bytes) -> str | None:
    """`head` as text (UTF-8, UTF-16/32 with a byte order mark, GB 18030 as Windows writes
    Chinese), None for bytes that are no text (control characters, NUL)."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):  # fmt: skip
        if head.startswith(bom):
            text = codecs.getincrementaldecoder(codec)("replace").decode(head[len(bom) :])
            break
    else:
        text = None
        for codec in ("utf-8", "gb18030"):
            try:
                # the head may end inside a character: not final
                text = codecs.getincrementaldecoder(codec)().decode(head, final=False)
                break
            except UnicodeDecodeError:
                continue
    if text is None or _CONTROL.search(text):
        return None
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _is_svg(head: bytes) -> bool:
    """An SVG by its content: the root element after the prolog (XML declaration, comments,
    processing instructions, a doctype) is <svg> (any prefix, any Unicode encoding); gzip
    (SVGZ) is unpacked first. A prolog the head does not finish (a comment longer than
    SNIFF_BYTES) counts as one: its root cannot be seen, so it is refused, not passed."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
        except zlib.error:
            return False
    text = _as_text(head)
    if text is None:
        return False
    text = text.lstrip("\ufeff")
    position = 0
    while match := _PROLOG.match(text, position):
        position = match.end()
    rest = text[position:].lstrip()
    # a prolog left open at the end of the head: the root is unseen, refused not passed
    return bool(_SVG_ROOT.match(rest)) or rest.startswith(("<!--", "<?", "<!"))


def _is_picture(head: bytes) -> bool:
    """A picture by its magic bytes, as PIL tells its formats apart (`Image.OPEN` accepts)."""
    Image.init()
    prefix = head[:16]
    for format_id, (_, accept) in Image.OPEN.items():
        if accept is None or format_id in NOT_PICTURES:
            continue
        try:
            accepted = accept(prefix)
        except (SyntaxError, IndexError, TypeError, struct.error):
            # a file shorter than the format's header (a 1-byte linked file raised here and
            # the publish with it): PIL's own Image.open skips a format on these errors
            continue
        if accepted and not isinstance(accepted, str):
            return True
    return False


# Streams compressed whole (one file inside, read as if it were that file: a qr.png.gz is a
# picture, a guide.tar.gz a tar), by their magic bytes; the stdlib unpacks them.
COMPRESSED_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
# Archives and containers holding files (pictures) that nothing here opens: refused
# (`ARCHIVE_UNREADABLE`), for a code inside one would pass unread. 7z, RAR (4 and 5), CAB,
# Zstandard, Unix compress (.Z), lzip, and an OLE compound file (a .doc/.xls/.ppt of Office
# 97-2003, whose pictures sit in its streams).
UNREADABLE_CONTAINERS = (
    b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"MSCF\x00\x00\x00\x00", b"\x28\xb5\x2f\xfd",
    b"\x1f\x9d", b"LZIP", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
)  # fmt: skip
# Kinds that hold other files: each is a level of nesting (`MAX_NESTING`).
CONTAINERS = frozenset({"zip", "tar"})


def _kind(head: bytes) -> str:
    """What a file is by its first bytes (at most SNIFF_BYTES): "pdf", "zip", "tar",
    "gzip"/"bzip2"/"xz" (`COMPRESSED_MAGIC`), "container" (`UNREADABLE_CONTAINERS`, refused),
    "svg", "picture", "video" (`_is_video`: a video or sound file, read frame by frame),
    "text" (plain text or markup), "" for anything else (fonts, binaries that no reader shows
    as a picture)."""
    if b"%PDF-" in head[:PDF_HEADER_WITHIN]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    for magic, kind in COMPRESSED_MAGIC:
        if head.startswith(magic):
            return kind
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(UNREADABLE_CONTAINERS):
        return "container"
    if _is_svg(head):
        return "svg"
    if _is_picture(head):
        return "picture"
    if _is_video(head):
        return "video"
    if head and _as_text(head) is not None:
        return "text"
    return ""


class _Refused(Exception):
    """The linked file cannot be read to the end: `problem` says why (the finding's text)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass
class _Reading:
    """One linked file being read, and the files inside it: the bounds they share, and the
    text read so far."""

    name: str
    # the module's bounds as they are when a file is read (a test lowers one)
    bytes_left: int = field(default_factory=lambda: MAX_UNPACKED_BYTES)
    pictures_left: int = field(default_factory=lambda: MAX_ZIP_PICTURES)
    views_left: int = field(default_factory=lambda: MAX_PDF_VIEWS)
    texts: list[str] = field(default_factory=list)
    chars: int = 0

    def add_text(self, text: str) -> None:
        """Keep `text` (refused past MAX_TEXT_CHARS: a contact at its end would pass)."""
        text = text.strip()
        if not text:
            return
        self.chars += len(text)
        if self.chars > MAX_TEXT_CHARS:
            raise _Refused(TOO_MUCH_TEXT)
        self.texts.append(text)

    def text(self) -> str:
        return "\n\n".join(self.texts)


# Tags after which an office file starts a new line (a paragraph, a line break, a spreadsheet
# cell or row, a shared string) or puts a space (a tab): words in two runs of one paragraph
# are one word (「1381234」「5678」 is a phone number), two paragraphs are not.
XML_LINE_TAGS = frozenset({"p", "h", "br", "cr", "si", "c", "row", "tr", "line-break", "list-item"})
XML_SPACE_TAGS = frozenset({"tab", "s"})


class _XmlText:
    """An XML parser target keeping the text nodes (`XML_LINE_TAGS`), without recursion."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def start(self, tag: str, attrib: dict) -> None:
        # an ODF hyperlink (<text:a xlink:href>): its web address kept as a line of text
        href = attrib.get("{http://www.w3.org/1999/xlink}href")
        if href and tag.rsplit("}", 1)[-1] == "a":
            self.parts.append(f"\n{href}\n")

    def end(self, tag: str) -> None:
        local = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if local in XML_LINE_TAGS:
            self.parts.append("\n")
        elif local in XML_SPACE_TAGS:
            self.parts.append(" ")

    def data(self, data: str) -> None:
        self.parts.append(data)

    def close(self) -> str:
        return "".join(self.parts)


_TAG = re.compile(r"<[^>]*>")


def _file_text(data: bytes) -> str:
    """The text a text file shows: plain text as it is, XML (an office file's parts) or HTML
    by their text nodes (markup that does not parse: its tags dropped)."""
    text = _as_text(data)
    if not text:
        return ""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("<"):
        return text
    from defusedxml.ElementTree import DefusedXMLParser

    try:
        parser = DefusedXMLParser(target=_XmlText())
        parser.feed(data)
        return parser.close()
    except Exception:  # noqa: BLE001  any parser or defusedxml refusal: read the tags away
        return html.unescape(_TAG.sub("\n", stripped))


def _pdf_codes(data: bytes, reading: _Reading, name: str, depth: int = 0) -> list[str]:
    """A PDF (`data`, at nesting `depth`): its text kept (pypdf, every page) with its links
    and annotations (`_pdf_annotations`), every page's pictures decoded (pypdf, native
    resolution: a small code in a large picture), its attached files read as a zip's members
    (`_member_codes`: a reader lists them in its attachments pane), then every page drawn by
    PDFium as a reader sees it (`_page_views`: vector paths, strips, a small code on a
    poster). Refused: unopenable, more than MAX_PDF_PAGES pages, a page or pages too large
    to draw (`_Refused`)."""
    import pypdfium2

    if len(data) > reading.bytes_left:
        raise _Refused(TOO_LARGE)
    reading.bytes_left -= len(data)
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        # PDFium is Chrome's PDF reader; what it cannot open (damaged, or encrypted with a
        # password the page may print next to the link) another reader may repair or open:
        # refused, not passed unread
        logger.warning("compliance: document %s could not be opened: %s", name, exc)
        raise _Refused(UNREADABLE) from exc
    try:
        count = len(document)
        if count > MAX_PDF_PAGES:
            raise _Refused(TOO_MANY_PAGES)
        plans = []
        for index in range(count):
            page = document[index]
            try:
                views = _page_views(*page.get_size())  # points (1/72 inch)
            finally:
                page.close()
            if len(views) > MAX_PAGE_TILES:
                raise _Refused(PAGE_TOO_LARGE)
            plans.append(views)
        reading.views_left -= sum(len(views) for views in plans)
        if reading.views_left < 0:
            raise _Refused(TOO_MUCH_TO_DRAW)
        _pdf_text(data, document, reading, name)
        attached = _pdf_annotations(data, reading, name)
        found = _pdf_picture_codes(data, name)
        if found:
            return found
        for index in range(document.count_attachments()):
            attachment = document.get_attachment(index)
            attached.append((attachment.get_name(), bytes(attachment.get_data())))
        for label, blob in attached:
            if depth + 1 >= MAX_NESTING:
                raise _Refused(NESTED_TOO_DEEP)
            kind = _kind(blob[:SNIFF_BYTES])
            found = _member_codes(kind, len(blob), io.BytesIO(blob).read, reading, depth, label)
            if found:
                return found
        for index, views in enumerate(plans):
            page = document[index]
            try:
                for scale, crop in views:
                    found = _picture_codes(page.render(scale=scale, crop=crop).to_pil())
                    if found:
                        return found
            finally:
                page.close()
    except (OSError, ValueError, pypdfium2.PdfiumError) as exc:
        logger.warning("compliance: document %s could not be drawn for codes: %s", name, exc)
        raise _Refused(UNREADABLE) from exc
    finally:
        document.close()
    return []


def _page_views(width: float, height: float) -> list[tuple[float, tuple[float, ...]]]:
    """How a page of `width` × `height` points is drawn: (scale, crop in points from the
    left, bottom, right and top) for each view. A page that fits MAX_PIXELS at RENDER_DPI is
    drawn whole; a larger one (a poster) in tiles of TILE pixels overlapping by TILE_OVERLAP,
    at RENDER_DPI and at every half of it, then whole at the scale MAX_PIXELS allows: a code
    of any size is wholly inside one view at a scale the decoder reads, as a reader zooms."""
    if width <= 0 or height <= 0:
        return []
    scale = RENDER_DPI / 72
    fit = (MAX_PIXELS / (width * height)) ** 0.5
    views: list[tuple[float, tuple[float, ...]]] = []
    while scale > fit:
        pixels_wide, pixels_high = width * scale, height * scale
        for top in _tile_starts(pixels_high):
            for left in _tile_starts(pixels_wide):
                right, bottom = min(left + TILE, pixels_wide), min(top + TILE, pixels_high)
                crop = (left, pixels_high - bottom, pixels_wide - right, top)
                views.append((scale, tuple(edge / scale for edge in crop)))
                if len(views) > MAX_PAGE_TILES:
                    return views  # refused by the caller: no need to plan the rest
        scale /= 2
    views.append((min(scale, fit), (0, 0, 0, 0)))
    return views


def _tile_starts(length: float) -> list[float]:
    """Where tiles start along `length` pixels (the last one ends at the edge)."""
    if length <= TILE:
        return [0.0]
    step = TILE - TILE_OVERLAP
    count = math.ceil((length - TILE) / step) + 1
    return [min(i * step, length - TILE) for i in range(count)]


# Videos (and sound files, whose cover picture a player shows), by their first bytes
# (`_is_video`): ISO BMFF (MP4, MOV, 3GP, M4A: an `ftyp` box first; a HEIF/AVIF picture PIL
# opens is a picture before this is asked), Matroska/WebM (EBML), AVI, FLV, Ogg, MP3 with an
# ID3 tag (its APIC picture), MPEG program and transport streams (PIL knows the MPEG header,
# `NOT_PICTURES`).
_VIDEO_MAGIC = (
    b"\x1a\x45\xdf\xa3", b"FLV\x01", b"OggS", b"ID3", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3",
)  # fmt: skip


def _is_video(head: bytes) -> bool:
    """A video or sound container by its magic bytes (`_VIDEO_MAGIC`, an MP4's ftyp box, an
    AVI's RIFF header, an MPEG transport stream's sync byte every 188 bytes)."""
    if head[4:8] == b"ftyp" or head.startswith(_VIDEO_MAGIC):
        return True
    if head.startswith(b"RIFF") and head[8:12] in (b"AVI ", b"AVIX"):
        return True
    return len(head) >= 188 * 3 and all(head[i * 188] == 0x47 for i in range(3))


# Frames of a video read for codes (`_video_times`): one a second, and always one a second
# over its last VIDEO_TAIL_SECONDS and its very last frame (a clinic video ends on 「扫码加微信」,
# and a player stays on the last frame); at most MAX_VIDEO_FRAMES, so a longer video is read
# at a coarser rate, not skipped. Each frame is shrunk to VIDEO_SIDE pixels on its longer
# side before decoding. A target more than VIDEO_SEEK_GAP seconds (and more than the
# keyframe gap) past the last frame decoded is reached by seeking rather than by decoding
# every frame between (`_video_frames`); at most MAX_VIDEO_DECODED frames are decoded for one
# file (a long video with keyframes minutes apart), and a frame larger than MAX_VIDEO_PIXELS
# is not decoded: either is refused (`VIDEO_TOO_COSTLY`), not passed.
VIDEO_STEP = 1.0
VIDEO_TAIL_SECONDS = 5
MAX_VIDEO_FRAMES = 120
VIDEO_SIDE = 1280
VIDEO_SEEK_GAP = 3.0
MAX_VIDEO_DECODED = 30_000
MAX_VIDEO_PIXELS = 7680 * 4320
MAX_VIDEO_STREAMS = 4


def _video_times(duration: float) -> list[float]:
    """When (seconds from the start) a video of `duration` seconds is looked at: every
    VIDEO_STEP seconds (coarser for a long one, so at most MAX_VIDEO_FRAMES in all), then
    every second over the last VIDEO_TAIL_SECONDS."""
    tail_start = max(0.0, duration - VIDEO_TAIL_SECONDS)
    tail = [tail_start + i for i in range(math.ceil(duration - tail_start) or 1)]
    room = MAX_VIDEO_FRAMES - len(tail)
    step = max(VIDEO_STEP, tail_start / room)
    body = [i * step for i in range(math.ceil(tail_start / step))]
    return body + tail


class _VideoBudget:
    """Frames decoded so far for one video file (`MAX_VIDEO_DECODED`)."""

    def __init__(self) -> None:
        self.decoded = 0

    def count(self) -> None:
        self.decoded += 1
        if self.decoded > MAX_VIDEO_DECODED:
            raise _Refused(VIDEO_TOO_COSTLY)


def _video_codes(source, name: str, reading: _Reading | None = None) -> list[str]:
    """Codes a video or sound file shows (`source`: a binary file object, read by PyAV, i.e.
    FFmpeg): the frames `_video_times` names of every video stream (up to MAX_VIDEO_STREAMS;
    a sound file's cover picture is one), each shrunk to VIDEO_SIDE and decoded as a picture
    (`_picture_codes`). A file FFmpeg cannot open or decode is refused (`VIDEO_UNREADABLE`),
    as a damaged PDF is: a player may still show it. With `reading` (a video linked or played
    itself), the words its frames show when it holds no code are kept there (`_video_words`)."""
    import av

    budget = _VideoBudget()
    shown = _ShownFrames()
    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            streams = list(container.streams.video)[:MAX_VIDEO_STREAMS]
            for stream in streams:
                if stream.codec_context.width * stream.codec_context.height > MAX_VIDEO_PIXELS:
                    raise _Refused(VIDEO_TOO_COSTLY)
                for frame in _video_frames(container, stream, budget):
                    picture = _video_picture(frame)
                    found = _picture_codes(picture)
                    if found:
                        return found
                    if reading is not None:
                        shown.keep(picture, frame.time)
    except _Refused:
        raise
    except (av.FFmpegError, OSError, ValueError, EOFError, MemoryError) as exc:
        logger.warning("compliance: video %s could not be read for codes: %s", name, exc)
        raise _Refused(VIDEO_UNREADABLE) from exc
    if reading is not None and shown.frames():
        _video_words(shown, reading)
    return []


# The words of a video's frames (round 12: 「咨询电话 0755-…」 on its last frame): of the frames
# looked at for codes, those that differ from the one looked at before (`ocr._same_frame`):
# the first VIDEO_HEAD_FRAMES of them and the last VIDEO_TEXT_FRAMES (a clinic video ends on
# its contact, the very last frame is always one; round 13: a video opening on its contact
# and then showing eight other scenes was read only at its end), read as pictures are
# (`ocr.frames_text`, each cached by its pixels). The distinct frames between, past the
# bound, are named in a warning the editor and the reviewer see (`ocr.unread_note`): a
# talking-head video differs at every sampled second, so refusing them would refuse lawful
# videos.
VIDEO_HEAD_FRAMES = 8
VIDEO_TEXT_FRAMES = 8


class _ShownFrames:
    """The distinct frames of a video kept for reading words: the first VIDEO_HEAD_FRAMES,
    the last VIDEO_TEXT_FRAMES, and the times (seconds) of those dropped between."""

    def __init__(self) -> None:
        self.head: list = []
        self.tail: collections.deque = collections.deque()
        self.dropped: list[float] = []

    def keep(self, picture: Image.Image, at) -> None:
        """Keep `picture` (shown at `at` seconds) unless it looks like the frame kept last (then
        it replaces it: the later of a still scene is kept, so the very last frame always
        is) or shows nothing (no contrast)."""
        signature = ocr._frame_signature(picture)
        if signature is None:
            return
        kept = self.tail or self.head
        if kept and ocr._same_frame(signature, kept[-1][0]):
            kept[-1] = (signature, picture, at)
            return
        if len(self.head) < VIDEO_HEAD_FRAMES:
            self.head.append((signature, picture, at))
            return
        self.tail.append((signature, picture, at))
        if len(self.tail) > VIDEO_TEXT_FRAMES:
            self.dropped.append(float(self.tail.popleft()[2] or 0.0))

    def frames(self) -> list[Image.Image]:
        """The frames to read: the last first, then the first ones."""
        return [picture for _, picture, _ in [*reversed(self.tail), *self.head]]


def _video_words(shown: _ShownFrames, reading: _Reading) -> None:
    """The words of the frames `shown` keeps (last first), kept in `reading`, and a note of the
    distinct frames not read (`ocr.unread_note`); a problem reading them (no engine, a
    timeout) refuses the video."""
    frames = shown.frames()
    read = ocr.frames_text(frames, limit=len(frames))
    if read.problem:
        raise _Refused(read.problem)
    reading.add_text(read.text)
    if shown.dropped:
        first, last = min(shown.dropped), max(shown.dropped)
        reading.add_text(
            ocr.unread_note(
                f"视频约第 {first:.0f}–{last:.0f} 秒的 {len(shown.dropped)} 个不同画面未识别文字"
                f"（只识别开头 {VIDEO_HEAD_FRAMES} 个和结尾 {VIDEO_TEXT_FRAMES} 个不同画面）"
            )
        )


def _video_picture(frame) -> Image.Image:
    """A decoded video frame as an RGB picture at most VIDEO_SIDE pixels on its longer side."""
    width, height = frame.width, frame.height
    if width * height > MAX_VIDEO_PIXELS:
        raise _Refused(VIDEO_TOO_COSTLY)
    scale = min(1.0, VIDEO_SIDE / max(width, height, 1))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return frame.reformat(width=size[0], height=size[1], format="rgb24").to_image()


def _video_duration(container, stream) -> tuple[float, float]:
    """(start, duration) of a video stream in seconds: from its header, else from the
    container's, else by reading the timestamps of all its packets (a WebM a browser
    recorded has none in its header)."""
    base = stream.time_base
    start = float(stream.start_time * base) if stream.start_time is not None else 0.0
    if stream.duration:
        return start, float(stream.duration * base)
    if container.duration:
        return start, container.duration / 1_000_000
    last = start
    for packet in container.demux(stream):
        if packet.pts is not None:
            last = max(last, float((packet.pts + (packet.duration or 0)) * base))
    container.seek(0)
    return start, last - start


def _video_frames(container, stream, budget: _VideoBudget):
    """The frames of `stream` shown at the `_video_times` of its duration (the first frame
    at or after each, or within half the gap to the one before), then its last frame. A
    target is reached by seeking only when it lies further ahead than VIDEO_SEEK_GAP and
    than the longest gap between keyframes seen so far: a seek lands on the keyframe before
    its target, so with keyframes far apart decoding on is cheaper than seeking back."""
    if stream.disposition & _av_disposition("attached_pic"):
        # a cover picture: one frame, whatever the stream's duration says
        for frame in container.decode(stream):
            budget.count()
            yield frame
            return
        return
    stream.thread_type = "AUTO"
    start, duration = _video_duration(container, stream)
    times = _video_times(max(duration, 0.0))
    position = previous = key_at = None
    keyframe_gap, landed = 0.0, False
    frames = container.decode(stream)
    last = None
    for index, target in enumerate(times):
        slack = (target - times[index - 1]) / 2 if index else 0.0
        target += start
        if position is None or target - position > max(VIDEO_SEEK_GAP, keyframe_gap):
            offset = int(max(target - start, 0) / stream.time_base) + (stream.start_time or 0)
            container.seek(offset, stream=stream, backward=True, any_frame=False)
            frames = container.decode(stream)
            key_at = None  # the keyframe gap is measured between keyframes decoded in a row
            landed = True
        for frame in frames:
            budget.count()
            last = frame
            position = frame.time if frame.time is not None else (position or start)
            if landed:
                # the keyframe a seek lands on is this far before its target: seeking again
                # over a shorter distance would decode the same frames again
                keyframe_gap = max(keyframe_gap, target - position)
                landed = False
            if frame.key_frame:
                if key_at is not None:
                    keyframe_gap = max(keyframe_gap, position - key_at)
                key_at = position
            if position >= target - slack and (previous is None or position > previous):
                previous = position
                yield frame
                break
        else:
            break  # the end: no frame at or after the target
    if last is not None:
        for frame in frames:
            budget.count()
            last = frame
        yield last


def _av_disposition(name: str) -> int:
    """The value of FFmpeg's stream disposition flag `name` (PyAV's `Disposition`)."""
    import av

    return int(getattr(av.stream.Disposition, name))


def _pdf_text(data: bytes, document, reading: _Reading, name: str) -> None:
    """The text of every page (pypdf's `extract_text`; PDFium's text for a page pypdf cannot
    read), kept in `reading`."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        pages = list(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, OSError, ValueError, KeyError, NotImplementedError) as exc:
        logger.warning("compliance: document %s text could not be read: %s", name, exc)
        pages = []
    for index in range(len(document)):
        try:
            text = pages[index].extract_text() if index < len(pages) else None
        except Exception as exc:  # noqa: BLE001  pypdf fails in many ways on odd files
            logger.warning("compliance: document %s page %d text: %s", name, index + 1, exc)
            text = None
        if text is None:
            page = document[index]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
            finally:
                page.close()
        reading.add_text(text)


# Actions chained by /Next, followed at most this deep (a loop is no link a reader opens).
MAX_PDF_ACTIONS = 20


def _pdf_annotations(data: bytes, reading: _Reading, name: str) -> list[tuple[str, bytes]]:
    """What a PDF shows or opens beyond its page text (pypdf's `extract_text` leaves it out),
    kept as lines of the file's text: the web address of every URI action (a /Link
    annotation, the document's /OpenAction, additional actions /AA) and the contents of every
    annotation (a FreeText note, a sticky note). Returns the files attached to file
    attachment annotations (name, bytes); those of the document's /EmbeddedFiles are listed
    by PDFium. A PDF pypdf cannot parse keeps its page text (PDFium) and is drawn as ever."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    attached: list[tuple[str, bytes]] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        root = reader.trailer["/Root"].get_object()
        _action_links(root.get("/OpenAction"), reading)
        _action_links(root.get("/AA"), reading)
        for page in reader.pages:
            _action_links(page.get("/AA"), reading)
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                _action_links(annotation.get("/A"), reading)
                _action_links(annotation.get("/AA"), reading)
                contents = annotation.get("/Contents")
                if isinstance(contents, str):
                    reading.add_text(contents)
                spec = annotation.get("/FS")
                embedded = spec.get_object().get("/EF") if spec is not None else None
                if embedded is not None:
                    stream = embedded.get_object().get("/F")
                    if stream is not None:
                        attached.append((f"{name}:attachment", stream.get_object().get_data()))
    except _Refused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, AttributeError, TypeError,
            NotImplementedError) as exc:  # fmt: skip
        logger.warning("compliance: document %s annotations could not be read: %s", name, exc)
    return attached


def _action_links(action, reading: _Reading) -> None:
    """The web addresses a PDF action opens (a URI action, the actions chained after it by
    /Next, each action of an /AA dictionary), kept as lines of the file's text."""
    from pypdf.generic import ArrayObject, DictionaryObject

    pending, seen = [action], 0
    while pending and seen < MAX_PDF_ACTIONS:
        current = pending.pop()
        current = current.get_object() if current is not None else None
        if isinstance(current, ArrayObject):
            pending.extend(current)
            continue
        if not isinstance(current, DictionaryObject):
            continue
        seen += 1
        uri = current.get("/URI")
        if uri is not None and isinstance(uri.get_object(), (str, bytes)):
            value = uri.get_object()
            reading.add_text(value.decode("latin-1") if isinstance(value, bytes) else value)
        if "/S" not in current and "/Type" not in current:
            pending.extend(current.values())  # an /AA dictionary: its actions
        elif current.get("/Next") is not None:
            pending.append(current["/Next"])


def _pdf_picture_codes(data: bytes, name: str) -> list[str]:
    """Codes in the pictures of a PDF's pages (at most MAX_PDF_PICTURES pictures)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    pictures = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        for page in reader.pages:
            for picture in page.images:
                pictures += 1
                if pictures > MAX_PDF_PICTURES:
                    return []  # the pages are drawn next, every one of them
                found = _picture_codes(picture.image)
                if found:
                    return found
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError,
            PyPdfError, NotImplementedError, KeyError) as exc:  # fmt: skip
        # a picture filter pypdf cannot decode (JBIG2 …): logged, the pages are drawn next
        logger.warning("compliance: document %s pictures could not be read: %s", name, exc)
    return []


# Parts of an office file that hold no text a reader is shown (relationships, themes, fonts,
# settings, properties): not read for text. Everything else is (document, headers, footers,
# notes, comments, slides and their masters, shared strings, charts, ODF content and styles).
OFFICE_NO_TEXT = re.compile(
    r"(^|/)(\[Content_Types\]\.xml|_rels/.*|[^/]*\.rels|theme/.*|fontTable\.xml|settings\.xml"
    r"|webSettings\.xml|docProps/.*|META-INF/.*|mimetype|manifest\.rdf)$",
    re.IGNORECASE,
)


# Office relationship parts: the external targets they name (a DOCX hyperlink's web address)
# are kept as lines of the file's text, for the caller reads a link a reader can click.
_RELS = re.compile(r"(^|/)_rels/[^/]*\.rels$", re.IGNORECASE)


def _zip_codes(source, reading: _Reading, depth: int) -> list[str]:
    """A zip (a .zip download, an office file) at nesting `depth`: every member read by its
    content, whatever its name (`_member_codes`): pictures decoded, text kept, PDFs, zips and
    tars inside read in turn up to MAX_NESTING, an office file's external link targets kept
    (`_rels_links`). An office file's SVG pictures come with a PNG copy (Office writes both),
    which is read; an SVG in any other zip is refused."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            office = any(m.filename in OFFICE_MARKERS for m in members)
            for member in members:
                if member.is_dir() or member.file_size == 0:
                    continue
                if office and _RELS.search(member.filename):
                    with archive.open(member) as packed:
                        _rels_links(packed.read(reading.bytes_left + 1), reading)
                    continue
                if office and OFFICE_NO_TEXT.search(member.filename):
                    continue
                with archive.open(member) as packed:
                    kind = _kind(packed.read(SNIFF_BYTES))
                with archive.open(member) as packed:
                    found = _member_codes(
                        kind, member.file_size, packed.read, reading, depth, member.filename,
                        office=office,
                    )  # fmt: skip
                if found:
                    return found
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError, ValueError,
            NotImplementedError, EOFError, zlib.error) as exc:  # fmt: skip
        # damaged, or encrypted (RuntimeError: a password is required)
        logger.warning("compliance: zip %s could not be read for codes: %s", reading.name, exc)
        raise _Refused(UNREADABLE) from exc
    return []


def _tar_codes(data: bytes, reading: _Reading, depth: int) -> list[str]:
    """A tar (unpacked already when it came gzipped: `_unpacked_codes`) at nesting `depth`:
    every regular file read by its content as a zip's members are (`_member_codes`); links
    and devices name no content of their own."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            for member in archive:
                if not member.isfile() or member.size == 0:
                    continue
                packed = archive.extractfile(member)
                if packed is None:
                    continue
                kind = _kind(packed.read(SNIFF_BYTES))
                packed.seek(0)
                found = _member_codes(kind, member.size, packed.read, reading, depth, member.name)
                if found:
                    return found
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        logger.warning("compliance: tar in %s could not be read for codes: %s", reading.name, exc)
        raise _Refused(UNREADABLE) from exc
    return []


def _member_codes(
    kind: str, size: int, read, reading: _Reading, depth: int, name: str, *, office: bool = False
) -> list[str]:
    """A file inside a container at nesting `depth` (a zip's or tar's member, a PDF's
    attachment, the content of a gzip), `size` bytes unpacked, `read(n)` its bytes.

    Fail closed on what may show a code: an archive nothing here opens ("container": 7z, RAR
    …) is refused, as is an SVG outside an office file, a picture past the bounds, a zip or tar
    at MAX_NESTING. A video (a PPTX's clip) is read as a linked one is (`_video_codes`). A
    file of no kind we know (`_kind` ""; a font, an office file's .bin) is skipped: no reader
    shows it as a picture, and refusing it would refuse every DOCX that embeds a font."""
    if not kind:
        return []
    if kind == "svg":
        if office:
            return []
        raise _Refused(SVG_REFUSED)
    if kind == "container":
        raise _Refused(ARCHIVE_UNREADABLE)
    if kind == "picture":
        reading.pictures_left -= 1
        if reading.pictures_left < 0 or size > MAX_ZIP_PICTURE_BYTES:
            raise _Refused(TOO_MANY_PICTURES)
    if kind in CONTAINERS and depth + 1 >= MAX_NESTING:
        raise _Refused(NESTED_TOO_DEEP)
    limit = MAX_ZIP_PICTURE_BYTES if kind == "picture" else reading.bytes_left
    data = read(limit + 1)
    if len(data) > limit:
        raise _Refused(TOO_MANY_PICTURES if kind == "picture" else TOO_LARGE)
    return _inner_codes(data, kind, reading, depth + 1, name)


# How a stream compressed whole is opened (`COMPRESSED_MAGIC`).
_OPENERS = {
    "gzip": lambda source: gzip.GzipFile(fileobj=source),
    "bzip2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
}


def _unpacked_codes(data: bytes, kind: str, reading: _Reading, depth: int, name: str) -> list[str]:
    """A gzip, bzip2 or xz stream at `depth`: unpacked within the bytes left (a bomb is
    refused, not unpacked) and read as the file it holds, at the same depth (a .tar.gz is one
    archive); a compressed stream inside it is refused as nested too deep."""
    try:
        with _OPENERS[kind](io.BytesIO(data)) as stream:
            inner = stream.read(reading.bytes_left + 1)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error) as exc:
        logger.warning("compliance: %s in %s could not be unpacked: %s", kind, reading.name, exc)
        raise _Refused(UNREADABLE) from exc
    if len(inner) > reading.bytes_left:
        raise _Refused(TOO_LARGE)
    reading.bytes_left -= len(inner)
    inner_kind = _kind(inner[:SNIFF_BYTES])
    if inner_kind in _OPENERS:
        raise _Refused(NESTED_TOO_DEEP)
    return _member_codes(inner_kind, len(inner), io.BytesIO(inner).read, reading, depth - 1, name)


def _rels_links(data: bytes, reading: _Reading) -> None:
    """The external targets of an office relationships part (a hyperlink's web address, a
    linked picture), kept as lines of the file's text."""
    from defusedxml.ElementTree import fromstring

    if len(data) > reading.bytes_left:
        raise _Refused(TOO_LARGE)
    reading.bytes_left -= len(data)
    try:
        root = fromstring(data)
    except Exception:  # noqa: BLE001  a part that does not parse names no link Word follows
        return
    for element in root.iter():
        if element.get("TargetMode", "").lower() == "external" and element.get("Target"):
            reading.add_text(element.get("Target"))


def _inner_codes(data: bytes, kind: str, reading: _Reading, depth: int, name: str) -> list[str]:
    """Codes in a file found inside the linked file (`kind` by `_kind`), its text kept."""
    if kind == "container":
        raise _Refused(ARCHIVE_UNREADABLE)
    if kind == "pdf":
        return _pdf_codes(data, reading, f"{reading.name}:{name}", depth)
    if kind == "zip":
        return _zip_codes(io.BytesIO(data), reading, depth)
    if kind == "tar":
        return _tar_codes(data, reading, depth)
    if kind in _OPENERS:
        return _unpacked_codes(data, kind, reading, depth, name)
    if kind == "text":
        if len(data) > reading.bytes_left:
            raise _Refused(TOO_LARGE)
        reading.bytes_left -= len(data)
        reading.add_text(_file_text(data))
        return _embedded_codes(data, reading, depth, name)
    if kind == "svg":
        raise _Refused(SVG_REFUSED)
    if kind == "video":
        if len(data) > reading.bytes_left:
            raise _Refused(TOO_LARGE)
        reading.bytes_left -= len(data)
        return _video_codes(io.BytesIO(data), f"{reading.name}:{name}")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return _picture_file_codes(picture)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError,
            EOFError, SyntaxError):  # fmt: skip
        return []  # a picture no viewer shows either


# Pictures and links a text file carries inside itself (round 10, third verification F2, F3):
# HTML/CSS data URIs, RTF \pict groups (hex), MIME parts (MHTML, .eml) and the addresses an
# HTML file links, shows or jumps to (href, src, a meta refresh). A reader's program shows
# the pictures and follows the links, so they are read like a zip's members and text.
# A data URI (RFC 2397, as the WHATWG Fetch Standard's data: URL processor reads it):
# `data:[<media type>][;<parameter>]*[;base64],<data>`, the media type optional, and any
# parameters (charset=utf-8 …) before ;base64; <data> percent-decoded, then base64-decoded
# when the last parameter is base64. Browsers show a picture whatever media type it claims
# (they sniff it), so every data URI is read by its content (`_kind`). It ends where its
# quote, CSS url( or unquoted attribute ends (`_data_uri_end`).
_DATA_URI = re.compile(rb"""(["'(]?)\s*(?<![\w.+-])data:([^,"'<>()\s]*),""", re.I)
_RTF_PICT = re.compile(rb"\\pict\b(?:[^{}]|\{[^{}]*\})*?\s((?:[0-9a-fA-F]{2}\s*){32,})\}")
_MIME = re.compile(rb"^(?:[\w-]+:[^\n]*\n)*?(?:MIME-Version|Content-Type):", re.I)
_HTML_LINK = re.compile(
    rb"""(?:href|src|action|data)\s*=\s*["']?([^"'\s>]+)"""
    rb"""|http-equiv\s*=\s*["']?refresh["']?[^>]*?url\s*=\s*([^"'>\s;]+)""",
    re.I,
)
MAX_EMBEDDED = 120


def _embedded_codes(data: bytes, reading: _Reading, depth: int, name: str) -> list[str]:
    """Codes in the pictures a text file embeds (data URIs, RTF pictures, MIME parts), each
    read as a file inside it; the addresses an HTML file links are kept as its text. A MIME
    message is read part by part. Raises _Refused past the shared bounds."""
    import binascii

    found: list[str] = []
    embedded: list[bytes] = []
    if _MIME.match(data[:SNIFF_BYTES]):
        import email
        from email import policy

        message = email.message_from_bytes(data, policy=policy.default)
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_content_maintype() == "text":
                reading.add_text(_file_text(payload))
                found.extend(_embedded_codes(payload, reading, depth, name))
            elif payload:
                embedded.append(payload)
    for match in _DATA_URI.finditer(data):
        carried = _data_uri_bytes(data, match)
        if carried:  # `data:,` carries nothing
            embedded.append(carried)
    for match in _RTF_PICT.finditer(data):
        try:
            embedded.append(binascii.unhexlify(re.sub(rb"\s+", b"", match.group(1))))
        except (binascii.Error, ValueError):
            raise _Refused(UNREADABLE) from None
    if len(embedded) > MAX_EMBEDDED:
        raise _Refused(TOO_MANY_PICTURES)
    links = [m.group(1) or m.group(2) for m in _HTML_LINK.finditer(data)]
    if links:
        reading.add_text("\n".join(link.decode("utf-8", "replace") for link in links[:200]))
    for index, inner in enumerate(embedded):
        if len(inner) > reading.bytes_left:
            raise _Refused(TOO_LARGE)
        reading.bytes_left -= len(inner)
        found.extend(
            _inner_codes(inner, _kind(inner[:SNIFF_BYTES]), reading, depth, f"{name}#{index}")
        )
        if found:
            return found
    return found


def _data_uri_end(data: bytes, start: int, opener: bytes) -> int:
    """Where a data URI's data starting at `start` ends: at the closing quote of a quoted
    attribute or CSS string, at `)` in an unquoted CSS url(, else at whitespace or `>` (an
    unquoted attribute) or a quote."""
    if opener in (b'"', b"'"):
        stops = re.compile(re.escape(opener))
    elif opener == b"(":
        stops = re.compile(rb"""[)"']""")
    else:
        stops = re.compile(rb"""[\s>"']""")
    found = stops.search(data, start)
    return found.start() if found else len(data)


def _data_uri_bytes(data: bytes, match: re.Match) -> bytes:
    """The bytes a data URI (`_DATA_URI`) carries: percent-decoded, then base64-decoded
    (forgiving: ASCII whitespace dropped, padding optional) when its last parameter is
    `base64`. A base64 body that does not decode is refused (`UNREADABLE`), not passed."""
    import base64
    import binascii
    from urllib.parse import unquote_to_bytes

    opener, header = match.group(1), match.group(2)
    body = data[match.end() : _data_uri_end(data, match.end(), opener)]
    decoded = unquote_to_bytes(body)
    last = header.rsplit(b";", 1)[-1].strip().lower() if b";" in header else b""
    if last != b"base64":
        return decoded
    decoded = re.sub(rb"[\t\n\f\r ]+", b"", decoded).rstrip(b"=")
    if len(decoded) % 4 == 1 or not re.fullmatch(rb"[A-Za-z0-9+/]*", decoded):
        raise _Refused(UNREADABLE)
    try:
        return base64.b64decode(decoded + b"=" * (-len(decoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _Refused(UNREADABLE) from None


# Files that make a zip an office document: OOXML (DOCX/PPTX/XLSX) and ODF.
OFFICE_MARKERS = frozenset({"[Content_Types].xml", "mimetype"})


class OwnFile(NamedTuple):
    """A file this site serves at a URL (`own_file`): its storage name ("" when there is
    none), the Wagtail document's id when the URL is a document's (/documents/<id>/<name>),
    and `MISSING_FILE` when the URL is a path of ours that names no file."""

    name: str = ""
    document_id: int | None = None
    problem: str = ""


def own_file(href: str) -> OwnFile:
    """The file of ours at `href` (a Wagtail document under /documents/<id>/<name>, or a file
    under MEDIA_URL; relative or on one of the site's host names). A document path whose id
    names no document, or whose name is not that document's file name (Wagtail's serve view
    answers 404 until a file of that name is uploaded: `wagtail.documents.views.serve`), is
    `MISSING_FILE`; OwnFile() for a URL that is no file of ours."""
    from cms.links import normalized_path, own_hosts, resolve_own_path

    parts = urlsplit((href or "").strip())
    try:
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return OwnFile()
    if parts.scheme.lower() not in ("", "http", "https") or (host and host not in own_hosts()):
        return OwnFile()
    if parts.netloc and not host:
        return OwnFile()
    path = normalized_path(parts.path, fold_case=False)
    if path.startswith(urlsplit(settings.MEDIA_URL).path):
        return OwnFile(_media_name(path))
    match = resolve_own_path(path)
    if match is None or match.url_name != "wagtaildocs_serve" or not match.args:
        return OwnFile()
    from wagtail.documents import get_document_model

    document_id = int(match.args[0][:18])  # a longer id names no row (and overflows SQLite)
    document = (
        get_document_model().objects.filter(pk=document_id).first()
        if len(match.args[0]) <= 18
        else None
    )
    if document is None or not document.file or document.filename != match.args[1]:
        # not uploaded yet (ids are handed out in order: the next one is easy to guess), or
        # another name: an upload there later would be live on the page unchecked
        return OwnFile("", document_id, MISSING_FILE)
    return OwnFile(document.file.name, document_id)


def _document_name(href: str) -> str:
    """The storage name of a document this site serves at `href` (`own_file`), "" for
    anything else."""
    return own_file(href).name


def _scan_file(name: str) -> Scan:
    """What the stored file `name` shows, by its content whatever its name (`_kind`): a PDF,
    a zip (office files, a .zip download, and the files inside them), an SVG (refused: no
    rasteriser here), any picture PIL opens (every frame), a video (`_video_codes`), text;
    anything else holds nothing we read. Its text is kept for the text rules (`Scan.text`)."""
    reading = _Reading(name)
    try:
        with default_storage.open(name, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
            handle.seek(0)
            kind = _kind(head)
            if kind == "zip":
                codes = _zip_codes(handle, reading, 0)
            elif kind == "svg":
                raise _Refused(SVG_REFUSED)
            elif kind == "picture":
                try:
                    with Image.open(handle) as picture:
                        codes, problem, text = _picture_file_scan(picture)
                except (UnidentifiedImageError, Image.DecompressionBombError, ValueError,
                        EOFError, SyntaxError):  # fmt: skip
                    codes, problem, text = [], "", ""
                if problem:
                    raise _Refused(problem)
                reading.add_text(text)
            elif kind == "video":
                codes = _video_codes(handle, name, reading)
            elif kind:
                if default_storage.size(name) > MAX_DOCUMENT_BYTES:
                    raise _Refused(TOO_LARGE)
                codes = _inner_codes(handle.read(), kind, reading, 0, name)
            else:
                codes = []
    except _Refused as refused:
        return Scan([], refused.problem)
    except OSError as exc:
        # gone or unreadable: refused, not passed (fourth verification, F1)
        logger.warning("compliance: document %s could not be read for codes: %s", name, exc)
        return Scan([], MISSING_FILE)
    return Scan(codes, "", "" if codes else reading.text())


def document_scan(href: str) -> Scan:
    """The codes in the file a link points to (one of our documents or media files,
    `own_file`: a PDF's pages, an office file's or a zip's members and the files in them, a
    picture), why it could not be read to the end (`Scan.problem`: too many pages, too
    large, nested too deep, damaged or encrypted, an SVG, `MISSING_FILE` for a path of ours
    with no file), and the text it shows (`Scan.text`); an empty Scan for a link elsewhere
    or a file that shows nothing we read."""
    name, _, problem = own_file(href)
    if problem:
        return Scan([], problem)
    if not name:
        return Scan([])
    return _cached_scan("cms:document-scan:v9:", name, _scan_file)


def document_codes(href: str) -> list[str]:
    """The texts of the matrix codes in the file a link points to (`document_scan`)."""
    return document_scan(href).codes
