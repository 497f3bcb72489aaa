"""Round 11, fourth verification: the pictures a 科普 page's files hold that the gate did not
look at (`cms.compliance.qr`).

- F7: a video of ours (a video block's /documents/<id>/x.mp4, a link to one, a clip inside a
  zip) whose last seconds show a WeCom QR code: its frames are read (PyAV), one a second and
  always the last seconds, a long video at a coarser rate; a file FFmpeg cannot open is
  refused, not passed.
- F13: an animated GIF whose code frames are shorter than the plain ones: frames are read by
  time on screen, not by the rank of their durations.
- F15: data URIs with parameters before ;base64, or percent-encoded without base64, inside a
  linked HTML file (and one inside a zip) are read (RFC 2397).

Videos and pictures are made here (PyAV encodes, segno draws the codes), as
tests/cms/test_compliance_linked_files.py makes its pictures."""

from __future__ import annotations

import base64
import io
import zipfile
from urllib.parse import quote_from_bytes

import av
import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from wagtail.documents.models import Document

from cms.compliance import check_page, qr
from cms.compliance.qr import (
    MAX_VIDEO_FRAMES,
    UNREADABLE,
    VIDEO_TAIL_SECONDS,
    VIDEO_UNREADABLE,
    Scan,
    document_scan,
    image_scan,
)
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, rich

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde1234567890"
CODE_IN_FILE = "科普内容不得放置含二维码的文档（变相发布医疗广告）"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _code_picture(text: str = WECOM_LINK, *, size: int = 200) -> PILImage.Image:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return PILImage.open(buffer).convert("RGB").resize((size, size))


def _video(
    seconds: float,
    *,
    code_from: float | None = None,
    code_until: float | None = None,
    size: tuple[int, int] = (320, 240),
    fps: int = 5,
    container: str = "mp4",
    codec: str = "libx264",
    keyframe_every: int | None = None,
) -> bytes:
    """A video of plain frames (their colour changing, as a film's do) showing the code from
    `code_from` to `code_until` seconds, encoded by PyAV."""
    width, height = size
    code = _code_picture(size=min(size) * 3 // 4)
    out = io.BytesIO()
    options = {"preset": "ultrafast"} if codec == "libx264" else {}
    if keyframe_every:
        options["g"] = str(keyframe_every)
    with av.open(out, "w", format=container) as output:
        stream = output.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(round(seconds * fps)):
            at = index / fps
            frame = PILImage.new("RGB", size, (40 + index * 7 % 200, 120, 160))
            if code_from is not None and code_from <= at < (code_until or seconds + 1):
                frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return out.getvalue()


def _document(data: bytes, name: str) -> Document:
    return Document.objects.create(title="视频", file=ContentFile(data, name=name))


def _article(body) -> ArticlePage:
    return draft(hub(), ArticlePage(title="睡眠卫生", slug="sleep", layer="science", body=body))


def _blocking(page) -> list[str]:
    return [f.message for f in check_page(page).blocking]


# --- F7: videos ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ending_with_code() -> bytes:
    # a 12-second clip whose last 3 seconds show the WeCom code (「扫码加微信」)
    return _video(12, code_from=9)


def test_a_video_ending_on_a_code_is_found_when_linked(ending_with_code) -> None:
    document = _document(ending_with_code, "x.mp4")

    assert document_scan(document.url) == Scan([WECOM_LINK])


def test_a_science_page_whose_video_block_plays_it_is_blocked(ending_with_code) -> None:
    document = _document(ending_with_code, "x.mp4")
    page = _article(
        [
            {"type": "paragraph", "value": rich("规律作息很重要。")},
            {"type": "video", "value": {"url": document.url, "caption": "放松训练"}},
        ]
    )

    assert _blocking(page) != []
    assert any("二维码" in message for message in _blocking(page))


@pytest.mark.parametrize(
    "template",
    [
        '<video controls><source src="{url}" type="video/mp4"></video>',
        '<video src="{url}" autoplay muted loop></video>',
        '<audio controls src="{url}"></audio>',
    ],
    ids=["video-source", "video-src", "audio"],
)
def test_a_video_of_ours_played_from_raw_html_is_read(ending_with_code, template) -> None:
    # raw HTML in rich text (an import through the API) playing the same file
    document = _document(ending_with_code, "x.mp4")
    body = [{"type": "paragraph", "value": "<p>看看</p>" + template.format(url=document.url)}]

    report = check_page(_article(body))

    assert [f.field for f in report.findings if f.blocking] == ["rendered.embeds"]


def test_a_science_page_linking_it_is_blocked(ending_with_code) -> None:
    document = _document(ending_with_code, "x.mp4")
    body = f'<p>观看<a linktype="document" id="{document.pk}">视频</a></p>'
    page = _article([{"type": "paragraph", "value": body}])

    assert _blocking(page) == [CODE_IN_FILE]


def test_a_video_in_our_media_is_read_too(ending_with_code) -> None:
    name = default_storage.save("videos/clinic.mp4", ContentFile(ending_with_code))
    try:
        assert document_scan("/media/" + name).codes == [WECOM_LINK]
    finally:
        default_storage.delete(name)


@pytest.mark.parametrize(
    ("container", "codec", "name"),
    [("webm", "libvpx", "x.webm"), ("mov", "libx264", "x.mov"), ("matroska", "mpeg4", "x.mkv"),
     ("avi", "mpeg4", "x.avi"), ("mpegts", "libx264", "x.ts")],
)  # fmt: skip
def test_other_video_containers_are_read(container, codec, name) -> None:
    data = _video(8, code_from=6, container=container, codec=codec)
    document = _document(data, name)

    assert qr._kind(data[: qr.SNIFF_BYTES]) == "video"
    assert document_scan(document.url).codes == [WECOM_LINK]


def test_a_code_shown_for_a_second_mid_video_is_found() -> None:
    document = _document(_video(30, code_from=14, code_until=15.2), "x.mp4")

    assert document_scan(document.url).codes == [WECOM_LINK]


def test_a_code_on_the_last_frame_only_is_found() -> None:
    # a player stays on the last frame when the video ends
    document = _document(_video(10, code_from=9.8), "x.mp4")

    assert document_scan(document.url).codes == [WECOM_LINK]


@pytest.mark.parametrize(
    ("code_from", "code_until", "keyframe_every"),
    [(300, 308, 30), (300, 308, 3), (597, None, 30), (597, None, 600)],
)
def test_a_long_video_is_read_at_a_coarser_rate_not_skipped(
    code_from, code_until, keyframe_every
) -> None:
    # ten minutes at one frame a second, the code shown for 8 s in the middle, or over the
    # last 3 s; keyframes 30 s apart (a screen recording), 3 s apart, or only the first
    data = _video(600, code_from=code_from, code_until=code_until, fps=1,
                  keyframe_every=keyframe_every)  # fmt: skip
    document = _document(data, "lecture.mp4")

    assert document_scan(document.url).codes == [WECOM_LINK]


def test_the_frames_looked_at_are_bounded_and_always_include_the_end() -> None:
    for duration in (0.3, 4, 12, 119, 600, 7200):
        times = qr._video_times(duration)
        assert len(times) <= MAX_VIDEO_FRAMES
        assert times[0] == 0
        tail = [t for t in times if t >= duration - VIDEO_TAIL_SECONDS]
        assert len(tail) >= min(VIDEO_TAIL_SECONDS, max(1, int(duration)))
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert max(gaps, default=0) <= max(1.0, duration / (MAX_VIDEO_FRAMES - 6)) + 1e-9


def test_a_video_in_a_zip_is_read() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("讲座/clip.mp4", _video(8, code_from=6))
    document = _document(out.getvalue(), "course.zip")

    assert document_scan(document.url).codes == [WECOM_LINK]


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x13\x37" * 4000,  # damaged MP4
        b"\x1a\x45\xdf\xa3" + b"\xff" * 5000,  # damaged WebM
    ],
)
def test_a_video_ffmpeg_cannot_open_is_refused_not_passed(data) -> None:
    document = _document(data, "x.mp4")

    assert document_scan(document.url) == Scan([], VIDEO_UNREADABLE)
    page = _article([{"type": "video", "value": {"url": document.url, "caption": ""}}])
    assert _blocking(page) != []


def test_a_video_without_a_code_and_a_sound_file_pass() -> None:
    plain = _document(_video(8), "plain.mp4")
    sound = io.BytesIO()
    with av.open(sound, "w", format="mp4") as output:
        stream = output.add_stream("aac", rate=44100)
        for _ in range(20):
            frame = av.AudioFrame(format="fltp", layout="stereo", samples=1024)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = 44100
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    audio = _document(sound.getvalue(), "talk.m4a")

    assert document_scan(plain.url) == Scan([], "", "")
    assert document_scan(audio.url) == Scan([], "", "")
    page = _article([{"type": "video", "value": {"url": plain.url, "caption": "放松"}}])
    assert _blocking(page) == []


def test_a_video_is_read_once_per_content(ending_with_code, monkeypatch) -> None:
    calls = []
    read = qr._video_codes
    monkeypatch.setattr(qr, "_video_codes", lambda *a: calls.append(1) or read(*a))
    document = _document(_video(6), "x.mp4")

    assert document_scan(document.url).codes == []
    assert document_scan(document.url).codes == []
    assert len(calls) == 1
    # replaced under the same name: read again
    name = document.file.name
    default_storage.delete(name)
    default_storage.save(name, ContentFile(ending_with_code))
    assert document_scan(document.url).codes == [WECOM_LINK]
    assert len(calls) == 2


# --- F13: animations read by time on screen ------------------------------------------------


def _gif(frames: list[tuple[PILImage.Image, int]]) -> bytes:
    out = io.BytesIO()
    pictures = [picture for picture, _ in frames]
    pictures[0].save(
        out, format="GIF", save_all=True, append_images=pictures[1:],
        duration=[ms for _, ms in frames], loop=0, optimize=False, disposal=1,
    )  # fmt: skip
    return out.getvalue()


def _plain(index: int) -> PILImage.Image:
    # each frame differs (a moving dot) so the GIF writer keeps every one
    picture = PILImage.new("RGB", (240, 240), (255, 255, 255))
    picture.putpixel((index % 240, 5), (0, 0, 0))
    return picture


def _with_code(index: int) -> PILImage.Image:
    picture = _plain(index)
    picture.paste(_code_picture(size=200), (20, 20))
    picture.putpixel((index % 240, 235), (0, 0, 0))
    return picture


def _media(data: bytes, name: str) -> str:
    stored = default_storage.save(f"original_images/{name}", ContentFile(data))
    return "/media/" + stored


def test_a_code_shown_after_longer_plain_frames_is_found() -> None:
    # 35 plain frames of 120 ms, then the code for 60 frames of 100 ms (6 s)
    frames = [(_plain(i), 120) for i in range(35)] + [(_with_code(i), 100) for i in range(60)]
    src = _media(_gif(frames), "banner.gif")
    try:
        assert image_scan(src).codes == [WECOM_LINK]
        assert document_scan(src).codes == [WECOM_LINK]
    finally:
        default_storage.delete(src.removeprefix("/media/"))


def test_a_code_flashed_a_frame_at_a_time_is_found() -> None:
    # the code is shown between 200 plain frames, one 60 ms frame at a time (1.2 s in all)
    frames = []
    for i in range(200):
        frames.append((_plain(i), 90))
        if i % 10 == 0:
            frames.append((_with_code(0), 60))
    src = _media(_gif(frames), "flash.gif")
    try:
        assert image_scan(src).codes == [WECOM_LINK]
    finally:
        default_storage.delete(src.removeprefix("/media/"))


def test_frames_without_a_delay_count_as_browsers_show_them() -> None:
    assert [qr._frame_ms(ms) for ms in (None, 0, 10, 20, 120)] == [100, 100, 100, 20, 120]


def test_a_plain_animation_passes() -> None:
    src = _media(_gif([(_plain(i), 100) for i in range(50)]), "plain.gif")
    try:
        assert image_scan(src) == Scan([])
    finally:
        default_storage.delete(src.removeprefix("/media/"))


# --- F15: data URIs as RFC 2397 writes them ------------------------------------------------


def _png(picture: PILImage.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


CODE_PNG = _png(_code_picture())
PLAIN_PNG = _png(PILImage.new("RGB", (60, 60), (200, 220, 240)))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


DATA_URIS = [
    f'<img src="data:image/png;charset=utf-8;base64,{_b64(CODE_PNG)}">',
    f'<img src="data:image/png,{quote_from_bytes(CODE_PNG)}">',
    f"<img src='data:image/png;name=qr.png;BASE64,{_b64(CODE_PNG)}'>",
    f'<img src="data:;base64,{_b64(CODE_PNG)}">',  # no media type: a browser sniffs it
    f'<img src="data:application/octet-stream;base64,{_b64(CODE_PNG)}">',
    f'<div style="background:url(data:image/png,{quote_from_bytes(CODE_PNG)})"></div>',
    f'<img src="data:image/png;base64,{quote_from_bytes(_b64(CODE_PNG).encode())}">',
    '<img src="data:image/png;base64,{}">'.format(
        "\n".join(_b64(CODE_PNG)[i : i + 76] for i in range(0, len(_b64(CODE_PNG)), 76))
    ),
    f"<img src=data:image/png;base64,{_b64(CODE_PNG).rstrip('=')}>",  # unquoted, unpadded
]


def _html(body: str) -> bytes:
    return f"<!doctype html><html><body><p>睡眠资料</p>{body}</body></html>".encode()


@pytest.mark.parametrize("snippet", DATA_URIS)
def test_a_data_uri_in_a_linked_html_file_is_read(snippet) -> None:
    document = _document(_html(snippet), "guide.html")

    assert document_scan(document.url).codes == [WECOM_LINK]


@pytest.mark.parametrize("snippet", DATA_URIS[:2])
def test_a_data_uri_in_an_html_file_inside_a_zip_is_read(snippet) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("资料/index.html", _html(snippet))
    document = _document(out.getvalue(), "guide.zip")

    assert document_scan(document.url).codes == [WECOM_LINK]


def test_a_science_page_linking_such_a_file_is_blocked() -> None:
    document = _document(_html(DATA_URIS[1]), "guide.html")
    body = f'<p>下载<a linktype="document" id="{document.pk}">资料</a></p>'

    assert _blocking(_article([{"type": "paragraph", "value": body}])) == [CODE_IN_FILE]


@pytest.mark.parametrize(
    "snippet",
    [
        f'<img src="data:image/png;charset=utf-8;base64,{_b64(PLAIN_PNG)}">',
        f'<img src="data:image/png,{quote_from_bytes(PLAIN_PNG)}">',
        '<a href="data:,">空</a><p>metadata:a,b 与 data:text/plain,你好 都不是图片</p>',
    ],
)
def test_plain_data_uris_pass(snippet) -> None:
    document = _document(_html(snippet), "guide.html")

    scan = document_scan(document.url)
    assert (scan.codes, scan.problem) == ([], "")


def test_a_base64_data_uri_that_does_not_decode_is_refused() -> None:
    document = _document(_html('<img src="data:image/png;base64,iVBOR*w0KGgo=">'), "x.html")

    assert document_scan(document.url).problem == UNREADABLE
