"""A 科普 page shows no QR code, whatever the picture is called (issue 17 point 3; review):
the picture the page serves is decoded (`cms.compliance.qr`, zxing-cpp), and a landing page or
consultation embedded in the page (iframe, object, image map, meta refresh) is a conversion
element like a link to it."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.cache import cache
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from cms.compliance.page import check_page
from cms.compliance.qr import image_codes
from cms.compliance.rendered import conversion_findings
from cms.html_text import parse_html
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, rich

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"


def _photo(*, with_code: str = "", name: str = "photo-1.jpg", fmt: str = "JPEG") -> Image:
    """A plain picture (a soft gradient, like the seed's), a code pasted in a corner when
    `with_code` is given, uploaded under a name that says nothing."""
    picture = PILImage.new("RGB", (1200, 630), (160, 190, 210))
    for y in range(0, 630, 6):
        picture.paste((160 + y // 12, 190, 210), (0, y, 1200, y + 6))
    if with_code:
        buffer = io.BytesIO()
        segno.make(with_code, error="m").save(buffer, kind="png", scale=6, border=4)
        buffer.seek(0)
        code = PILImage.open(buffer).convert("RGB").resize((220, 220))
        picture.paste(code, (940, 380))
    out = io.BytesIO()
    picture.save(out, format=fmt, quality=90)
    return Image.objects.create(title="配图", file=ImageFile(io.BytesIO(out.getvalue()), name=name))


def _science(cover: Image) -> ArticlePage:
    cache.clear()
    return draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="sleep",
            layer="science",
            cover=cover,
            body=[{"type": "paragraph", "value": rich("固定起床时间有助于睡眠。")}],
        ),
    )


def _rendered_images(page) -> list[str]:
    return [f.text for f in check_page(page).blocking if f.field == "rendered.images"]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_qr_code_in_a_picture_named_like_a_photo_is_found(fmt):
    page = _science(_photo(with_code=WECOM_LINK, name=f"photo-1.{fmt.lower()}", fmt=fmt))

    found = _rendered_images(page)

    # the cover, and the share card that falls back to it
    assert len(found) == 2
    assert all(WECOM_LINK in text for text in found)


def test_a_plain_picture_is_not_a_qr_code():
    page = _science(_photo())
    assert _rendered_images(page) == []
    assert check_page(page).blocking == []


def test_any_scannable_code_counts_not_only_contact_links():
    # a QR with a bare WeChat id or a phone number is a contact code too
    page = _science(_photo(with_code="weixin://contacts/profile/clinic-helper"))
    assert len(_rendered_images(page)) == 2


def test_only_our_own_media_are_read():
    assert image_codes("https://elsewhere.example/media/images/x.png") == []
    assert image_codes("/static/img/logo.png") == []
    assert image_codes("/media/../config/settings/base.py") == []
    assert image_codes("/media/images/missing.png") == []  # unreadable: no crash, no code


def test_an_unreadable_picture_is_skipped_not_crashing():
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("images/broken-upload.png", ContentFile(b"not a picture"))
    try:
        assert image_codes("/media/" + name) == []
    finally:
        default_storage.delete(name)


EMBEDS = {
    "iframe": '<iframe src="/lp/insomnia/" title="在线咨询"></iframe>',
    "object": '<object data="/packages/insomnia-3m/"></object>',
    "embed": '<embed src="https://work.weixin.qq.com/ca/cawcde1">',
    "area": '<map><area href="/%6Cp/insomnia/" alt="咨询"></map>',
    "refresh": '<meta http-equiv="refresh" content="3; url=/lp/insomnia/">',
    # review: our own 转化 article framed, third-party consultation chats, a short link
    "own-page": '<iframe src="/hair-loss/hair-loss-conversion-4/"></iframe>',
    "shangqiao": '<iframe src="https://p.qiao.baidu.com/cps/chat?siteId=1"></iframe>',
    "affim": '<iframe src="https://affim.baidu.com/unique_1/chat"></iframe>',
    "53kf": '<iframe src="https://tb.53kf.com/code/client/abc/1"></iframe>',
    "short": '<iframe src="https://t.cn/A6abcd"></iframe>',
}


@pytest.mark.parametrize("snippet", EMBEDS.values(), ids=EMBEDS.keys())
def test_a_landing_page_embedded_or_jumped_to_is_a_conversion_element(snippet):
    html = parse_html(
        f"<html><head>{snippet}</head><body><main><p>正文</p>{snippet}</main></body></html>"
    )
    assert [f.field for f, _ in conversion_findings(html)][:1] == ["rendered.frames"]


def test_an_embedded_video_is_not_a_conversion_element():
    html = parse_html(
        '<main><iframe src="https://player.bilibili.com/player.html?bvid=BV1x"></iframe>'
        '<iframe src="https://v.qq.com/txp/iframe/player.html?vid=x"></iframe></main>'
    )
    assert list(conversion_findings(html)) == []


def test_a_code_on_a_transparent_picture_is_found():
    """Review: a black code on a transparent PNG vanished when the alpha channel was dropped
    (transparent black became black); the picture is flattened as a browser shows it."""
    buffer = io.BytesIO()
    segno.make(WECOM_LINK, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    code = PILImage.open(buffer).convert("L")
    picture = PILImage.new("RGBA", (1600, 1000), (0, 0, 0, 0))
    black = PILImage.new("RGBA", code.size, (0, 0, 0, 255))
    picture.paste(black, (600, 300), mask=code.point(lambda v: 255 if v < 128 else 0))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    image = Image.objects.create(
        title="透明图", file=ImageFile(io.BytesIO(out.getvalue()), name="overlay.png")
    )
    assert image_codes(image.file.url) == [WECOM_LINK]


def test_a_video_poster_and_a_share_image_are_read_too():
    html = parse_html(
        '<html><head><meta property="og:image" content="https://site.example/media/x/share.png">'
        '</head><body><main><video poster="/media/images/poster.jpg" src="/v.mp4"></video>'
        "</main></body></html>"
    )
    assert ("/media/images/poster.jpg", "视频封面") in [(i.src, i.alt) for i in html.images]
    assert ("https://site.example/media/x/share.png", "分享图") in [
        (i.src, i.alt) for i in html.images
    ]


def _dot_code(url: str, *, module: int) -> PILImage.Image:
    """A 「美化」 QR code: each dark module drawn as a round dot, dark green on white."""
    from PIL import ImageDraw

    matrix = [list(row) for row in segno.make(url, error="m").matrix]
    side = (len(matrix) + 8) * module
    picture = PILImage.new("RGB", (side, side), (255, 255, 255))
    pen = ImageDraw.Draw(picture)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                cx, cy = (x + 4.5) * module, (y + 4.5) * module
                r = 0.33 * module
                pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(20, 90, 40))
    return picture


@pytest.mark.parametrize("module", [8, 14])
def test_a_qr_code_drawn_with_round_dots_is_found(module):
    """Eighteenth verification A-F5: a WeCom link as a dot-style QR went live on a 科普 page;
    the decoder reads it only once blurred, as a phone's camera sees it. The code sits in a
    wide picture, as in a banner (a square one is cropped by the cover's rendition)."""
    import zxingcpp

    picture = PILImage.new("RGB", (1200, 630), (235, 240, 236))
    code = _dot_code(WECOM_LINK, module=module)
    picture.paste(code, (1200 - code.width - 20, (630 - code.height) // 2))
    assert zxingcpp.read_barcodes(picture) == []  # the sharp pixels alone read as nothing
    out = io.BytesIO()
    picture.save(out, format="PNG")
    image = Image.objects.create(
        title="头皮护理示意图", file=ImageFile(io.BytesIO(out.getvalue()), name="tips.png")
    )

    found = _rendered_images(_science(image))

    assert found
    assert all(WECOM_LINK in text for text in found)
