"""Round 11: the files a 科普 page links, frames or shows are read whatever they are and to the
end (`cms.compliance.qr.document_scan`): every page of a PDF up to MAX_PDF_PAGES (a longer or
unopenable one is refused, not passed), a picture served as a document or from our media
(every frame of an animation), the pictures in an office file or a zip; an SVG is refused."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile

import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from wagtail.documents.models import Document

from cms.compliance import check_page, qr
from cms.compliance.qr import (
    ARCHIVE_UNREADABLE,
    MAX_PDF_PAGES,
    MAX_PDF_PICTURES,
    MAX_ZIP_PICTURES,
    NESTED_TOO_DEEP,
    PAGE_TOO_LARGE,
    SVG_REFUSED,
    TOO_LARGE,
    TOO_MANY_PAGES,
    TOO_MANY_PICTURES,
    TOO_MUCH_TO_DRAW,
    UNREADABLE,
    document_scan,
    image_codes,
)
from cms.compliance.rendered import conversion_findings, text_urls
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


def _vector_code_ops(
    text: str, *, at: tuple[float, float] = (300, 700), size: float = 4.0
) -> bytes:
    """A code drawn as paths, its top left corner `at` (points), `size` points a module."""
    qr = segno.make(text, error="m")
    ops, (left, top) = [b"0 g"], at
    for y, row in enumerate(qr.matrix_iter(scale=1, border=4)):
        for x, dark in enumerate(row):
            if dark:
                ops.append(
                    b"%.2f %.2f %.2f %.2f re f" % (left + x * size, top - y * size, size, size)
                )
    return b"\n".join(ops)


def _pdf(
    pages: list[bytes],
    *,
    xobjects: int = 0,
    prefix: bytes = b"",
    size: tuple[int, int] = (595, 842),
    font_chars: str = "",
) -> bytes:
    """A PDF of A4 pages (or `size` in points), each the content stream given, written by hand
    (the code is drawn as the test says); `xobjects` tiny pictures are drawn on the first page
    (decoys); with `font_chars`, a font /F1 whose two-byte codes are those characters' code
    points (`_text_ops`), mapped back to them for a reader that copies the text."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"")  # the page tree, filled in below
    font = _font(add, font_chars) if font_chars else 0
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
        elif font:
            resources = b"<< /Font << /F1 %d 0 R >> >>" % font
        else:
            resources = b"<< >>"
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                b"/Resources %s >>" % (*size, stream, resources)
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


def _font(add, chars: str) -> int:
    """A Type0 font (Identity-H, not embedded: the reader draws a fallback) whose ToUnicode map
    reads each two-byte code as the character with that code point."""
    pairs = b"\n".join(b"<%04X> <%04X>" % (ord(c), ord(c)) for c in sorted(set(chars)))
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CMapName /Yinliu-UCS2 def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"%d beginbfchar\n%s\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop "
        b"end end" % (len(set(chars)), pairs)
    )
    to_unicode = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -140 1000 860] "
        b"/ItalicAngle 0 /Ascent 860 /Descent -140 /CapHeight 700 /StemV 80 >>"
    )
    cid = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "
        b"/DW 1000 >>" % descriptor
    )
    return add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid, to_unicode)
    )


def _text_ops(lines: list[str]) -> bytes:
    """A content stream writing `lines` with /F1 (`_font`), one under the other."""
    ops = [b"BT /F1 12 Tf 14 TL 50 780 Td"]
    for line in lines:
        ops.append(b"<%s> Tj T*" % line.encode("utf-16-be").hex().upper().encode())
    ops.append(b"ET")
    return b"\n".join(ops)


def _text_pdf(pages: list[list[str]]) -> bytes:
    chars = "".join("".join(lines) for lines in pages)
    return _pdf([_text_ops(lines) for lines in pages], font_chars=chars)


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


# --- round 11 verification: files inside files, posters, pictures by content, text -------


def _docx(members: dict[str, bytes]) -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, **members})


def _code_png() -> bytes:
    return _picture_bytes(_code_picture(WECOM_LINK), "PNG")


@pytest.mark.parametrize(
    "inner",
    [
        pytest.param(lambda: ("brochure.pdf", _pdf([_vector_code_ops(WECOM_LINK)])), id="pdf"),
        pytest.param(
            lambda: ("guide.docx", _docx({"word/media/image1.png": _code_png()})), id="docx"
        ),
        pytest.param(lambda: ("more.zip", _zip({"p/qr.png": _code_png()})), id="zip"),
    ],
)
def test_a_code_in_a_file_inside_a_zip_is_found(inner) -> None:
    # V2 (a), (b): a PDF or a DOCX inside the .zip download; the pictures of the zip alone
    # were read
    name, data = inner()
    document = _document(_zip({f"资料/{name}": data}), "pack.zip")

    assert _linked(document.url) == _code_found(document.url)


def test_files_nested_deeper_than_the_bound_are_refused() -> None:
    # a zip in a zip in a zip: the innermost is past MAX_NESTING
    innermost = _zip({"qr.png": _code_png()})
    document = _document(_zip({"a.zip": _zip({"b.zip": innermost})}), "deep.zip")

    assert _linked(document.url) == _unchecked(document.url, NESTED_TOO_DEEP)


def test_a_zip_of_many_pdfs_is_bounded_and_refused(monkeypatch) -> None:
    # the views drawn are counted over every PDF in the linked file (a smaller bound here:
    # each blank page drawn costs time)
    monkeypatch.setattr(qr, "MAX_PDF_VIEWS", 25)
    pages = _pdf([BLANK] * 10)
    document = _document(_zip({f"{i}.pdf": pages for i in range(3)}), "pdfs.zip")

    assert _linked(document.url) == _unchecked(document.url, TOO_MUCH_TO_DRAW)


def test_a_small_code_on_a_poster_size_page_is_found() -> None:
    # V2 (c): a 3000 × 3000 pt page with a code of about 2.6 cm (73 pt); drawn whole at the
    # pixel cap's scale (0.667) its modules are under 2 pixels. A reader zooms in.
    modules = len(list(segno.make(WECOM_LINK, error="m").matrix_iter(scale=1, border=4)))
    ops = _vector_code_ops(WECOM_LINK, at=(2210, 1530), size=73.7 / modules)
    poster = _document(_pdf([BLANK, ops], size=(3000, 3000)), "poster.pdf")

    assert _linked(poster.url) == _code_found(poster.url)


def test_a_code_as_large_as_a_poster_page_is_still_found() -> None:
    # the tiles are each part of it: the page drawn whole reads it
    modules = len(list(segno.make(WECOM_LINK, error="m").matrix_iter(scale=1, border=4)))
    ops = _vector_code_ops(WECOM_LINK, at=(100, 2900), size=2800 / modules)
    poster = _document(_pdf([ops], size=(3000, 3000)), "big-code.pdf")

    assert _linked(poster.url) == _code_found(poster.url)


def test_a_page_too_large_to_draw_is_refused_not_passed() -> None:
    # PDF's largest page, 200 × 200 inches: more tiles than MAX_PAGE_TILES
    poster = _document(_pdf([BLANK], size=(14400, 14400)), "huge.pdf")

    assert _linked(poster.url) == _unchecked(poster.url, PAGE_TOO_LARGE)


@pytest.mark.parametrize(
    "member", ["word/media/image1.bin", "word/media/image1", "word/embeddings/qr.jpe"]
)
def test_a_picture_in_an_office_file_is_read_whatever_its_name(member) -> None:
    # V2 (d): Word shows image1.bin by its declared content type (image/png)
    document = _document(_docx({member: _code_png()}), "guide.docx")

    assert _linked(document.url) == _code_found(document.url)


def test_a_jpe_in_a_zip_is_read() -> None:
    jpe = _picture_bytes(_code_picture(WECOM_LINK), "JPEG")
    document = _document(_zip({"qr.jpe": jpe}), "pack.zip")

    assert _linked(document.url) == _code_found(document.url)


SVG_AFTER_COMMENT = b"<!-- made by an editor -->\n<!DOCTYPE svg>\n" + SVG.split(b"\n", 1)[1]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SVG_AFTER_COMMENT, id="comment"),
        pytest.param(b"\n\n" + b"<!--" + b" " * 3000 + b"-->" + SVG, id="long-comment"),
        pytest.param(b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>', id="prefixed"),
        pytest.param(b"\xff\xfe" + SVG.decode().encode("utf-16-le"), id="utf-16"),
        pytest.param(__import__("gzip").compress(SVG_AFTER_COMMENT), id="svgz"),
    ],
)
def test_an_svg_is_known_by_its_content(data) -> None:
    # an SVG that starts with an XML comment passed as no picture at all
    document = _document(data, "drawing.dat")
    pack = _document(_zip({"drawing.dat": data}), "pack.zip")

    assert _linked(document.url) == _unchecked(document.url, SVG_REFUSED)
    assert _linked(pack.url) == _unchecked(pack.url, SVG_REFUSED)


def test_xml_that_is_no_svg_is_not_refused() -> None:
    document = _document("<?xml version='1.0'?><!-- x --><note>睡眠</note>".encode(), "note.xml")

    assert _linked(document.url) == []


def _text_found(href: str, wording: str) -> tuple[str, str]:
    return (
        "科普页面链接的文件中：科普内容不得附带电话、微信号、二维码等联系方式（变相发布医疗广告）",
        f"资料（{href}）（文档中的联系方式：{wording}）",
    )


def test_contacts_written_in_a_linked_pdf_are_found() -> None:
    # V13: the text of the file is the page's own contact channel
    pdf = _text_pdf(
        [["睡眠卫生手册", "规律作息有助于睡眠。"], ["如需帮助请联系", "WeChat: hair2024"]]
    )
    brochure = _document(pdf, "x.pdf")

    assert _linked(brochure.url) == [_text_found(brochure.url, "WeChat: hair2024")]


DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><w:document '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    "<w:p><w:r><w:t>睡眠卫生</w:t></w:r></w:p>"
    "<w:p><w:r><w:t>咨询电话1381234</w:t></w:r><w:r><w:t>5678，微信hair2024</w:t></w:r></w:p>"
    "</w:body></w:document>"
).encode()


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("guide.docx", "word/document.xml"),
        ("footer.docx", "word/footer1.xml"),
        ("slides.pptx", "ppt/slides/slide1.xml"),
        ("sheet.xlsx", "xl/sharedStrings.xml"),
        ("notes.odt", "content.xml"),
    ],
)
def test_contacts_written_in_an_office_file_are_found(name, part) -> None:
    document = _document(_docx({part: DOCUMENT_XML}), name)

    assert _linked(document.url) == [
        _text_found(document.url, "13812345678"),
        _text_found(document.url, "微信hair2024"),
    ]


def test_contacts_in_a_docx_inside_a_zip_and_in_a_text_file_are_found() -> None:
    pack = _document(_zip({"guide.docx": _docx({"word/document.xml": DOCUMENT_XML})}), "p.zip")
    text = _document("睡眠日记\n微信hair2024".encode(), "diary.txt")

    assert _linked(pack.url)[-1] == _text_found(pack.url, "微信hair2024")
    assert _linked(text.url) == [_text_found(text.url, "微信hair2024")]


def test_a_health_claim_in_a_linked_file_blocks_too() -> None:
    brochure = _document(_text_pdf([["本疗法保证治愈脱发"]]), "claim.pdf")

    found = _linked(brochure.url)
    assert [text for _, text in found] == [f"资料（{brochure.url}）（文档中的文字：保证治愈）"]


def test_a_linked_file_with_plain_health_text_is_no_finding() -> None:
    pdf = _text_pdf([["睡眠卫生手册", "固定起床时间有助于睡眠。"]] * 3)
    plain = DOCUMENT_XML.decode().replace("咨询电话1381234", "")
    plain = plain.replace("5678，微信hair2024", "早睡早起")
    document = _document(_docx({"word/document.xml": plain.encode()}), "plain.docx")
    brochure = _document(pdf, "plain.pdf")

    assert _linked(brochure.url) == []
    assert _linked(document.url) == []


def test_the_gate_refuses_a_science_page_linking_a_file_with_a_contact() -> None:
    document = _document(_docx({"word/document.xml": DOCUMENT_XML}), "guide.docx")
    body = f'<p>下载<a linktype="document" id="{document.pk}">睡眠手册</a></p>'
    page = draft(
        hub(),
        ArticlePage(title="睡眠卫生", slug="sleep", layer="science",
                    body=[{"type": "paragraph", "value": body}]),
    )  # fmt: skip

    texts = [f.text for f in check_page(page).blocking if f.field == "rendered.links"]
    assert f"睡眠手册（{document.url}）（文档中的联系方式：微信hair2024）" in texts


# --- verification 2, N3: archives and attachments inside a linked file ----------------------


def _gz(data: bytes) -> bytes:
    return gzip.compress(data)


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _attached_pdf(name: str, data: bytes) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "member",
    [
        pytest.param(lambda: ("guide/qr.png.gz", _gz(_code_png())), id="png.gz"),
        pytest.param(lambda: ("guide.tar.gz", _gz(_tar({"qr.png": _code_png()}))), id="tar.gz"),
        pytest.param(lambda: ("guide.tar", _tar({"qr.png": _code_png()})), id="tar"),
        pytest.param(lambda: ("qr.png.bz2", bz2.compress(_code_png())), id="bz2"),
        pytest.param(lambda: ("qr.png.xz", lzma.compress(_code_png())), id="xz"),
    ],
)
def test_a_code_in_a_compressed_file_or_a_tar_inside_a_zip_is_found(member) -> None:
    # N3 (docs 33-35): a member of no kind we read was skipped
    name, data = member()
    document = _document(_zip({name: data}), "pack.zip")

    assert _linked(document.url) == _code_found(document.url)


def test_a_linked_tar_gz_is_read() -> None:
    document = _document(_gz(_tar({"guide/qr.png": _code_png()})), "guide.tar.gz")

    assert _linked(document.url) == _code_found(document.url)


def test_a_code_attached_to_a_pdf_is_found() -> None:
    # N3 (doc 36): /EmbeddedFiles was never opened
    document = _document(_attached_pdf("qr.png", _code_png()), "guide.pdf")

    assert _linked(document.url) == _code_found(document.url)


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 64, id="7z"),
        pytest.param(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64, id="rar"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, id="ole-doc"),
    ],
)
def test_an_archive_we_cannot_open_is_refused_in_a_zip_a_pdf_or_linked(blob) -> None:
    pack = _document(_zip({"guide/more": blob}), "pack.zip")
    attached = _document(_attached_pdf("more", blob), "guide.pdf")
    alone = _document(blob, "guide.bin")

    for document in (pack, attached, alone):
        assert _linked(document.url) == _unchecked(document.url, ARCHIVE_UNREADABLE)


def test_an_unknown_binary_in_a_zip_is_skipped_and_a_gzip_bomb_refused(monkeypatch) -> None:
    font = _document(_zip({"fonts/a.ttf": b"\x00\x01\x00\x00" + bytes(range(256))}), "f.zip")
    monkeypatch.setattr(qr, "MAX_UNPACKED_BYTES", 1_000_000)
    bomb = _document(_zip({"x.gz": _gz(b"\x00" * 2_000_000)}), "bomb.zip")

    assert _linked(font.url) == []
    assert _linked(bomb.url) == _unchecked(bomb.url, TOO_LARGE)


def test_gzip_within_gzip_and_tar_past_the_nesting_bound_are_refused() -> None:
    double = _document(_zip({"qr.png.gz.gz": _gz(_gz(_code_png()))}), "double.zip")
    deep = _document(_zip({"a.zip": _zip({"b.tar": _tar({"qr.png": _code_png()})})}), "d.zip")

    assert _linked(double.url) == _unchecked(double.url, NESTED_TOO_DEEP)
    assert _linked(deep.url) == _unchecked(deep.url, NESTED_TOO_DEEP)


# --- verification 2, N4: links and notes inside a linked file -------------------------------

SHORT_LINK = "https://t.cn/A6xYz"


def _annotated_pdf(*, annotation: dict | None = None, open_action: dict | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if annotation is not None:
        writer.add_annotation(0, DictionaryObject(annotation))
    if open_action is not None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(open_action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _uri_action() -> dict:
    return {
        NameObject("/S"): NameObject("/URI"),
        NameObject("/URI"): TextStringObject(SHORT_LINK),
    }


def test_a_pdf_link_annotation_and_open_action_are_kept_as_text() -> None:
    link = _annotated_pdf(
        annotation={
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 200, 40)]),
            NameObject("/A"): DictionaryObject(_uri_action()),
        }
    )
    opening = _annotated_pdf(open_action=_uri_action())

    for data, name in ((link, "n06_link.pdf"), (opening, "n16_openaction.pdf")):
        scan = document_scan(_document(data, name).url)
        assert (scan.problem, text_urls(scan.text)) == ("", [SHORT_LINK])


def test_a_docx_hyperlink_and_an_odt_link_are_kept_as_text() -> None:
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/relationships/hyperlink" Target="{SHORT_LINK}" '
        'TargetMode="External"/></Relationships>'
    ).encode()
    docx = _document(
        _docx({"word/document.xml": DOCUMENT_XML, "word/_rels/document.xml.rels": rels}),
        "n07_link.docx",
    )
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:xlink="http://www.w3.org/1999/xlink"><text:p>'
        f'<text:a xlink:href="{SHORT_LINK}">阅读全文</text:a></text:p></office:document-content>'
    ).encode()
    odt = _document(_zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                          "content.xml": content}), "n07_link.odt")  # fmt: skip

    assert SHORT_LINK in text_urls(document_scan(docx.url).text)
    assert text_urls(document_scan(odt.url).text) == [SHORT_LINK]


def test_a_free_text_annotation_with_a_contact_is_found() -> None:
    # N4 (doc 46): pypdf's extract_text leaves annotations out
    data = _annotated_pdf(
        annotation={
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FreeText"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 300, 60)]),
            NameObject("/Contents"): TextStringObject("WeChat: hair2024 Tel 13812345678"),
            NameObject("/DA"): TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    document = _document(data, "n17_freetext.pdf")

    assert _linked(document.url) == [
        _text_found(document.url, "WeChat: hair2024"),
        _text_found(document.url, "13812345678"),
    ]


def test_a_web_address_written_in_a_pdf_or_a_text_file_is_in_its_text() -> None:
    # N4 (docs 40, 41): already kept; the caller reads `text_urls` of it (see report)
    pdf = _document(_text_pdf([["copy t.cn/A6xYz into your browser"]]), "n08.pdf")
    text = _document("睡眠卫生指南全文：复制 t.cn/A6xYz 到浏览器打开".encode(), "n09.txt")

    for document in (pdf, text):
        assert "t.cn/A6xYz" in document_scan(document.url).text


def test_a_web_address_in_a_linked_file_blocks_the_page() -> None:
    # N4: the file's web addresses (written, or a link annotation) are read as the page's are
    cache.clear()
    pdf = _document(_text_pdf([["copy t.cn/A6xYz into your browser"]]), "n08b.pdf")
    text = _document("睡眠卫生指南全文：复制 t.cn/A6xYz 到浏览器打开".encode(), "n09b.txt")
    plain = _document("参考：www.nhc.gov.cn 发布的指南".encode(), "n10b.txt")

    for document in (pdf, text):
        found = _linked(document.url)
        assert any("文档中的网址：https://t.cn/A6xYz" in shown for _, shown in found), found
    assert _linked(plain.url) == []


# --- third verification: pictures and links inside text formats (F2, F3), jump pages (F1) ---


def _qr_png() -> bytes:
    return _picture_bytes(_code_picture(WECOM_LINK), "PNG")


def _embedded_files() -> dict[str, bytes]:
    import base64

    png = _qr_png()
    b64 = base64.b64encode(png)
    mime = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>guide</p>\r\n"
        b"--b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b64
        + b"\r\n--b1--\r\n"
    )
    return {
        "page.html": b'<html><body><img src="data:image/png;base64,' + b64 + b'"></body></html>',
        "css.html": b'<div style="background:url(data:image/png;base64,' + b64 + b')"></div>',
        "guide.rtf": b"{\\rtf1\\ansi{\\pict\\pngblip\\picw300\\pich300 "
        + png.hex().encode()
        + b"}}",
        "guide.mht": mime,
        "guide.eml": b"From: a@example.cn\r\nSubject: x\r\n" + mime,
    }


@pytest.mark.parametrize("name", ["page.html", "css.html", "guide.rtf", "guide.mht", "guide.eml"])
def test_a_code_embedded_in_a_text_format_is_found(name) -> None:
    # F2: the picture is inside an HTML data URI, an RTF \pict group or a MIME part
    document = _document(_embedded_files()[name], name)

    assert _linked(document.url) == _code_found(document.url)


@pytest.mark.parametrize(
    "body",
    [
        b'<p><a href="https://t.cn/A6xYz">\xe9\x98\x85\xe8\xaf\xbb\xe5\x85\xa8\xe6\x96\x87</a></p>',
        b'<meta http-equiv="refresh" content="0;url=https://t.cn/A6xYz">',
    ],
)
def test_links_inside_a_linked_html_file_are_read(body) -> None:
    # F3: a short link as an <a href> or a meta refresh inside the linked file
    document = _document(body, "guide.html")

    found = _linked(document.url)

    assert any("文档中的网址：https://t.cn/A6xYz" in shown for _, shown in found), found


def test_a_plain_html_file_with_a_citation_link_is_no_finding() -> None:
    document = _document(
        b'<p>\xe5\x8f\x82\xe8\x80\x83 <a href="https://www.who.int/">WHO</a></p>', "c.html"
    )

    assert _linked(document.url) == []


@pytest.mark.parametrize(
    "jump",
    [
        "https://link.zhihu.com/?target=http%3A%2F%2Flocalhost%2Fdocuments%2F{pk}%2F{name}",
        "https://www.google.com/url?q=http://localhost/documents/{pk}/{name}",
    ],
)
def test_another_site_s_jump_page_carrying_our_qr_file_is_found(jump) -> None:
    # F1: the jump page leads the reader to our own document with a code
    brochure = _document(_qr_png(), "qr.png")
    href = jump.format(pk=brochure.pk, name=brochure.file.name.rsplit("/", 1)[-1])

    found = _linked(href)

    assert any("文档中二维码" in shown for _, shown in found), found
