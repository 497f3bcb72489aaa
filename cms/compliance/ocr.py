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
20 px high and more); at most MAX_FRAMES distinct frames of an animation or video (in the
caller's order; frames alike are read once, `frames_text`); words not horizontal are read
again only when the lines of ink are tilted, a line came out unread, or nothing was read of
lines of ink (`_turned_read`, rounds 12 and 13); a pass taking longer
than TIMEOUT seconds is a problem, not a pass.
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
import math
import os
import re
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
# Distinct frames of an animation read, at most (`frames_text`; near-identical ones are read
# once and do not count).
MAX_FRAMES = 16
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
    """The text a picture shows ("" for none), why it could not be read ("" when it was), and
    how many distinct frames of an animation were past the bound and not read (`frames_text`)."""

    text: str
    problem: str = ""
    unread: int = 0


# A line of a linked file's text (`cms.compliance.qr.Scan.text`) that names a part of the
# file not read for words (frames past a bound): `cms.compliance.rendered` shows it to the
# editor and the reviewer as a warning, and the text rules do not read it (round 13).
UNREAD_MARK = "\ue000未识别文字："


def unread_note(what: str) -> str:
    """The line of a file's text saying `what` was not read for words (`UNREAD_MARK`)."""
    return f"{UNREAD_MARK}{what}"


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
    key = f"cms:picture-text:v5:{grey.size[0]}x{grey.size[1]}:{digest}"
    found = cache.get(key)
    if found is not None:
        return Read(*found)
    read = _turned_read(grey, _tesseract(grey))
    if not read.problem:
        cache.set(key, tuple(read), CACHE_SECONDS)
    return read


def frames_text(frames: list[Image.Image], limit: int = MAX_FRAMES) -> Read:
    """The text of the distinct `frames` of a picture or video (the caller orders them, those
    to read first first), joined: a frame that looks like one already read (`_same_frame`:
    an animation's moving dot, a video's still scene) is skipped, and at most `limit`
    distinct frames are read; the first problem stops the reading. The distinct frames past
    the bound are counted (`Read.unread`: the caller names them, round 13), not read."""
    texts: list[str] = []
    seen: list = []
    unread = 0
    for frame in frames:
        signature = _frame_signature(frame)
        if signature is None:
            continue  # no contrast: nothing a reader can read (`MIN_CONTRAST`)
        if any(_same_frame(signature, other) for other in seen):
            continue
        seen.append(signature)
        if len(seen) > limit:
            unread += 1
            continue
        read = picture_text(frame)
        if read.problem:
            return Read("", read.problem)
        texts.append(read.text)
    return Read(_lines(texts), "", unread)


# --- words that are not horizontal, frames alike (round 12) --------------------------------
#
# The two passes read horizontal lines. A picture whose words are turned (「咨询热线 0755-…」
# rotated 90°, 180° or 270°, 「微信 hair2024 预约」 tilted 30°) or written one character a line
# (a vertical banner 「加微信号」) comes out as junk: short Latin lines, or a lone character.
# Such a picture is read again (`_turned_read`), only then, so a picture whose lines were read
# (the common case: every line holds two Chinese characters in a row) or that showed nothing
# costs no more Tesseract:
# - a tilt is measured without Tesseract on every picture with ink (`_skew`: the angle whose
#   projection of the ink is the most peaked, numpy on a picture of SKEW_SIDE pixels, a few
#   milliseconds); at MIN_SKEW..MAX_SKEW degrees either way the picture is turned back and read
#   again (the two passes), half a turn further when that reads nothing (round 13: a −8° tilt
#   read 「0755-8888-66 6」 under a read line; 61–80° was out of range);
# - else, when a line came out unread or nothing was read of lines of ink (`_line_angle`,
#   round 13: a bare 「13800138000」 turned a quarter reads empty), Tesseract's orientation
#   detection (`--psm 0`, about 0.5 s) says whether it is turned 90°, 180° or 270°; when sure
#   (MIN_OSD_CONFIDENCE) it is turned back and read again;
# - else, when a line is one Chinese character alone, the picture is read once more as
#   vertical text (the `chi_sim_vert` model, `--psm 5`; skipped when that model is missing);
# - else (round 13), lines of ink the detection was unsure of are turned by their angle: a
#   quarter turn each way for upright lines, a half turn for level ones.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_READ_LINE = re.compile(f"[{_CJK}]{{2}}")
_LONE_CHARACTER = re.compile(f"^[{_CJK}]$")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")
SKEW_SIDE = 320
SKEW_STEP = 2
MIN_SKEW = 8
MAX_SKEW = 80
# `_line_angle`: lines of ink stand out this much over the median angle's projection
LINED_GAIN = 2.5
_LONG_NUMBER = re.compile(r"\d(?:[\d\- ]{5,}\d)")
# the projection at the angle found must be this much more peaked than the horizontal one
MIN_SKEW_GAIN = 1.6
SKEW_MAX_POINTS = 20_000
OSD_CONFIG = "--psm 0 -c min_characters_to_try=5"
MIN_OSD_CONFIDENCE = 0.3
VERTICAL_LANGUAGES = "chi_sim_vert"
VERTICAL_CONFIG = "--psm 5"


def _unread(text: str) -> bool:
    """Whether a line of `text` is not words a reader reads: no two Chinese characters in a
    row (junk Tesseract makes of turned words, or a lone character of a column)."""
    return any(not _READ_LINE.search(line.replace(" ", "")) for line in text.splitlines())


def _box_mean(values, radius: int):
    """The mean of `values` (2-D numpy) over a (2 radius + 1)² box around each pixel."""
    import numpy as np

    size = 2 * radius + 1
    padded = np.pad(values, radius + 1, mode="edge").cumsum(0).cumsum(1)
    total = padded[size:, size:] - padded[:-size, size:] - padded[size:, :-size]
    total += padded[:-size, :-size]
    return total[: values.shape[0], : values.shape[1]] / (size * size)


def _line_scores(grey: Image.Image) -> dict[int, float]:
    """How peaked the projection of the ink of `grey` (pixels far from their surroundings, a
    SKEW_SIDE picture) is at each angle (degrees counter-clockwise, -90 to 88 every SKEW_STEP):
    lines of words give a peak at their angle; {} for a picture with too little ink."""
    import numpy as np

    small = grey.copy()
    small.thumbnail((SKEW_SIDE, SKEW_SIDE))
    values = np.asarray(small, dtype=np.float32)
    if min(values.shape) < 16:
        return {}
    ink = np.abs(values - _box_mean(values, 7)) > 40
    ys, xs = np.nonzero(ink)
    if len(xs) < 50:
        return {}
    if len(xs) > SKEW_MAX_POINTS:
        pick = np.linspace(0, len(xs) - 1, SKEW_MAX_POINTS).astype(np.int64)
        ys, xs = ys[pick], xs[pick]
    ys = ys - ys.mean()
    xs = xs - xs.mean()
    scores = {}
    for degrees in range(-90, 89, SKEW_STEP):
        turn = math.radians(degrees)
        projected = ys * math.cos(turn) + xs * math.sin(turn)
        counts = np.bincount((projected - projected.min()).astype(np.int64))
        scores[degrees] = float((counts.astype(np.float64) ** 2).sum())
    return scores


def _skew(grey: Image.Image, scores: dict[int, float] | None = None) -> float:
    """The angle (degrees, counter-clockwise, either sign) the lines of `grey` are tilted by,
    0.0 when they are level or no angle stands out (`MIN_SKEW_GAIN`), or beyond MAX_SKEW
    (turned a quarter: `_orientation`'s). `_line_scores`, every SKEW_STEP degrees."""
    if scores is None:
        scores = _line_scores(grey)
    if not scores:
        return 0.0
    best = max(scores, key=scores.get)
    if not MIN_SKEW <= abs(best) <= MAX_SKEW or scores[best] < MIN_SKEW_GAIN * scores[0]:
        return 0.0
    return float(best)


def _line_angle(scores: dict[int, float]) -> int | None:
    """The angle of the lines of ink (`_line_scores`) when they stand out as lines of words do
    (the projection there at least LINED_GAIN times as peaked as at the median angle; a photo
    measured 1.0–1.3, a line of digits 4.9–6.4, a banner 8–9), else None."""
    if not scores:
        return None
    best = max(scores, key=scores.get)
    median = sorted(scores.values())[len(scores) // 2]
    return best if scores[best] >= LINED_GAIN * median else None


def _orientation(grey: Image.Image) -> int | None:
    """How far (degrees: 0, 90, 180, 270) Tesseract's orientation detection says `grey` must
    be turned clockwise to stand upright; None when it is unsure or finds too few characters
    (a bare phone number: 「Too few characters」)."""
    import pytesseract

    try:
        found = pytesseract.image_to_osd(grey, config=OSD_CONFIG, timeout=TIMEOUT)
    except (pytesseract.TesseractError, RuntimeError) as exc:
        # too few characters ("Too few characters. Skipping this page"), no osd model
        logger.info("compliance: picture orientation not found: %s", str(exc)[-80:])
        return None
    fields = dict(line.split(":", 1) for line in found.splitlines() if ":" in line)
    try:
        turn = int(fields.get("Rotate", "0").strip())
        confidence = float(fields.get("Orientation confidence", "0").strip())
    except ValueError:
        return None
    if turn not in (0, 90, 180, 270) or confidence < MIN_OSD_CONFIDENCE:
        return None
    return turn


def _turned(grey: Image.Image, degrees: float) -> Image.Image:
    """`grey` turned `degrees` counter-clockwise, the corners filled with its median grey,
    within MAX_PIXELS."""
    histogram = grey.histogram()
    half, seen, median = sum(histogram) / 2, 0, 255
    for level, count in enumerate(histogram):
        seen += count
        if seen >= half:
            median = level
            break
    turned = grey.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=median)
    if turned.width * turned.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (turned.width * turned.height)) ** 0.5
        turned = turned.resize(
            (max(1, int(turned.width * scale)), max(1, int(turned.height * scale)))
        )
    return turned


def _vertical_read(grey: Image.Image) -> Read:
    """The vertical lines of `grey` (`VERTICAL_LANGUAGES`), lines of two Chinese characters
    or more only, the spaces Tesseract puts between them dropped; nothing when the model is
    not installed."""
    import pytesseract

    try:
        text = pytesseract.image_to_string(
            grey, lang=VERTICAL_LANGUAGES, config=VERTICAL_CONFIG, timeout=TIMEOUT
        )
    except RuntimeError as exc:
        logger.warning("compliance: picture text recognition failed: %s", exc)
        return Read("", TIMED_OUT)
    except pytesseract.TesseractError as exc:
        logger.info("compliance: vertical text not read: %s", str(exc)[-80:])
        return Read("")
    lines = [_SPACE_BETWEEN_CJK.sub("", line.strip()) for line in text.splitlines()]
    return Read("\n".join(line for line in lines if _READ_LINE.search(line)))


def _found(text: str) -> bool:
    """Whether `text` holds words read (two Chinese characters in a row) or a number of seven
    digits or more (what a phone rule reads)."""
    return bool(_READ_LINE.search(text.replace(" ", "")) or _LONG_NUMBER.search(text))


def _turned_read(grey: Image.Image, read: Read) -> Read:
    """`read` (the two passes' text of `grey`) and the text of `grey` turned upright when its
    lines of ink are tilted (`_skew`, measured on every picture with ink: a few milliseconds;
    turned back, and by half a turn more when that reads nothing), or when a line of `read` was
    not read (`_unread`) or nothing was read of a picture whose ink lies in lines
    (`_line_angle`, round 13: a bare 「13800138000」 turned a quarter reads empty): by a quarter
    or half turn Tesseract's orientation detection names (`_orientation`), else as vertical
    text when a line is one character alone (`_vertical_read`), else, when the detection is
    unsure or the vertical read found nothing, by the lines' angle: a quarter turn each way
    for upright lines, a half turn for level ones (only when the detection is unsure, and not
    when `read` already holds a long number)."""
    if read.problem:
        return read
    scores = _line_scores(grey)
    skew = _skew(grey, scores)
    if skew:
        return _joined(read, _first_found(grey, (-skew, 180 - skew)))
    if read.text and not _unread(read.text):
        return read
    angle = _line_angle(scores)
    if not read.text and angle is None:
        return read  # nothing read, and no lines of words to turn: a photo, a flat picture
    turn = _orientation(grey)
    if turn:
        degrees = _straightened(-turn, angle)
        again = _tesseract(_turned(grey, degrees))
        upright = angle is not None and abs(angle) > MAX_SKEW
        if again.problem or not upright or _LONG_NUMBER.search(again.text):
            return _joined(read, again)
        # upright lines: the detection can be sure of the wrong way up (270 for 「电话
        # 13800138000」 turned 84° in a 600 × 338 rendition: read 「OOO8ETOOSET 乃曲」), so
        # without a long number read the other way is read too, the better read kept (round 13)
        return _joined(read, _better(again, _tesseract(_turned(grey, degrees + 180))))
    if any(_LONE_CHARACTER.match(line.strip()) for line in read.text.splitlines()):
        vertical = _vertical_read(grey)
        if vertical.problem or vertical.text or angle is None:
            return _joined(read, vertical)
    if angle is not None and abs(angle) > MAX_SKEW:
        # near-upright lines of ink read as nothing, or as junk and no vertical words: words
        # turned about a quarter, whatever the detection (unsure, or sure of junk) said;
        # turned by the lines' own angle each way (round 13, fixG: 84° or 96° is a quarter
        # turn and a 6° tilt, which a bare quarter turn left unread)
        # Both ways unless the first reads a long number: one way up, junk can hold two
        # Chinese characters (「OOO8ETOOSET 乃曲」 is 13800138000 upside down, in a 600 × 338
        # rendition), which `_found` took for words; the better read is kept (`_better`: the
        # junk of 「每天睡够7小时」 upside down, 「¥ 8」, read as a price).
        first = _tesseract(_turned(grey, -angle))
        if first.problem or _LONG_NUMBER.search(first.text):
            return _joined(read, first)
        return _joined(read, _better(first, _tesseract(_turned(grey, 180 - angle))))
    if turn is None and angle is not None and abs(angle) < MIN_SKEW:
        if not _LONG_NUMBER.search(read.text):
            return _joined(read, _tesseract(_turned(grey, 180)))
    return read


def _straightened(degrees: float, angle: int | None) -> float:
    """The turn nearest `degrees` (a quarter or half turn the orientation detection named)
    that also levels lines of ink at `angle` (`_line_angle`): the remaining tilt of words
    turned 84° is straightened with the quarter turn (round 13, fixG); `degrees` itself when
    the lines' angle is unknown or more than MIN_SKEW from it."""
    if angle is None:
        return degrees
    offset = (-angle - degrees + 90) % 180 - 90  # to the nearest turn that levels the lines
    if abs(offset) >= MIN_SKEW:
        return degrees
    return float((degrees + offset + 180) % 360 - 180)


_WORDS = re.compile(f"[{_CJK}]{{2,}}")


def _better(one: Read, other: Read) -> Read:
    """The read of the two ways up of the same lines that reads more (a problem first): the
    most digits of long numbers, then the most Chinese characters in runs of two or more; the
    other way up is junk (round 13)."""
    for read in (one, other):
        if read.problem:
            return read

    def score(read: Read) -> tuple[int, int]:
        text = read.text.replace(" ", "")
        digits = sum(len(re.sub(r"\D", "", m)) for m in _LONG_NUMBER.findall(read.text))
        return digits, sum(len(m) for m in _WORDS.findall(text))

    return other if score(other) > score(one) else one


def _first_found(grey: Image.Image, turns: tuple[float, ...]) -> Read:
    """The two passes' text of `grey` turned by the first of `turns` whose text holds words
    (`_found`), else the text of the last one read."""
    again = Read("")
    for degrees in turns:
        again = _tesseract(_turned(grey, degrees))
        if again.problem or _found(again.text):
            return again
    return again


def _joined(read: Read, again: Read) -> Read:
    """`read` and `again`'s text, each line once; `again`'s problem when it has one."""
    if again.problem:
        return again
    return Read(_lines([read.text, again.text]))


_SIGNATURE_SIDE = 32
# two frames whose 32 × 32 greys differ nowhere by more than this many levels look alike
_SAME_FRAME_LEVELS = 24


def _frame_signature(frame: Image.Image):
    """A 32 × 32 grey thumbnail of `frame` (numpy), None for a frame without contrast."""
    import numpy as np

    grey = _flattened(frame)
    low, high = grey.getextrema()
    if high - low < MIN_CONTRAST:
        return None
    thumbnail = grey.resize((_SIGNATURE_SIDE, _SIGNATURE_SIDE), Image.Resampling.BOX)
    return np.asarray(thumbnail, dtype=np.int16)


def _same_frame(one, other) -> bool:
    """Whether two frame signatures look alike: no region differs by _SAME_FRAME_LEVELS."""
    return int(abs(one - other).max()) <= _SAME_FRAME_LEVELS


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
            hint=(
                "apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-sim-vert "
                "(.ci/run installs them)"
            ),
            id="cms.W001",
        )
    ]
