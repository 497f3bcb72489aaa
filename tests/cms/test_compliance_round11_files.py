"""Fourth verification: our own files a 科普 page links.

F1: a link to a path of ours that names no file (a document id not uploaded yet, a /media/
file that is not there, a document link under another name) is refused, not passed: whatever
is uploaded there later would be live on the page unchecked; a miss is never cached.
F2: a document or image linked from a live page by a URL (a plain href, with or without our
host, its /media/ URL, a written address) cannot have its file replaced in place (the reference
index does not see a plain href), and a scan is cached by the file's content, not its name."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents.models import Document

from cms.compliance import check_page
from cms.compliance.qr import MISSING_FILE, document_scan, image_scan, own_file
from cms.compliance.rendered import conversion_findings
from cms.html_text import parse_html
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, editor, hub, image, rich

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"
HOST = "http://127.0.0.1:8611"  # one of ALLOWED_HOSTS: our own host


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _png(code: str = "") -> bytes:
    picture = PILImage.new("RGB", (400, 400), (255, 255, 255))
    if code:
        buffer = io.BytesIO()
        segno.make(code, error="m").save(buffer, kind="png", scale=8, border=4)
        buffer.seek(0)
        picture.paste(PILImage.open(buffer).convert("RGB").resize((300, 300)), (50, 50))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _document(data: bytes, name: str) -> Document:
    return Document.objects.create(title="资料", file=ContentFile(data, name=name))


def _next_document_id() -> int:
    return (Document.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _unchecked(href: str) -> list[tuple[str, str]]:
    return [(f"科普页面链接或展示的文件无法检查：{MISSING_FILE}", f"资料（{href}）")]


def _linked(href: str) -> list[tuple[str, str]]:
    html = parse_html(f'<main><a href="{href}">资料</a></main>')
    return [(f.message, text) for f, text in conversion_findings(html)]


# --- F1: a path of ours that names no file -------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        "/documents/{id}/va-sleep-handbook.pdf",
        HOST + "/documents/{id}/va-sleep-handbook.pdf",
        "//127.0.0.1:8611/documents/{id}/va-sleep-handbook.pdf",
        "/documents/{id_encoded}/va-sleep-handbook.pdf",
        "/media/documents/va-sleep-card.png",
        HOST + "/media/documents/va-sleep-card.png",
        "/media/original_images/not-uploaded.png",
    ],
)
def test_a_link_to_a_file_of_ours_not_uploaded_yet_is_refused(form) -> None:
    future = _next_document_id() + 5
    encoded = "".join(f"%3{d}" for d in str(future))  # the id's digits percent-encoded
    href = form.format(id=future, id_encoded=encoded)

    assert document_scan(href).problem == MISSING_FILE
    assert _linked(href) == _unchecked(href)


def test_a_document_link_under_another_name_is_refused_and_the_right_name_passes() -> None:
    # Wagtail serves /documents/<id>/<name> only under the file's own name: another name is
    # a 404 today and the document itself once its file is replaced with that name
    document = _document(_png(), "va-rest-guide.pdf")

    assert document_scan(f"/documents/{document.pk}/va-rest-qr.pdf").problem == MISSING_FILE
    assert _linked(document.url) == []
    assert _linked(HOST + document.url) == []


def test_a_picture_of_ours_not_there_is_refused_when_shown() -> None:
    assert image_scan("/media/images/va-sleep-card.png").problem == MISSING_FILE
    html = parse_html('<main><img src="/media/images/va-sleep-card.png" alt="睡眠卡片"></main>')
    assert [f.message for f, _ in conversion_findings(html)] == [
        f"科普页面链接或展示的文件无法检查：{MISSING_FILE}"
    ]


def test_a_miss_is_never_cached_the_file_uploaded_later_is_read() -> None:
    href = "/media/documents/va-late-card.png"
    assert document_scan(href).problem == MISSING_FILE
    assert image_scan(href).problem == MISSING_FILE
    name = default_storage.save("documents/va-late-card.png", ContentFile(_png(WECOM_LINK)))
    try:
        assert name == "documents/va-late-card.png"
        assert document_scan(href).codes == [WECOM_LINK]
        assert image_scan(href).codes == [WECOM_LINK]
    finally:
        default_storage.delete(name)


def test_a_document_whose_file_is_gone_is_refused_then_read_when_back() -> None:
    document = _document(_png(), "va-gone.pdf")
    name = document.file.name
    default_storage.delete(name)

    assert document_scan(document.url).problem == MISSING_FILE

    default_storage.save(name, ContentFile(_png(WECOM_LINK)))
    assert document_scan(document.url).codes == [WECOM_LINK]


def test_links_elsewhere_are_still_no_file_of_ours() -> None:
    # lawful look-alikes: another host's /documents/ path, our document password form
    future = _next_document_id() + 5
    assert own_file(f"https://elsewhere.example/documents/{future}/x.pdf").name == ""
    assert document_scan(f"https://elsewhere.example/documents/{future}/x.pdf").problem == ""
    assert document_scan("/documents/authenticate_with_password/1/").problem == ""
    assert document_scan("https://elsewhere.example/media/documents/x.png").problem == ""


def test_a_rich_text_link_to_a_document_not_uploaded_yet_blocks_the_page() -> None:
    future = _next_document_id() + 5
    body = f'<p>下载<a linktype="document" id="{future}">睡眠手册</a></p>'
    page = draft(
        hub(),
        ArticlePage(title="睡眠卫生", slug="sleep", layer="science",
                    body=[{"type": "paragraph", "value": body}]),
    )  # fmt: skip

    blocking = check_page(page).blocking
    assert [f.message for f in blocking] == [f"科普页面链接或展示的文件无法检查：{MISSING_FILE}"]
    # the refusal names the link in the editor's words, not in the stored markup (sixth
    # verification: it quoted 「<a id="3" linktype="document">」)
    assert [f.text for f in blocking] == [f"链接「睡眠手册」（文档 #{future}）"]


# --- F2 (a): cached by content, not by name -----------------------------------------------


def test_a_file_replaced_under_the_same_name_is_read_again() -> None:
    document = _document(_png(), "va-rest-guide.pdf")
    name = document.file.name
    assert document_scan(document.url).codes == []
    assert image_scan("/media/" + name).codes == []

    # Wagtail deletes the old file on replacement: the same name is free for the next one
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(_png(WECOM_LINK))) == name

    assert document_scan(document.url).codes == [WECOM_LINK]
    assert image_scan("/media/" + name).codes == [WECOM_LINK]


# --- F2 (b): a file linked by URL from a live page cannot be replaced in place -------------


def _live_page(body: str, slug: str = "rest", parent=None) -> ArticlePage:
    """A live 科普 page, put live as it was before this round (the gate now refuses some of
    these links at publication; a page published earlier still shows them)."""
    page = ArticlePage(
        title="休息指南", slug=slug, layer="science", body=[{"type": "paragraph", "value": body}]
    )
    (parent or hub()).add_child(instance=page)
    page.save_revision()
    assert page.live
    return page


def _swap_document(client, document: Document, *, name: str = "va-rest-guide.pdf"):
    client.force_login(editor())
    return client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {
            "title": document.title,
            "file": SimpleUploadedFile(name, _png(WECOM_LINK), content_type="application/pdf"),
            "collection": document.collection_id,
            "tags": "",
        },
    )


LINK_FORMS = {
    "relative": '<p><a href="{url}">休息指南</a></p>',
    "own-host": '<p><a href="' + HOST + '{url}">休息指南</a></p>',
    "media-url": '<p><a href="/media/{name}">休息指南</a></p>',
    "encoded-id": '<p><a href="{encoded}">休息指南</a></p>',
    "other-name": '<p><a href="/documents/{id}/va-rest-qr.pdf">休息指南</a></p>',
    "written": "<p>资料：127.0.0.1:8611{url}</p>",
    "redirect": '<p><a href="/va-rest/">休息指南</a></p>',
}


@pytest.mark.parametrize("form", LINK_FORMS.values(), ids=LINK_FORMS.keys())
def test_a_document_linked_by_url_from_a_live_page_cannot_be_replaced(client, form) -> None:
    document = _document(_png(), "va-rest-guide.pdf")
    Redirect.objects.create(old_path="/va-rest", redirect_link=document.url)
    digits = str(document.pk)
    encoded = document.url.replace(f"/{digits}/", f"/%3{digits[0]}{digits[1:]}/")
    body = form.format(url=document.url, name=document.file.name, id=document.pk, encoded=encoded)
    _live_page(body)
    old_name = document.file.name

    swapped = _swap_document(client, document)

    assert swapped.status_code == 200
    content = swapped.content.decode()
    assert "不能直接替换文件" in content
    assert "「休息指南」" in content
    document.refresh_from_db()
    assert document.file.name == old_name


def test_a_document_no_live_page_links_can_be_replaced(client) -> None:
    # lawful look-alikes: linked only by a draft, another document's id, another host
    document = _document(_png(), "va-rest-guide.pdf")
    other = _document(_png(), "va-other.pdf")
    parent = hub()
    linked = f'<p><a href="{document.url}">x</a></p>'
    draft(
        parent,
        ArticlePage(title="草稿", slug="draft", layer="science",
                    body=[{"type": "paragraph", "value": linked}]),
    )  # fmt: skip
    _live_page(
        f'<p><a href="{other.url}">其他</a>'
        f'<a href="https://elsewhere.example{document.url}">外站</a>'
        f'<a href="/documents/{document.pk}0/va-rest-guide.pdf">另一个</a></p>',
        slug="other",
        parent=parent,
    )

    swapped = _swap_document(client, document, name="va-rest-guide-2.pdf")

    assert swapped.status_code == 302
    document.refresh_from_db()
    assert "va-rest-guide-2" in document.file.name


def test_an_image_linked_by_its_media_url_from_a_live_page_cannot_be_replaced(client) -> None:
    picture = image("休息配图")
    rendition = picture.get_rendition("width-4")
    _live_page(
        f'<p><a href="/media/{picture.file.name}">原图</a></p>'
        f"<p>缩略图：127.0.0.1:8611{rendition.url}</p>"
    )
    client.force_login(editor())

    swapped = client.post(
        reverse("wagtailimages:edit", args=[picture.pk]),
        {
            "title": "休息配图",
            "file": SimpleUploadedFile("photo.png", _png(WECOM_LINK), content_type="image/png"),
            "collection": picture.collection_id,
            "tags": "",
            "focal_point_x": "",
            "focal_point_y": "",
            "focal_point_width": "",
            "focal_point_height": "",
        },
    )

    assert swapped.status_code == 200
    assert "不能直接替换文件" in swapped.content.decode()
    picture.refresh_from_db()
    assert "compliance-test" in picture.file.name


def test_an_image_linked_only_by_its_rendition_url_cannot_be_replaced(client) -> None:
    picture = image("休息配图")
    rendition = picture.get_rendition("width-4")
    _live_page(rich("正文") + f'<p><a href="{HOST}{rendition.url}">缩略图</a></p>')
    client.force_login(editor())

    swapped = client.post(
        reverse("wagtailimages:edit", args=[picture.pk]),
        {
            "title": "休息配图",
            "file": SimpleUploadedFile("photo.png", _png(WECOM_LINK), content_type="image/png"),
            "collection": picture.collection_id,
            "tags": "",
            "focal_point_x": "",
            "focal_point_y": "",
            "focal_point_width": "",
            "focal_point_height": "",
        },
    )

    assert swapped.status_code == 200
    assert "不能直接替换文件" in swapped.content.decode()
