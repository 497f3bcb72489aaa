"""The title and description of a picture or a file that live pages use are checked when they
are edited (eighth verification of issue 17, F4: an editor renamed a live 科普 article's cover
「封面 加微信hair2024」, saved without a word, and the nightly sweep took the article down)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents.models import Document

from cms.models import ArticlePage
from tests.cms.compliance_support import draft, editor, hub, image, rich

pytestmark = pytest.mark.django_db

FOCAL = {
    "focal_point_x": "",
    "focal_point_y": "",
    "focal_point_width": "",
    "focal_point_height": "",
}


def _live_article(**fields) -> ArticlePage:
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            **{"body": [{"type": "paragraph", "value": rich("固定起床时间。")}], **fields},
        ),
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.mark.parametrize(
    ("field", "value", "wording"),
    [
        ("title", "封面 加微信hair2024", "加微信"),
        ("description", "扫码咨询 13800138000", "13800138000"),
        ("title", "封面，治愈率95%", "治愈率95%"),
    ],
)
def test_a_live_science_pages_cover_cannot_be_renamed_to_a_violation(client, field, value, wording):
    cover = image("配图")
    _live_article(cover=cover)
    client.force_login(editor())
    form = {"title": "配图", "description": "", "collection": cover.collection_id, "tags": ""}

    response = client.post(
        reverse("wagtailimages:edit", args=[cover.pk]), {**form, **FOCAL, field: value}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "正用于已发布的页面（「睡眠卫生」）" in html
    assert wording in html
    cover.refresh_from_db()
    assert (cover.title, cover.description) == ("配图", "")


def test_lawful_renames_and_unused_pictures_are_saved(client):
    cover = image("配图")
    _live_article(cover=cover)
    spare = image("备用图")
    client.force_login(editor())

    renamed = client.post(
        reverse("wagtailimages:edit", args=[cover.pk]),
        {"title": "睡眠卫生配图", "description": "清晨的卧室", "collection": cover.collection_id,
         "tags": "", **FOCAL},
    )  # fmt: skip
    unused = client.post(
        reverse("wagtailimages:edit", args=[spare.pk]),
        {"title": "加微信hair2024", "collection": spare.collection_id, "tags": "", **FOCAL},
    )

    assert (renamed.status_code, unused.status_code) == (302, 302)


def test_a_document_a_live_science_page_links_cannot_be_renamed_to_a_contact(client):
    document = Document.objects.create(title="睡眠日记模板", file=ContentFile(b"x", name="d.txt"))
    _live_article(
        body=[
            {"type": "paragraph",
             "value": rich(f'<a linktype="document" id="{document.pk}">睡眠日记</a>')},
        ]
    )  # fmt: skip
    client.force_login(editor())

    response = client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "睡眠日记 加V：sleep2024", "collection": document.collection_id, "tags": ""},
    )

    assert response.status_code == 200
    assert "正用于已发布的页面" in response.content.decode()
    document.refresh_from_db()
    assert document.title == "睡眠日记模板"


@pytest.mark.parametrize("content", [b"", b"x", b"BM", b"\x89P", b"GIF8"])
def test_a_tiny_linked_file_is_read_without_failing_the_publish(content: bytes):
    """A file shorter than a picture format's header made PIL's format test raise
    (struct.error from the BMP test) and the publish with it."""
    from cms.compliance.qr import _is_picture

    document = Document.objects.create(title="模板", file=ContentFile(content, name="d.txt"))
    page = _live_article(
        body=[
            {"type": "paragraph",
             "value": rich(f'<a linktype="document" id="{document.pk}">模板</a>')},
        ]
    )  # fmt: skip

    assert page.live
    assert _is_picture(content) in (True, False)  # PIL's verdict (b"BM" is a BMP's start)
