"""Codes inside the pictures a page shows: a 科普 page may not show a QR code that adds the
clinic's WeChat or opens a consultation (《广告法》第十九条; `cms.compliance.rendered`), and an
editor's upload is rarely named 「二维码」. The picture the page serves is decoded with zxing-cpp
(the maintained C++ port of ZXing; its Python binding reads QR, Micro QR, rMQR, Data Matrix and
Aztec codes from a PIL image), so a code is found by what it is, whatever the file is called.

A file the page links to (a Wagtail document, /documents/<id>/<name>, or a file under MEDIA_URL)
is read by its content, whatever its name (`document_scan`):

- a PDF: the pictures on its pages go through the same decoder (pypdf extracts them), so a
  「资料下载」 with the WeCom code on its last page is found (review of issue 17, round 2, M5);
  then every page is drawn as a reader sees it (PDFium, through pypdfium2) and read again: a
  code drawn as vector paths, or cut into strips that are each no code, is one once drawn
  (round 10). Up to MAX_PDF_PAGES pages, every one; a longer PDF, or one PDFium cannot open
  (damaged, or encrypted: its password may be printed next to the link), is refused rather
  than passed unread (`Scan.problem`);
- a zip (a .zip download, DOCX/PPTX/XLSX, ODF): the pictures it holds, bounded in count and
  size;
- a picture (PNG, JPEG, GIF, WebP …; every frame of an animation, longest shown first);
- an SVG: refused, since nothing here draws one (PIL cannot) and a code in it would pass.

Only our own media are read (a path under MEDIA_URL, through the default storage): the gate never
fetches a URL a page names. Results are cached by file name (Wagtail never rewrites an image or
rendition file under the same name)."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

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
# Pictures read in a zip (a .zip download; DOCX/PPTX/XLSX keep theirs under word/media,
# ppt/media, xl/media, ODF files under Pictures/): at most this many, each at most this size
# unpacked (a zip bomb is refused, not unpacked).
MAX_ZIP_PICTURES = 120
MAX_ZIP_PICTURE_BYTES = 20 * 1024 * 1024
ZIP_PICTURE_EXTENSIONS = (
    ".png", ".jpg", ".jpeg", ".jfif", ".gif", ".bmp", ".tif", ".tiff", ".webp",
)  # fmt: skip
# Frames of an animated picture (GIF, WebP, APNG) read, those shown longest first: a code
# shown for one frame of a hundred is still on screen long enough when that frame lingers.
MAX_FRAMES = 30

# Why a linked file cannot be checked (the finding's text, fail closed): the gate cannot say
# it holds no code.
TOO_MANY_PAGES = f"文档页数过多（超过 {MAX_PDF_PAGES} 页），无法检查是否含二维码"
UNREADABLE = "文档无法打开（损坏或加密），无法检查是否含二维码"
TOO_LARGE = "文档过大，无法检查是否含二维码"
TOO_MANY_PICTURES = f"文档中的图片过多或过大（超过 {MAX_ZIP_PICTURES} 张），无法检查是否含二维码"
SVG_REFUSED = "SVG 文件无法检查是否含二维码（请改用 PNG 或 JPEG 图片）"


class Scan(NamedTuple):
    """What a linked file shows: the texts of the codes found, and why it could not be read
    to the end ("" when it was)."""

    codes: list[str]
    problem: str = ""


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


def _picture_codes(picture: Image.Image) -> list[str]:
    import zxingcpp

    formats = [getattr(zxingcpp.BarcodeFormat, f) for f in CODE_FORMATS]
    if picture.width * picture.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (picture.width * picture.height)) ** 0.5
        size = (max(1, int(picture.width * scale)), max(1, int(picture.height * scale)))
        picture.draft("RGB", size)  # JPEGs decode small at once
        picture = picture.resize(size)
    results = []
    for flat in _flattened(picture):
        results = zxingcpp.read_barcodes(flat, formats=formats)
        if results:
            break
    return [r.text for r in results if r.valid]


def _decode(name: str) -> Scan:
    try:
        with default_storage.open(name, "rb") as handle:
            if _is_svg(handle.read(1024)):
                # PIL cannot draw an SVG and nothing here rasterises one: a code in it would
                # pass unseen, so it is refused (Wagtail takes no SVG upload by default)
                return Scan([], SVG_REFUSED)
            handle.seek(0)
            with Image.open(handle) as picture:
                return Scan(_picture_file_codes(picture))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("compliance: picture %s could not be read for codes: %s", name, exc)
        return Scan([])


def image_scan(src: str) -> Scan:
    """The matrix codes (QR …) in the picture at `src`, one of our media files (every frame
    of an animation, longest shown first), and why it cannot be read ("" or `SVG_REFUSED`);
    an empty Scan for a picture that is not ours or cannot be read."""
    name = _media_name(src)
    if not name:
        return Scan([])
    key = "cms:image-scan:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = tuple(_decode(name))
        cache.set(key, found, CACHE_SECONDS)
    codes, problem = found
    return Scan(list(codes), problem)


def image_codes(src: str) -> list[str]:
    """The texts of the matrix codes in the picture at `src` (`image_scan`); [] for none,
    for a picture that is not ours or cannot be read."""
    return image_scan(src).codes


# Pages are drawn at this resolution: 150 dpi draws a 2 cm code at about 120 pixels, which
# the decoder reads; a page larger than MAX_PIXELS is drawn smaller.
RENDER_DPI = 150


def _frames(picture: Image.Image) -> list[Image.Image]:
    """The frames of `picture` a reader sees longest (all of a still picture: one)."""
    count = getattr(picture, "n_frames", 1)
    if count <= 1:
        return [picture]
    shown = []
    for index in range(count):
        picture.seek(index)
        shown.append((-int(picture.info.get("duration") or 0), index))
    frames = []
    for _, index in sorted(shown)[:MAX_FRAMES]:
        picture.seek(index)
        frames.append(picture.convert("RGBA"))
    return frames


def _picture_file_codes(picture: Image.Image) -> list[str]:
    """Codes in an opened picture file, every frame an animation shows (`_frames`)."""
    for frame in _frames(picture):
        found = _picture_codes(frame)
        if found:
            return found
    return []


def _is_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in text


def _pdf_scan(data: bytes, name: str) -> Scan:
    """A PDF (`data`): every page's pictures (pypdf, native resolution: a small code in a large
    picture), then every page drawn by PDFium as a reader sees it (vector paths, strips)."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        # PDFium is Chrome's PDF reader; what it cannot open (damaged, or encrypted with a
        # password the page may print next to the link) another reader may repair or open:
        # refused, not passed unread
        logger.warning("compliance: document %s could not be opened: %s", name, exc)
        return Scan([], UNREADABLE)
    try:
        count = len(document)
        if count > MAX_PDF_PAGES:
            return Scan([], TOO_MANY_PAGES)
        found = _pdf_picture_codes(data, name)
        if found:
            return Scan(found)
        for index in range(count):
            page = document[index]
            try:
                width, height = page.get_size()  # points (1/72 inch)
                scale = RENDER_DPI / 72
                if width * height * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (width * height)) ** 0.5
                found = _picture_codes(page.render(scale=scale).to_pil())
            finally:
                page.close()
            if found:
                return Scan(found)
    except (OSError, ValueError, pypdfium2.PdfiumError) as exc:
        logger.warning("compliance: document %s could not be drawn for codes: %s", name, exc)
        return Scan([], UNREADABLE)
    finally:
        document.close()
    return Scan([])


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


def _zip_scan(handle, name: str) -> Scan:
    """A zip (a .zip download, an office file): the pictures it holds, decoded. An office
    file's SVG pictures come with a PNG copy (Office writes both), which is read; an SVG in
    any other zip is refused like an SVG document."""
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            office = any(m.filename in OFFICE_MARKERS for m in members)
            pictures = 0
            for member in members:
                lower = member.filename.lower()
                if member.is_dir():
                    continue
                if lower.endswith((".svg", ".svgz")) and not office:
                    return Scan([], SVG_REFUSED)
                if not lower.endswith(ZIP_PICTURE_EXTENSIONS):
                    continue
                pictures += 1
                if pictures > MAX_ZIP_PICTURES or member.file_size > MAX_ZIP_PICTURE_BYTES:
                    return Scan([], TOO_MANY_PICTURES)
                with archive.open(member) as packed:
                    data = packed.read(MAX_ZIP_PICTURE_BYTES + 1)
                if len(data) > MAX_ZIP_PICTURE_BYTES:
                    return Scan([], TOO_MANY_PICTURES)
                try:
                    with Image.open(io.BytesIO(data)) as picture:
                        found = _picture_file_codes(picture)
                except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
                    continue  # a picture no viewer shows either
                if found:
                    return Scan(found)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError, ValueError,
            NotImplementedError, EOFError) as exc:  # fmt: skip
        # damaged, or encrypted (RuntimeError: a password is required)
        logger.warning("compliance: zip %s could not be read for codes: %s", name, exc)
        return Scan([], UNREADABLE)
    return Scan([])


# Files that make a zip an office document: OOXML (DOCX/PPTX/XLSX) and ODF.
OFFICE_MARKERS = frozenset({"[Content_Types].xml", "mimetype"})


def _document_name(href: str) -> str:
    """The storage name of a document this site serves at `href` (a Wagtail document under
    /documents/<id>/<name>, or a file under MEDIA_URL; relative or on one of the site's host
    names), "" for anything else."""
    from cms.links import normalized_path, own_hosts, resolve_own_path

    parts = urlsplit((href or "").strip())
    try:
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("", "http", "https") or (host and host not in own_hosts()):
        return ""
    if parts.netloc and not host:
        return ""
    path = normalized_path(parts.path, fold_case=False)
    if path.startswith(urlsplit(settings.MEDIA_URL).path):
        return _media_name(path)
    match = resolve_own_path(path)
    if match is None or match.url_name != "wagtaildocs_serve" or not match.args:
        return ""
    from wagtail.documents import get_document_model

    document = get_document_model().objects.filter(pk=match.args[0]).first()
    return document.file.name if document is not None and document.file else ""


def _scan_file(name: str) -> Scan:
    """What the stored file `name` shows, by its content whatever its name: a PDF (its header
    within the first 1024 bytes, where PDF readers look for it), a zip (office files), an
    SVG (refused: no rasteriser here), any picture PIL opens (every frame); anything else
    (text, CSV, video) holds no picture we read."""
    try:
        with default_storage.open(name, "rb") as handle:
            head = handle.read(1024)
            handle.seek(0)
            if b"%PDF-" in head:
                if default_storage.size(name) > MAX_DOCUMENT_BYTES:
                    return Scan([], TOO_LARGE)
                return _pdf_scan(handle.read(), name)
            if head.startswith(b"PK\x03\x04"):
                return _zip_scan(handle, name)
            if _is_svg(head) or head.startswith(b"\x1f\x8b") and name.lower().endswith(".svgz"):
                return Scan([], SVG_REFUSED)
            try:
                with Image.open(handle) as picture:
                    return Scan(_picture_file_codes(picture))
            except (UnidentifiedImageError, Image.DecompressionBombError, ValueError):
                return Scan([])
    except OSError as exc:
        logger.warning("compliance: document %s could not be read for codes: %s", name, exc)
        return Scan([])


def document_scan(href: str) -> Scan:
    """The codes in the file a link points to (one of our documents or media files,
    `_document_name`: a PDF's pages, an office file's or a zip's pictures, a picture), and
    why it could not be read to the end (`Scan.problem`: too many pages, damaged or
    encrypted, an SVG); an empty Scan for a link elsewhere or a file that shows no picture."""
    name = _document_name(href)
    if not name:
        return Scan([])
    key = "cms:document-scan:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = tuple(_scan_file(name))
        cache.set(key, found, CACHE_SECONDS)
    codes, problem = found
    return Scan(list(codes), problem)


def document_codes(href: str) -> list[str]:
    """The texts of the matrix codes in the file a link points to (`document_scan`)."""
    return document_scan(href).codes
