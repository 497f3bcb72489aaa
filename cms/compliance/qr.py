"""Codes inside the pictures a page shows: a 科普 page may not show a QR code that adds the
clinic's WeChat or opens a consultation (《广告法》第十九条; `cms.compliance.rendered`), and an
editor's upload is rarely named 「二维码」. The picture the page serves is decoded with zxing-cpp
(the maintained C++ port of ZXing; its Python binding reads QR, Micro QR, rMQR, Data Matrix and
Aztec codes from a PIL image), so a code is found by what it is, whatever the file is called.

A PDF the page links to (a Wagtail document, /documents/<id>/<name>, or a PDF under MEDIA_URL)
is read too: the pictures on its pages go through the same decoder (pypdf extracts them), so a
「资料下载」 with the WeCom code on its last page is found (review of issue 17, round 2, M5). When
the pictures hold no code, the pages are drawn as a reader sees them (PDFium, through pypdfium2)
and read again: a code drawn as vector paths, or cut into strips that are each no code, is
one once drawn (round 10).

Only our own media are read (a path under MEDIA_URL, through the default storage): the gate never
fetches a URL a page names. Results are cached by file name (Wagtail never rewrites an image or
rendition file under the same name)."""

from __future__ import annotations

import hashlib
import logging
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


def _decode(name: str) -> list[str]:
    try:
        with default_storage.open(name, "rb") as handle, Image.open(handle) as picture:
            return _picture_codes(picture)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("compliance: picture %s could not be read for codes: %s", name, exc)
        return []


def image_codes(src: str) -> list[str]:
    """The texts of the matrix codes (QR …) in the picture at `src`, one of our media files;
    [] for none, for a picture that is not ours or cannot be read."""
    name = _media_name(src)
    if not name:
        return []
    key = "cms:image-codes:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = _decode(name)
        cache.set(key, found, CACHE_SECONDS)
    return list(found)


# A PDF is read up to this many pages and pictures: a brochure's code is on its first pages or
# its last, and a 500-page scan must not hold up the editor.
MAX_PDF_PAGES = 60
MAX_PDF_PICTURES = 120


def _pdf_codes(name: str) -> list[str]:
    """Codes in the pictures of the PDF stored as `name` (first and last pages first)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    found: list[str] = []
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read(5) != b"%PDF-":
                return []
            handle.seek(0)
            reader = PdfReader(handle)
            count = len(reader.pages)
            half = MAX_PDF_PAGES // 2
            order = list(range(min(count, half))) + list(range(max(half, count - half), count))
            pictures = 0
            for index in order:
                for picture in reader.pages[index].images:
                    pictures += 1
                    if pictures > MAX_PDF_PICTURES:
                        return found
                    found.extend(_picture_codes(picture.image))
                    if found:
                        return found
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError,
            PyPdfError, NotImplementedError, KeyError) as exc:  # fmt: skip
        # a damaged file or a picture filter pypdf cannot decode (JBIG2 …): logged, the
        # rendered pages and the other checks still run
        logger.warning("compliance: document %s could not be read for codes: %s", name, exc)
    return found or _rendered_pdf_codes(name)


# Pages drawn per PDF (the first and the last half of them) and their resolution: 150 dpi
# draws a 2 cm code at about 120 pixels, which the decoder reads; a page larger than
# MAX_PIXELS is drawn smaller.
MAX_PDF_RENDERED_PAGES = 20
RENDER_DPI = 150


def _rendered_pdf_codes(name: str) -> list[str]:
    """Codes on the pages of the PDF stored as `name`, drawn by PDFium as a reader sees them
    (vector paths, pictures cut into strips, text and pictures together)."""
    import pypdfium2

    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        if not data.startswith(b"%PDF-"):
            return []
        document = pypdfium2.PdfDocument(data)
        try:
            count = len(document)
            half = MAX_PDF_RENDERED_PAGES // 2
            order = list(range(min(count, half))) + list(range(max(half, count - half), count))
            for index in order:
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
                    return found
        finally:
            document.close()
    except (OSError, ValueError, pypdfium2.PdfiumError) as exc:
        logger.warning("compliance: document %s could not be drawn for codes: %s", name, exc)
    return []


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


def document_codes(href: str) -> list[str]:
    """The texts of the matrix codes in the pictures of the PDF a link points to (one of our
    documents, `_document_name`; a PDF by its content, whatever its name); [] for none, for
    another file type or a link elsewhere."""
    name = _document_name(href)
    if not name:
        return []
    key = "cms:pdf-codes:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = _pdf_codes(name)
        cache.set(key, found, CACHE_SECONDS)
    return list(found)
