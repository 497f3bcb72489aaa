"""Issue 17, fourth verification F14: a file a 科普 page links may itself link a file of ours
that holds a QR code (a PDF's link annotation, an HTML href, a text file naming the address,
with our host or as a path of ours). The files of ours a linked file names are read as the
page's own links are, one file deep."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from pypdf import PdfWriter
from pypdf.annotations import Link as LinkAnnotation
from wagtail.documents.models import Document

from cms.compliance.rendered import conversion_findings
from cms.html_text import parse_html

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _document(data: bytes, name: str) -> Document:
    return Document.objects.create(title="资料", file=ContentFile(data, name=name))


def _qr_document() -> Document:
    buffer = io.BytesIO()
    segno.make(WECOM_LINK, error="m").save(buffer, kind="png", scale=8, border=4)
    return _document(buffer.getvalue(), "card.png")


def _pdf_linking(uri: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_annotation(page_number=0, annotation=LinkAnnotation(rect=(50, 50, 200, 80), url=uri))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _findings(href: str) -> list[tuple[str, str]]:
    html = parse_html(f'<main><p>下载<a href="{href}">睡眠手册</a>。</p></main>')
    return [(f.message, text) for f, text in conversion_findings(html)]


def _root() -> str:
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True).root_url


@pytest.mark.parametrize("absolute", [False, True])
@pytest.mark.parametrize("kind", ["pdf", "html", "txt"])
def test_a_linked_file_that_links_our_qr_file_is_refused(kind: str, absolute: bool) -> None:
    inner = _qr_document()
    target = (_root() if absolute else "") + inner.url
    data = {
        "pdf": lambda: _pdf_linking(target),
        "html": lambda: f'<html><body><a href="{target}">作息卡片</a></body></html>'.encode(),
        "txt": lambda: f"作息卡片下载：{target}\n".encode(),
    }[kind]()
    outer = _document(data, f"handbook.{kind}")

    found = _findings(outer.url)

    assert found, "the QR file the linked file links was not read"
    assert any("二维码" in message or "二维码" in text for message, text in found)
    assert any(inner.url in text for _, text in found)


@pytest.mark.parametrize("kind", ["pdf", "html", "txt"])
def test_a_linked_file_that_links_a_plain_file_of_ours_passes(kind: str) -> None:
    buffer = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (200, 120), "white").save(buffer, format="PNG")
    inner = _document(buffer.getvalue(), "plain.png")
    data = {
        "pdf": lambda: _pdf_linking(inner.url),
        "html": lambda: f'<html><body><a href="{inner.url}">作息表</a></body></html>'.encode(),
        "txt": lambda: f"作息表下载：{inner.url}\n".encode(),
    }[kind]()
    outer = _document(data, f"handbook.{kind}")

    assert _findings(outer.url) == []


def test_files_linking_each_other_are_read_one_file_deep_and_end() -> None:
    """A → B → A (a loop) and A → B → C: the page's file and the files of ours it names are
    read; the check ends."""
    first = _document(b"placeholder", "a.txt")
    second = _document(f"见：{first.url}\n".encode(), "b.txt")
    first.file.save("a.txt", ContentFile(f"见：{second.url}\n".encode()), save=True)

    assert _findings(first.url) == []


@pytest.mark.parametrize(
    "tag",
    [
        '<video controls src="/media/videos/not-yet.mp4"></video>',
        '<video controls><source src="/documents/999/clip.mp4" type="video/mp4"></video>',
        '<audio controls src="/media/audio/not-yet.mp3"></audio>',
    ],
)
def test_a_video_path_of_ours_with_no_file_is_refused(tag: str) -> None:
    """As a link or a picture is: whatever is uploaded there after publication would play
    unread (fifth verification's review of the video scan)."""
    from cms.compliance.rendered import page_embeds

    source = f"<main><p>放松练习</p>{tag}</main>"
    found = [text for _, text in conversion_findings(parse_html(source), page_embeds(source))]

    assert found, "a path of ours with no file passed"
