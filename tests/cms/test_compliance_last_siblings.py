"""Second verification of issue 17, N1/N2/N5/N8: a link to our own QR file written the way
browsers forgive (`/\\host/documents/…`, `https:/host/…`), another site's open redirector
carrying a conversion URL in its query, a web address written as text that ends at our QR
file, and addresses written with middle dots, 「丶」 or 「dian」; by `link_kind`, the rendered
check, the field check, the publish gate and the site-name form check."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents.models import Document

from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.rendered import conversion_findings, text_urls
from cms.html_text import parse_html
from cms.links import link_kind
from cms.models import ArticlePage
from cms.site_forms import site_name_problems
from tests.cms.compliance_support import draft, hub

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"
QR_DOCUMENT = "科普页面不得展示含二维码的文档（变相发布医疗广告）"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _science(body_html: str) -> ArticlePage:
    body = [{"type": "paragraph", "value": body_html}]
    return draft(hub(), ArticlePage(title="睡眠卫生", slug="sleep", layer="science", body=body))


def _refused(page: ArticlePage) -> None:
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is False


def _rendered(html: str) -> list[str]:
    return [f.message for f, _ in conversion_findings(parse_html(f"<main>{html}</main>"))]


def _file_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(WECOM_LINK, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    code = PILImage.open(buffer).convert("RGB").resize((300, 300))
    out = io.BytesIO()
    sheet = PILImage.new("RGB", (800, 1000), (255, 255, 255))
    sheet.paste(code, (250, 350))
    sheet.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def qr_pdf() -> str:
    """The URL path of a document whose page carries a WeCom code (a name that says nothing)."""
    document = Document.objects.create(
        title="手册", file=ContentFile(_file_bytes("PDF"), name="a_vector.pdf")
    )
    return document.url


# --- N1: our own QR file, written the way browsers forgive ------------------------------------

FORGIVEN = ["/\\127.0.0.1:8631", "https:/127.0.0.1:8631", "\\\\127.0.0.1", "https:\\\\testserver"]


@pytest.mark.parametrize("prefix", FORGIVEN, ids=repr)
def test_a_forgiven_link_to_our_qr_document_is_read_into_the_document(qr_pdf, prefix) -> None:
    href = prefix + qr_pdf

    assert _rendered(f'<a href="{href}">睡眠卫生指南全文（PDF）</a>') == [QR_DOCUMENT]


@pytest.mark.parametrize("prefix", FORGIVEN[:2], ids=repr)
def test_the_gate_refuses_it_in_a_science_body(qr_pdf, prefix) -> None:
    page = _science(f'<p>睡眠卫生<a href="{prefix}{qr_pdf}">指南全文（PDF）</a></p>')

    blocking = [(f.field, f.message) for f in check_page(page).findings if f.blocking]
    assert ("body[0].paragraph", "科普内容不得放置含二维码的文档（变相发布医疗广告）") in blocking
    _refused(page)


def test_a_redirect_to_a_forgiven_link_of_our_document_is_read_too(qr_pdf) -> None:
    Redirect.objects.create(old_path="/w11", redirect_link="https:/127.0.0.1:8631" + qr_pdf)
    Redirect.objects.create(old_path="/w17", redirect_link="/\\127.0.0.1:8631" + qr_pdf)

    assert _rendered('<a href="/w11">手册</a>') == [QR_DOCUMENT]
    assert _rendered('<a href="/w17">手册</a>') == [QR_DOCUMENT]
    _refused(_science('<p>下载<a href="/w17">手册</a></p>'))


def test_a_forgiven_picture_of_ours_is_read_for_codes() -> None:
    name = default_storage.save("original_images/pic.png", ContentFile(_file_bytes("PNG")))
    try:
        assert _rendered(f'<img src="/\\127.0.0.1:8631/media/{name}" alt="插图">') == [
            "科普页面不得展示二维码（变相发布医疗广告）"
        ]
    finally:
        default_storage.delete(name)


def test_another_sites_file_at_the_same_path_is_not_ours(qr_pdf) -> None:
    assert _rendered(f'<a href="https:/example.org{qr_pdf}">手册</a>') == []


# --- N2: other sites' open redirectors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "kind"),
    [
        ("https://link.zhihu.com/?target=https%3A//t.cn/A6xYz", "short"),
        ("https://www.google.com/url?q=https://t.cn/A6xYz", "short"),
        ("https://c.pc.qq.com/middlem.html?pfurl=https://t.cn/A6xYz", "short"),
        ("https://link.csdn.net/?target=https%3A%2F%2Ft.cn%2FA6xYz", "short"),
        ("https://www.douban.com/link2/?url=https%3A%2F%2Ft.cn%2FA6xYz", "short"),
        ("https://link.juejin.cn/?target=https%3A%2F%2Fwork.weixin.qq.com%2Fca%2Fabc", "contact"),
        ("https://link.zhihu.com/?target=t.cn", "short"),
        ("https://example.org/go#url=https%253A%252F%252Ft.cn%252FA6xYz", "short"),
        # nested: a jump page to a jump page to the short link
        (
            "https://www.google.com/url?q=https%3A%2F%2Flink.zhihu.com%2F%3Ftarget%3Dt.cn",
            "short",
        ),
    ],
)
def test_a_conversion_url_carried_in_a_query_is_read(href, kind) -> None:
    assert link_kind(href) == kind


@pytest.mark.parametrize(
    "href",
    [
        "https://www.baidu.com/s?wd=https://www.who.int/zh/news-room",
        "https://www.google.com/url?q=https://www.nhc.gov.cn/",
        "https://scholar.example.org/search?q=insomnia&page=2",
        "https://example.org/article?ref=www.who.int#section-2",
    ],
)
def test_an_ordinary_url_in_a_query_stays_allowed(href) -> None:
    assert link_kind(href) == ""


def test_a_redirect_whose_jump_page_carries_its_own_path_is_a_loop_not_a_crash() -> None:
    Redirect.objects.create(
        old_path="/loop", redirect_link="https://link.zhihu.com/?target=https://testserver/loop"
    )

    assert link_kind("/loop") == ""


def test_the_gate_refuses_a_jump_page_to_a_short_link() -> None:
    _refused(
        _science(
            '<p>详见<a href="https://link.zhihu.com/?target=https%3A//t.cn/A6xYz">这里</a></p>'
        )
    )


# --- N5: a web address as text that ends at our QR file ---------------------------------------


def test_an_address_as_text_ending_at_our_qr_document_is_refused(qr_pdf) -> None:
    assert _rendered(f"<p>手册全文：127.0.0.1:8631{qr_pdf}</p>") == [QR_DOCUMENT]
    _refused(_science(f"<p>手册全文：127.0.0.1:8631{qr_pdf}</p>"))


def test_an_address_as_text_through_a_redirect_chain_is_read_into_the_file(qr_pdf) -> None:
    Redirect.objects.create(old_path="/w2", redirect_link=qr_pdf)
    Redirect.objects.create(old_path="/w1", redirect_link="/w2")

    assert _rendered("<p>手册全文：127.0.0.1:8631/w1 （复制到浏览器）</p>") == [QR_DOCUMENT]


# --- N8: other separators -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["复制 t·cn/A6xYz 到浏览器", "复制 t dian cn/A6xYz 到浏览器", "复制 t丶cn/A6xYz 到浏览器",
     "复制 t・cn/A6xYz 到浏览器", "复制 t•cn/A6xYz 到浏览器"],
)  # fmt: skip
def test_an_address_written_with_other_separators_is_read(text) -> None:
    assert text_urls(text) == ["https://t.cn/A6xYz"]
    assert _rendered(f"<p>{text}</p>") == ["科普页面不得展示去向不明的短链接（变相发布医疗广告）"]


@pytest.mark.parametrize(
    "text", ["维生素B·C都要补充", "HbA1c·空腹血糖", "约翰·霍普金斯大学", "meridian dian", "B · 型"]
)
def test_lawful_middle_dots_are_no_address(text) -> None:
    assert _rendered(f"<p>{text}</p>") == []


@pytest.mark.parametrize("name", ["睡眠中心 t·cn/A6xYz", "睡眠中心 link.zhihu.com/?target=t.cn"])
def test_the_site_name_check_reads_them_too(name) -> None:
    assert any("去向不明的短链接" in problem for problem in site_name_problems(name))


# --- the third verification (F4, F5, F6) ----------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "https://www.google.com/amp/s/t.cn/A6xYz",
        "https://link.zhihu.com/?target=t%E3%80%82cn%2FA6xYz",
    ],
)
def test_a_jump_page_carrying_its_target_in_the_path_or_with_an_ideographic_dot(href) -> None:
    from cms.links import link_kind

    assert link_kind(href) == "short", href


@pytest.mark.parametrize("dot", ["\u2027", "\ufe52"])
def test_more_dots_in_a_written_address(dot) -> None:
    from cms.compliance.rendered import text_urls

    assert "https://t.cn/A6xYz" in text_urls(f"复制 t{dot}cn/A6xYz 到浏览器"), dot
