"""Codes inside the pictures a page shows: a 科普 page may not show a QR code that adds the
clinic's WeChat or opens a consultation (《广告法》第十九条; `cms.compliance.rendered`), and an
editor's upload is rarely named 「二维码」. The picture the page serves is decoded with zxing-cpp
(the maintained C++ port of ZXing; its Python binding reads QR, Micro QR, rMQR, Data Matrix and
Aztec codes from a PIL image), so a code is found by what it is, whatever the file is called.

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


def _decode(name: str) -> list[str]:
    import zxingcpp

    formats = [getattr(zxingcpp.BarcodeFormat, f) for f in CODE_FORMATS]
    try:
        with default_storage.open(name, "rb") as handle, Image.open(handle) as picture:
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
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("compliance: picture %s could not be read for codes: %s", name, exc)
        return []
    return [r.text for r in results if r.valid]


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
