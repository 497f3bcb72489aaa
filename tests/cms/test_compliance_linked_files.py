"""Round 11: the files a 科普 page links, frames or shows are read whatever they are and to the
end (`cms.compliance.qr.document_scan`): every page of a PDF up to MAX_PDF_PAGES (a longer or
unopenable one is refused, not passed), a picture served as a document or from our media
(every frame of an animation), the pictures in an office file or a zip; an SVG is refused."""

from __future__ import annotations

import io
import zipfile

import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from wagtail.documents.models import Document

from cms.compliance import check_page
from cms.compliance.qr import (
    MAX_PDF_PAGES,
    MAX_PDF_PICTURES,
    MAX_ZIP_PICTURES,
    SVG_REFUSED,
    TOO_MANY_PAGES,
    TOO_MANY_PICTURES,
    UNREADABLE,
    document_scan,
    image_codes,
)
from cms.compliance.rendered import conversion_findings
from cms.html_text import parse_html
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _document(data: bytes, name: str) -> Document:
    return Document.objects.create(title="资料", file=ContentFile(data, name=name))


def _code_picture(text: str, *, size: int = 300) -> PILImage.Image:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return PILImage.open(buffer).convert("RGB").resize((size, size))


def _picture_bytes(picture: PILImage.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


def _vector_code_ops(text: str) -> bytes:
    qr = segno.make(text, error="m")
    ops, size = [b"0 g"], 4.0
    for y, row in enumerate(qr.matrix_iter(scale=1, border=4)):
        for x, dark in enumerate(row):
            if dark:
                ops.append(
                    b"%.1f %.1f %.1f %.1f re f" % (300 + x * size, 700 - y * size, size, size)
                )
    return b"\n".join(ops)


def _pdf(pages: list[bytes], *, xobjects: int = 0, prefix: bytes = b"") -> bytes:
    """A PDF of A4 pages, each the content stream given, written by hand (the code is drawn as
    the test says); `xobjects` tiny pictures are drawn on the first page (decoys)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"")  # the page tree, filled in below
    decoys = [
        add(b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream")
        for _ in range(xobjects)
    ]  # fmt: skip
    kids = []
    for index, content in enumerate(pages):
        if index == 0 and decoys:
            names = b" ".join(b"/D%d %d 0 R" % (n, ref) for n, ref in enumerate(decoys))
            content = (
                b"\n".join(b"q 4 0 0 4 %d 20 cm /D%d Do Q" % (5 * n, n) for n in range(len(decoys)))
                + b"\n"
                + content
            )
            resources = b"<< /XObject << " + names + b" >> >>"
        else:
            resources = b"<< >>"
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                b"/Resources %s >>" % (stream, resources)
            )
        )
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(prefix + b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell() - len(prefix))
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell() - len(prefix)
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


BLANK = b"0 g 100 100 50 50 re f"


def _linked(href: str) -> list[tuple[str, str]]:
    html = parse_html(f'<main><a href="{href}">资料</a></main>')
    return [(f.message, text) for f, text in conversion_findings(html)]


def _code_found(href: str) -> list[tuple[str, str]]:
    return [
        (
            "科普页面不得展示含二维码的文档（变相发布医疗广告）",
            f"资料（{href}）（文档中二维码：{WECOM_LINK}）",
        )
    ]


def _unchecked(href: str, problem: str) -> list[tuple[str, str]]:
    return [(f"科普页面链接或展示的文件无法检查：{problem}", f"资料（{href}）")]


# --- PDFs: every page, fail closed past the bound ------------------------------------------


@pytest.mark.parametrize(
    ("count", "at"), [(21, 10), (MAX_PDF_PAGES, 30), (MAX_PDF_PAGES, MAX_PDF_PAGES - 1)]
)
def test_a_code_on_any_page_of_a_pdf_up_to_the_bound_is_found(count, at) -> None:
    # given a brochure whose code is drawn (vector paths) on a middle page: page 11 of 21
    # was never drawn (only the first and last ten were)
    pages = [BLANK] * count
    pages[at] = _vector_code_ops(WECOM_LINK)
    brochure = _document(_pdf(pages), f"brochure-{count}-{at}.pdf")

    assert _linked(brochure.url) == _code_found(brochure.url)


def test_a_pdf_longer_than_the_bound_is_refused_not_passed() -> None:
    brochure = _document(_pdf([BLANK] * (MAX_PDF_PAGES + 1)), "long.pdf")

    assert _linked(brochure.url) == _unchecked(brochure.url, TOO_MANY_PAGES)


def test_many_decoy_pictures_do_not_switch_the_drawn_pages_off() -> None:
    # given more tiny pictures than the pictures pass reads, and the code drawn as paths
    pdf = _pdf([_vector_code_ops(WECOM_LINK)], xobjects=MAX_PDF_PICTURES + 1)
    brochure = _document(pdf, "decoys.pdf")

    assert _linked(brochure.url) == _code_found(brochure.url)


def test_a_pdf_with_bytes_before_its_header_is_read() -> None:
    # PDF readers look for the header in the first 1024 bytes
    pdf = _pdf([_vector_code_ops(WECOM_LINK)], prefix=b"\x00" * 200)
    brochure = _document(pdf, "prefixed.pdf")

    assert _linked(brochure.url) == _code_found(brochure.url)


def test_a_damaged_or_password_protected_pdf_is_refused_not_passed() -> None:
    from pypdf import PdfReader, PdfWriter

    broken = _document(b"%PDF-1.4 broken", "bad.pdf")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([_vector_code_ops(WECOM_LINK)]))))
    writer.encrypt("1234")
    out = io.BytesIO()
    writer.write(out)
    locked = _document(out.getvalue(), "locked.pdf")

    assert _linked(broken.url) == _unchecked(broken.url, UNREADABLE)
    assert _linked(locked.url) == _unchecked(locked.url, UNREADABLE)


def test_a_plain_pdf_is_no_finding() -> None:
    brochure = _document(_pdf([BLANK] * 5), "plain.pdf")

    assert _linked(brochure.url) == []


# --- pictures served as documents or from our media --------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")]
)
def test_a_picture_document_holding_a_code_is_found(fmt, ext) -> None:
    page = PILImage.new("RGB", (800, 600), (255, 255, 255))
    page.paste(_code_picture(WECOM_LINK), (400, 200))
    document = _document(_picture_bytes(page, fmt), f"qr.{ext}")

    assert _linked(document.url) == _code_found(document.url)


def test_a_link_to_one_of_our_media_pictures_is_read() -> None:
    name = default_storage.save(
        "original_images/pic_qr.png", ContentFile(_picture_bytes(_code_picture(WECOM_LINK), "PNG"))
    )
    try:
        href = "/media/" + name
        assert _linked(href) == _code_found(href)
    finally:
        default_storage.delete(name)


def test_a_code_in_a_later_frame_of_an_animation_is_found() -> None:
    # given a GIF that shows a blank frame briefly, then the code for five seconds
    blank = PILImage.new("RGB", (300, 300), (255, 255, 255))
    out = io.BytesIO()
    blank.save(
        out, format="GIF", save_all=True, append_images=[_code_picture(WECOM_LINK)],
        duration=[100, 5000], loop=0,
    )  # fmt: skip
    name = default_storage.save("original_images/banner.gif", ContentFile(out.getvalue()))
    try:
        assert image_codes("/media/" + name) == [WECOM_LINK]
        assert _linked("/media/" + name) == _code_found("/media/" + name)
    finally:
        default_storage.delete(name)


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10"/></svg>'
)


def test_an_svg_linked_or_shown_is_refused_for_it_cannot_be_read() -> None:
    document = _document(SVG, "qr.svg")
    name = default_storage.save("original_images/logo.svg", ContentFile(SVG))
    try:
        assert _linked(document.url) == _unchecked(document.url, SVG_REFUSED)
        html = parse_html(f'<main><img src="/media/{name}" alt="图"></main>')
        assert [f.message for f, _ in conversion_findings(html)] == [
            f"科普页面链接或展示的文件无法检查：{SVG_REFUSED}"
        ]
    finally:
        default_storage.delete(name)


def test_a_plain_picture_and_a_text_document_are_no_finding() -> None:
    photo = _document(
        _picture_bytes(PILImage.new("RGB", (400, 300), (160, 190, 210)), "PNG"), "p.png"
    )
    text = _document("睡眠日记模板".encode(), "diary.txt")

    assert _linked(photo.url) == []
    assert _linked(text.url) == []


# --- office files and zips ---------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("guide.docx", "word/media"),
        ("slides.pptx", "ppt/media"),
        ("sheet.xlsx", "xl/media"),
        ("pack.zip", "pictures"),
    ],
)
def test_a_code_in_an_office_file_or_a_zip_is_found(name, folder) -> None:
    code = _picture_bytes(_code_picture(WECOM_LINK), "PNG")
    data = _zip(
        {"[Content_Types].xml": CONTENT_TYPES, f"{folder}/image1.png": code}
        if name != "pack.zip"
        else {f"{folder}/qr.png": code}
    )
    document = _document(data, name)

    assert _linked(document.url) == _code_found(document.url)


def test_an_office_file_s_svg_with_its_png_copy_is_read_and_a_bare_svg_in_a_zip_refused() -> None:
    plain = _picture_bytes(PILImage.new("RGB", (40, 40), (255, 255, 255)), "PNG")
    office = _document(
        _zip({"[Content_Types].xml": CONTENT_TYPES, "word/media/image1.svg": SVG,
              "word/media/image2.png": plain}),
        "icons.docx",
    )  # fmt: skip
    pack = _document(_zip({"qr.svg": SVG}), "pack.zip")

    assert _linked(office.url) == []
    assert _linked(pack.url) == _unchecked(pack.url, SVG_REFUSED)


def test_a_zip_with_more_pictures_than_read_or_a_damaged_one_is_refused() -> None:
    tiny = _picture_bytes(PILImage.new("RGB", (4, 4), (255, 255, 255)), "PNG")
    many = _document(_zip({f"p/{i}.png": tiny for i in range(MAX_ZIP_PICTURES + 1)}), "many.zip")
    broken = _document(b"PK\x03\x04 not really", "broken.docx")

    assert _linked(many.url) == _unchecked(many.url, TOO_MANY_PICTURES)
    assert _linked(broken.url) == _unchecked(broken.url, UNREADABLE)


def test_the_gate_refuses_a_science_page_linking_a_picture_document_with_a_code() -> None:
    page_picture = PILImage.new("RGB", (800, 600), (255, 255, 255))
    page_picture.paste(_code_picture(WECOM_LINK), (400, 200))
    document = _document(_picture_bytes(page_picture, "PNG"), "qr.png")
    body = f'<p>下载<a linktype="document" id="{document.pk}">资料</a></p>'
    page = draft(
        hub(),
        ArticlePage(title="睡眠卫生", slug="sleep", layer="science",
                    body=[{"type": "paragraph", "value": body}]),
    )  # fmt: skip

    assert [f.message for f in check_page(page).blocking] == [
        "科普内容不得放置含二维码的文档（变相发布医疗广告）"
    ]
    assert document_scan(document.url).codes == [WECOM_LINK]
