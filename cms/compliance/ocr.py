"""Text inside the pictures a page shows (round 11, fourth verification): a banner on a 科普
page reading 「预约电话：400-888-6666」「加主任微信 hair2024 · 首诊仅需 99 元」 or
「根治脱发」 is the page's own contact, price or claim (《广告法》第十九条), as much as the
same words typed in a paragraph. `cms.compliance.qr` decodes the codes in a picture; this
module reads its words, and the caller hands them to the 科普 rules as a linked file's text
(`cms.compliance.rendered.linked_text_findings`).

Engine: Tesseract 5 (the Debian packages `tesseract-ocr` and `tesseract-ocr-chi-sim`: the
LSTM models of tessdata_fast for Simplified Chinese and English), called through pytesseract.
Chosen over RapidOCR (PaddleOCR models on ONNX Runtime) by measuring PIL-drawn 1000 × 600
banners in Noto Sans CJK on this 2-core machine: Tesseract read every banner word for word
in about 0.5 s of CPU a pass; RapidOCR took 2.4–3.2 s a picture, misread 「门诊」 as 「內诊」,
and brings OpenCV and ONNX Runtime (about 190 MB).

A picture is read twice, at once (two processes, `PASSES`): as it is with Tesseract's global
Otsu threshold, which reads dark words on a light ground, and inverted with Sauvola's local
threshold, which reads light words on a dark or coloured band (yellow 「首诊仅需99元」 on a red
strip across a light banner: the first pass, and Tesseract's own inversion, read nothing of
it). The two texts are kept, one line each, repeats once. Page segmentation is "sparse text"
(`--psm 11`): the automatic one (`--psm 3`) read nothing of a single line of words in the
middle of a plain banner. Each pass read what the other missed on the measured banners.

Bounds: a picture is shrunk to MAX_PIXELS first (cost grows with pixels; text a reader can
read on a phone survives), a small one enlarged to MIN_WIDTH (Tesseract reads text about
20 px high and more); at most MAX_FRAMES frames of an animation (those shown longest, as the
caller orders them); a pass taking longer than TIMEOUT seconds is a problem, not a pass.
Results are cached by the picture's content (its pixels' SHA-256): a page is checked on every
save and the same cover shows twice (the cover, the share card).

Without the engine (a developer machine without the packages) a picture cannot be read:
`Read.problem` says so (`UNAVAILABLE`), the caller refuses the picture on a 科普 page (fail
closed, as for a file it cannot open), and `manage.py check` warns (`engine_check`). The
seeded demo still loads (the seed publishes without the gate); publishing a 科普 page with a
picture needs the engine. A problem is never cached: installing the engine ends it."""

from __future__ import annotations

import hashlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from django.core import checks
from django.core.cache import cache
from PIL import Image, ImageOps

logger = logging.getLogger("yinliu.cms.compliance")

LANGUAGES = "chi_sim+eng"
# (inverted, Tesseract options) of each pass: sparse-text segmentation, and the binarisation
# (`thresholding_method`: 0 Otsu over the whole picture, 2 Sauvola around each pixel).
PASSES = ((False, "--psm 11"), (True, "--psm 11 -c thresholding_method=2"))
MAX_PIXELS = 2_000_000
MIN_WIDTH = 1000
MAX_FRAMES = 5
TIMEOUT = 20  # seconds a pass may take
CACHE_SECONDS = 24 * 3600
# Pictures of one page read for text, at most (the caller refuses the rest, fail closed):
# each costs about a second of CPU the first time.
MAX_PAGE_PICTURES = 40

UNAVAILABLE = (
    "服务器未安装图片文字识别引擎（tesseract-ocr、tesseract-ocr-chi-sim），无法检查图片中的文字"
)
TIMED_OUT = "图片文字识别超时，无法检查图片中的文字"
# Problems the caller does not cache: they end when the engine is installed or less busy.
TRANSIENT_PROBLEMS = frozenset({UNAVAILABLE, TIMED_OUT})
TOO_MANY_PAGE_PICTURES = f"页面图片过多（超过 {MAX_PAGE_PICTURES} 张），无法检查图片中的文字"


class Read(NamedTuple):
    """The text a picture shows ("" for none) and why it could not be read ("" when it was)."""

    text: str
    problem: str = ""


def _flattened(picture: Image.Image) -> Image.Image:
    """`picture` in grey as a page shows it: over white when transparent."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        picture = canvas
    return picture.convert("L")


# A picture whose greys all lie within this many levels of one another shows no word a reader
# can make out (a flat colour, a blank placeholder): it is not read, which saves a Tesseract
# run of about a second on every such picture.
MIN_CONTRAST = 12


def _prepared(picture: Image.Image) -> Image.Image:
    """`picture` as Tesseract reads it best: over white when transparent (as a page shows it),
    in grey, within MAX_PIXELS, and at least MIN_WIDTH wide (within MAX_PIXELS)."""
    grey = _flattened(picture)
    width, height = grey.size
    scale = 1.0
    if width < MIN_WIDTH:
        scale = MIN_WIDTH / width
    if width * height * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / (width * height)) ** 0.5
    if scale != 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return grey


def _lines(texts: list[str]) -> str:
    """The lines of the passes' texts, stripped, each once, in order."""
    seen: list[str] = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if line and line not in seen:
                seen.append(line)
    return "\n".join(seen)


def _tesseract(grey: Image.Image) -> Read:
    import pytesseract

    # one thread a Tesseract process: the two passes run side by side, and OpenMP's threads on
    # top of them doubled the CPU time (measured: 1.0–1.4 s against 2.2–3.0 s a picture).
    # pytesseract starts Tesseract with this process's environment.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    inverse = ImageOps.invert(grey)

    def one(inverted_and_config: tuple[bool, str]) -> str:
        inverted, config = inverted_and_config
        picture = inverse if inverted else grey
        return pytesseract.image_to_string(picture, lang=LANGUAGES, config=config, timeout=TIMEOUT)

    try:
        with ThreadPoolExecutor(max_workers=len(PASSES)) as pool:
            texts = list(pool.map(one, PASSES))
    except pytesseract.TesseractNotFoundError:
        return Read("", UNAVAILABLE)
    except RuntimeError as exc:
        # pytesseract raises RuntimeError("Tesseract process timeout") on a timeout
        logger.warning("compliance: picture text recognition failed: %s", exc)
        return Read("", TIMED_OUT)
    except pytesseract.TesseractError as exc:
        # a missing language ("Failed loading language 'chi_sim'") or a broken install
        logger.warning("compliance: picture text recognition failed: %s", exc)
        return Read("", UNAVAILABLE)
    return Read(_lines(texts))


def picture_text(picture: Image.Image) -> Read:
    """The text the still picture `picture` shows (`Read`), cached by its pixels; nothing for a
    picture without contrast (`MIN_CONTRAST`)."""
    low, high = _flattened(picture).getextrema()
    if high - low < MIN_CONTRAST:
        return Read("")
    grey = _prepared(picture)
    digest = hashlib.sha256(grey.tobytes()).hexdigest()[:32]
    key = f"cms:picture-text:v2:{grey.size[0]}x{grey.size[1]}:{digest}"
    found = cache.get(key)
    if found is not None:
        return Read(*found)
    read = _tesseract(grey)
    if not read.problem:
        cache.set(key, tuple(read), CACHE_SECONDS)
    return read


def frames_text(frames: list[Image.Image]) -> Read:
    """The text of the first MAX_FRAMES `frames` of a picture (the caller orders them, those
    shown longest first), joined; the first problem stops the reading."""
    texts = []
    for frame in frames[:MAX_FRAMES]:
        read = picture_text(frame)
        if read.problem:
            return Read("", read.problem)
        texts.append(read.text)
    return Read(_lines(texts))


def engine_available() -> bool:
    """Whether Tesseract runs here with the Chinese model."""
    import pytesseract

    try:
        return "chi_sim" in pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return False


@checks.register(checks.Tags.compatibility)
def engine_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check`: a warning where pictures cannot be read for text (the gate then
    refuses every picture on a 科普 page)."""
    if engine_available():
        return []
    return [
        checks.Warning(
            "Tesseract with the Simplified Chinese model is not installed: the compliance "
            "gate cannot read the text in pictures and refuses 科普 pages that show one.",
            hint="apt-get install tesseract-ocr tesseract-ocr-chi-sim (.ci/run installs them)",
            id="cms.W001",
        )
    ]
