"""Round 12: words in pictures and videos the OCR did not read (《广告法》第十九条: a contact
on a 科普 page).

- Words that are not horizontal: 「咨询热线 0755-8888-6666」 turned 90°, 180°, 270°
  (Tesseract's orientation detection, then read again), 「微信 hair2024 预约」 tilted 30° (a
  numpy skew estimate, then read again), 「加微信号」 one character a line (the chi_sim_vert
  model). Only a picture with an unread line is read again: a banner read at once, or a
  picture showing nothing, costs no more.
- Our own video's frames are read for words, not only codes: a few distinct frames, the last
  always (a clip ending on 「咨询电话 0755-8888-6666」).
- An animation's frames are read by distinct content (a moving dot is one frame), up to
  ocr.MAX_FRAMES distinct ones: words after the fifth frame are read.

Real engine, pictures drawn with PIL in Noto Sans CJK, videos encoded by PyAV, all small."""

from __future__ import annotations

import io

import av
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.documents.models import Document

from cms.compliance import check_page, ocr, qr
from cms.compliance.checker import check_report
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, rich
from tests.conftest import IN_CI

pytestmark = pytest.mark.django_db

ENGINE = ocr.engine_available()
needs_engine = pytest.mark.skipif(not ENGINE, reason="Tesseract is not installed (never in CI)")
VERTICAL = ENGINE and ocr.VERTICAL_LANGUAGES in __import__("pytesseract").get_languages(config="")
if ENGINE and not VERTICAL and IN_CI:
    raise pytest.UsageError("CI=true but tesseract-ocr-chi-sim-vert is not installed")
needs_vertical = pytest.mark.skipif(not VERTICAL, reason="chi_sim_vert is not installed")

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PHONE = "0755-8888-6666"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _ground(size=(1000, 600), ground=(40, 90, 160)) -> PILImage.Image:
    picture = PILImage.new("RGB", size, ground)
    draw = ImageDraw.Draw(picture)
    for y in range(0, size[1], 6):
        draw.rectangle((0, y, size[0], y + 6), fill=(ground[0] + y // 20, ground[1], ground[2]))
    return picture


def _banner(text: str, *, size=(1000, 600), font_size: int = 44) -> PILImage.Image:
    picture = _ground(size)
    font = ImageFont.truetype(FONT, font_size)
    ImageDraw.Draw(picture).text((size[0] // 8, size[1] // 2 - font_size), text, font=font)
    return picture


def _turned_banner(text: str, degrees: float) -> PILImage.Image:
    """A banner whose one line of words is turned `degrees` counter-clockwise."""
    font = ImageFont.truetype(FONT, 48)
    left, top, right, bottom = font.getbbox(text)
    strip = PILImage.new("RGBA", (right - left + 40, bottom - top + 40), (0, 0, 0, 0))
    ImageDraw.Draw(strip).text((20 - left, 20 - top), text, font=font, fill=(255, 255, 255))
    strip = strip.rotate(degrees, expand=True, resample=PILImage.Resampling.BICUBIC)
    picture = _ground()
    picture.paste(strip, ((1000 - strip.width) // 2, (600 - strip.height) // 2), strip)
    return picture


def _column(text: str) -> PILImage.Image:
    """A vertical banner: one character a line, on the right."""
    picture = _ground()
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(FONT, 56)
    top = (600 - len(text) * 67) // 2
    for index, character in enumerate(text):
        draw.text((840, top + index * 67), character, font=font, fill=(255, 255, 255))
    return picture


# --- words that are not horizontal --------------------------------------------------------


@needs_engine
@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_phone_number_turned_a_quarter_or_half_is_read(degrees):
    text = ocr.picture_text(_turned_banner(f"咨询热线 {PHONE}", degrees)).text

    assert PHONE in text, text
    assert "咨询热线" in text, text
    assert check_report(text, scopes={"science"}, second_reader=False).blocking


@needs_engine
@pytest.mark.parametrize("degrees", [30, -30])
def test_a_tilted_wechat_id_is_read(degrees):
    text = ocr.picture_text(_turned_banner("微信 hair2024 预约", degrees)).text

    assert "微信 hair2024 预约" in text, text
    assert check_report(text, scopes={"science"}, second_reader=False).blocking


@needs_vertical
def test_a_vertical_banner_one_character_a_line_is_read():
    text = ocr.picture_text(_column("加微信号")).text

    assert "加微信号" in text, text


@needs_engine
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_lawful_turned_caption_is_read_and_passes(second_reader):
    text = ocr.picture_text(_turned_banner("规律作息有助于头发健康", 90)).text

    assert "规律作息有助于头发健康" in text, text
    assert check_report(text, scopes={"science"}, second_reader=second_reader).blocking == []


def test_the_skew_estimate_finds_a_tilt_and_not_a_level_line():
    level = _turned_banner("微信 hair2024 预约", 0).convert("L")
    tilted = _turned_banner("微信 hair2024 预约", 30).convert("L")

    assert ocr._skew(level) == 0.0
    assert abs(ocr._skew(tilted) - 30) <= ocr.SKEW_STEP
    assert ocr._skew(PILImage.new("L", (1000, 600), 200)) == 0.0


@needs_engine
def test_a_banner_read_at_once_and_a_blank_picture_are_read_once(monkeypatch):
    calls = []
    # round 13: the skew estimate (numpy, milliseconds) runs on every picture with ink, so a
    # tilt under read lines is found; no more Tesseract reading than the first
    for name in ("_orientation", "_vertical_read"):
        monkeypatch.setattr(ocr, name, lambda *a, name=name: calls.append(name) or 0)
    real = ocr._tesseract
    monkeypatch.setattr(ocr, "_tesseract", lambda grey: calls.append("read") or real(grey))

    assert PHONE in ocr.picture_text(_banner(f"咨询电话：{PHONE}")).text
    assert ocr.picture_text(_ground()).text == ""
    assert calls == ["read"]


# --- videos and animations ----------------------------------------------------------------


def _video(text: str | None, *, seconds: float = 2, fps: int = 5, changing: bool = False) -> bytes:
    """A small MP4 of plain frames (their colour changing), its last 0.6 s showing `text`."""
    size = (480, 288)
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for index in range(round(seconds * fps)):
            if text and index / fps >= seconds - 0.6:
                frame = _banner(text, size=size, font_size=28)
            elif changing:
                frame = _banner(f"第{index}页", size=size, font_size=28)
            else:
                frame = PILImage.new("RGB", size, (40 + index * 7 % 200, 120, 160))
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return out.getvalue()


def _document(data: bytes, name: str) -> Document:
    return Document.objects.create(title="视频", file=ContentFile(data, name=name))


@needs_engine
def test_a_video_ending_on_a_phone_number_is_read_and_its_page_refused():
    document = _document(_video(f"咨询电话 {PHONE}"), "clinic.mp4")

    assert PHONE in qr.document_scan(document.url).text
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生", slug="sleep", layer="science",
            body=[
                {"type": "paragraph", "value": rich("规律作息很重要。")},
                {"type": "video", "value": {"url": document.url, "caption": "放松训练"}},
            ],
        ),
    )  # fmt: skip
    assert any(PHONE in f.text for f in check_page(page).blocking)


def test_a_video_s_frames_read_for_words_are_few_and_distinct(monkeypatch):
    read = []
    monkeypatch.setattr(ocr, "picture_text", lambda frame: read.append(frame) or ocr.Read(""))
    # 20 frames, each a different slide: a bounded number read, the last one first
    document = _document(_video(None, seconds=4, changing=True), "slides.mp4")

    assert qr.document_scan(document.url) == qr.Scan([])
    assert 1 <= len(read) <= qr.VIDEO_HEAD_FRAMES + qr.VIDEO_TEXT_FRAMES  # round 13: both ends
    # a plain video (frames without contrast) is not read for words at all
    read.clear()
    assert qr.document_scan(_document(_video(None), "plain.mp4").url) == qr.Scan([])
    assert read == []


def _gif(frames: list[PILImage.Image], ms: int = 200) -> bytes:
    out = io.BytesIO()
    frames[0].save(
        out, format="GIF", save_all=True, append_images=frames[1:], duration=ms, loop=0,
        optimize=False, disposal=1,
    )  # fmt: skip
    return out.getvalue()


def _dot(index: int) -> PILImage.Image:
    picture = _ground((500, 300))
    picture.putpixel((10 + index, 10), (0, 0, 0))
    return picture


@needs_engine
def test_words_after_the_fifth_frame_of_an_animation_are_read():
    frames = [_dot(i) for i in range(8)]
    frames += [_banner(f"咨询热线 {PHONE}", size=(500, 300), font_size=26)] * 3
    stored = default_storage.save("original_images/late.gif", ContentFile(_gif(frames)))
    try:
        assert PHONE in qr.image_scan("/media/" + stored).text
    finally:
        default_storage.delete(stored)


def test_an_animation_s_frames_alike_are_read_once(monkeypatch):
    read = []
    monkeypatch.setattr(ocr, "picture_text", lambda frame: read.append(frame) or ocr.Read(""))
    stored = default_storage.save(
        "original_images/dots.gif", ContentFile(_gif([_dot(i) for i in range(40)], ms=100))
    )
    try:
        assert qr.image_scan("/media/" + stored) == qr.Scan([])
    finally:
        default_storage.delete(stored)
    assert len(read) == 1
