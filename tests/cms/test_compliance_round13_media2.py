"""Round 13, a second verifier of the picture reader (fixG): words turned NEAR a quarter turn,
and animations longer than the frame sampler takes (《广告法》第十九条: a contact on a 科普 page).

- M1 (HIGH): a line turned 90° ± 4–6° (84, 86, 94, 96, 264, 266, 274, 276, −84, −94°) read as
  nothing or junk and passed: only a bare quarter turn (±90°) was tried, which left a 4–6° tilt
  Tesseract does not read. The picture is now turned by the lines' own angle
  (`ocr._line_angle`), each way, and a quarter turn the orientation detection names is
  straightened by the same angle (`ocr._straightened`).
- M2 (LOW): an animation of 140 distinct frames, the contact on frame 130, was warned about as
  「动图共 120 帧…」: the sampler's cap (qr.MAX_FRAMES) hid the real count and the frames it never
  took. The warning now names the animation's own frame count and the distinct frames not
  looked at.

Real engine (skipped without Tesseract), pictures drawn with PIL in Noto Sans CJK, through
`check_page` as test_compliance_round13_media does."""

from __future__ import annotations

import pytest
from PIL import Image as PILImage

from cms.compliance import check_page, ocr, qr
from cms.compliance.checker import check_report
from tests.cms.test_compliance_round13_media import (
    MOBILE,
    PHONE,
    _contact,
    _fresh_cache,  # noqa: F401 (autouse fixture)
    _grey_gradient,
    _image,
    _plain,
    _scene,
    _science,
    _turned,
    needs_engine,
)

pytestmark = pytest.mark.django_db

NEAR_QUARTER = [84, 86, 94, 96, 264, 266, 274, 276, -84, -94]


def _white(size=(1000, 600)) -> PILImage.Image:
    return PILImage.new("RGB", size, (255, 255, 255))


def _page_findings(picture: PILImage.Image) -> list[str]:
    page = _science(("image", _image(picture)))
    return [f.text for f in check_page(page).blocking if f.field == "rendered.images"]


# --- M1: near a quarter turn --------------------------------------------------------------


@needs_engine
@pytest.mark.parametrize("degrees", NEAR_QUARTER)
def test_a_contact_turned_near_a_quarter_on_the_striped_ground_is_refused(degrees):
    found = _page_findings(_turned(f"电话 {MOBILE}", degrees))

    assert any(MOBILE in text for text in found), found


@needs_engine
@pytest.mark.parametrize("degrees", NEAR_QUARTER)
def test_a_bare_mobile_number_turned_near_a_quarter_on_white_is_refused(degrees):
    found = _page_findings(_turned(MOBILE, degrees, ground=_white, ink=(0, 0, 0)))

    assert any(MOBILE in text for text in found), found


@needs_engine
@pytest.mark.parametrize(
    ("text", "degrees", "ground", "ink"),
    [
        (f"咨询热线 {PHONE}", 85, _white, (0, 0, 0)),
        (f"预约电话 {PHONE}", 275, None, (255, 255, 255)),
        ("手机 13912345678", 95, None, (255, 255, 255)),
        (f"电话 {MOBILE}", 86, _grey_gradient, (20, 20, 20)),
        (f"咨询电话 {MOBILE}", -85, _white, (0, 0, 0)),
        (MOBILE, 265, None, (255, 255, 255)),
    ],
)
def test_sibling_contacts_turned_near_a_quarter_are_refused(text, degrees, ground, ink):
    kwargs = {"ink": ink} | ({"ground": ground} if ground else {})
    found = _page_findings(_turned(text, degrees, **kwargs))

    number = text.split()[-1]
    assert any(number in f.replace(" ", "") for f in found), found


@needs_engine
@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize(
    ("text", "degrees"),
    [("规律作息有助于头发健康", 86), ("每天睡够7小时", 274), ("均衡饮食少熬夜", -84)],
)
def test_a_lawful_caption_turned_near_a_quarter_is_read_and_passes(text, degrees, second_reader):
    read = ocr.picture_text(_turned(text, degrees)).text

    assert text in read.replace(" ", ""), read
    assert check_report(read, scopes={"science"}, second_reader=second_reader).blocking == []


def test_a_quarter_turn_the_detection_names_is_straightened_by_the_lines_angle():
    assert ocr._straightened(-90, 84) == -84
    assert ocr._straightened(-270, -86) == 86  # the same turn as 90°
    assert ocr._straightened(-90, None) == -90
    assert ocr._straightened(-180, 0) in (-180, 180)
    assert ocr._straightened(-90, 40) == -90  # not a small remaining tilt: the detection's


@needs_engine
def test_a_picture_without_words_is_still_read_once(monkeypatch):
    reads = []
    real = ocr._tesseract
    monkeypatch.setattr(ocr, "_tesseract", lambda grey: reads.append(1) or real(grey))

    assert ocr.picture_text(_plain()).text == ""
    assert len(reads) == 1


# --- M2: an animation longer than the sampler takes -----------------------------------------


def _long_gif_page(count: int = 140, contact_at: int = 130):
    frames = [_scene(i) for i in range(count)]
    frames[contact_at] = _contact()
    return _gif_page_ms(frames, 100)


def _gif_page_ms(frames, ms):
    import io

    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    out = io.BytesIO()
    frames[0].save(
        out, format="GIF", save_all=True, append_images=frames[1:], duration=ms, loop=0,
        optimize=False, disposal=1,
    )  # fmt: skip
    document = Document.objects.create(title="动图", file=ContentFile(out.getvalue(), name="a.gif"))
    body = f'<p>看<a linktype="document" id="{document.pk}">动图</a></p>'
    return _science(("paragraph", body))


def test_a_long_animation_is_warned_about_with_its_real_frame_count(monkeypatch):
    monkeypatch.setattr(ocr, "picture_text", lambda frame: ocr.Read(""))
    page = _long_gif_page()

    report = check_page(page)

    warned = [f.text for f in report.findings if "未识别文字" in f.text]
    assert any("动图共 140 帧" in text for text in warned), report.findings
    assert any("未查看" in text for text in warned), warned
    assert not any("动图共 120 帧" in text for text in warned), warned


def test_an_animation_the_sampler_takes_whole_names_no_frames_not_looked_at(monkeypatch):
    monkeypatch.setattr(ocr, "picture_text", lambda frame: ocr.Read(""))
    page = _gif_page_ms([_scene(i) for i in range(ocr.MAX_FRAMES + 4)], 1000)

    warned = [f.text for f in check_page(page).findings if "未识别文字" in f.text]

    assert any(f"动图共 {ocr.MAX_FRAMES + 4} 帧" in text for text in warned), warned
    assert not any("未查看" in text for text in warned), warned


def test_a_long_animation_of_one_moving_dot_is_not_warned_about(monkeypatch):
    # 200 frames that differ only in a small dot's place: one distinct picture to a reader
    monkeypatch.setattr(ocr, "picture_text", lambda frame: ocr.Read(""))
    frames = []
    for i in range(200):
        picture = PILImage.new("RGB", (480, 288), (40, 110, 170))
        picture.putpixel((i + 20, 100), (255, 255, 255))
        frames.append(picture)
    page = _gif_page_ms(frames, 100)

    assert [f for f in check_page(page).findings if "未识别文字" in f.text] == []


def test_the_sampler_counts_the_distinct_frames_it_did_not_take():
    frames = [_scene(i) for i in range(140)]
    import io

    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    taken, count, untaken = qr._sampled_frames(PILImage.open(io.BytesIO(out.getvalue())))

    assert (len(taken), count) == (qr.MAX_FRAMES, 140)
    assert untaken > 0
