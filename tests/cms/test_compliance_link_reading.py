"""Verification rounds V1, V3, V4, V10: links are read the way browsers read them (the WHATWG
URL parser: backslashes, missing or extra slashes, percent-encoded and full-width hosts), a
Wagtail redirect is followed into the file it ends at and matched with its query as
Wagtail's RedirectMiddleware matches it, and more chat, form and short-link hosts are known;
by `link_kind`, by the field check, by the rendered check and by the publish gate."""

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
from cms.compliance.qr import SVG_REFUSED
from cms.compliance.rendered import conversion_findings
from cms.html_text import parse_html
from cms.links import link_kind, resolved_target
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub

pytestmark = pytest.mark.django_db

SHORT = "去向不明的短链接"
CONTACT = "联系方式链接"
SHOP = "购物、问诊或支付平台链接"
LANDING = "落地页链接"
WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"

# Every one of these is t.cn to Chromium (and to the URL Standard, for an http page)
BROWSER_FORMS = [
    "/\\t.cn/abc",
    "\\\\t.cn/abc",
    "https:/t.cn/abc",
    "https:\\\\t.cn\\abc",
    "https:t.cn/abc",
    "https://T%2ECN/abc",
    "HTTPS:////t.cn",
    "http:\\/t.cn",
    "\\/t.cn",
    "//t.cn",
    " https://t.cn/abc",
    "\x01\x1f https://t.cn/abc \x00",
    "ht\ttps://t.\ncn/abc",
    "https://t%2Ecn",
    "https://t。cn/abc",
    "https://ｔ.ｃｎ/abc",
    "https://t.cn./abc",
]


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


def _blocking(page) -> list[tuple[str, str]]:
    return [(f.field, f.message) for f in check_page(page).findings if f.blocking]


# --- V1: the WHATWG reading ------------------------------------------------------------------


@pytest.mark.parametrize("href", BROWSER_FORMS, ids=repr)
def test_a_host_written_the_way_browsers_forgive_is_read_as_that_host(href) -> None:
    assert link_kind(href) == "short"
    assert _rendered(f'<a href="{href}">看看</a>') == [
        f"科普页面不得展示{SHORT}（变相发布医疗广告）"
    ]


@pytest.mark.parametrize(
    "href", ["https:/t.cn/abc", "\\\\t.cn/abc", "https://T%2ECN/abc", "https://ｔ.ｃｎ/abc"]
)
def test_such_a_link_in_a_science_body_is_refused_by_the_gate(href) -> None:
    page = _science(f'<p>详见<a href="{href}">这里</a></p>')

    assert _blocking(page) == [
        ("body[0].paragraph", f"科普内容不得放置{SHORT}（变相发布医疗广告）")
    ]
    _refused(page)


def test_a_redirect_to_such_a_link_is_followed() -> None:
    # given a redirect /va6 → https:/t.cn/abc (t.cn to a browser) and a 科普 link to /va6
    Redirect.objects.create(old_path="/va6", redirect_link="https:/t.cn/abc")
    page = _science('<p>详见<a href="/va6">这里</a></p>')

    assert link_kind("/va6") == "short"
    assert _blocking(page) == [
        ("body[0].paragraph", f"科普内容不得放置{SHORT}（变相发布医疗广告）")
    ]
    _refused(page)


@pytest.mark.parametrize(
    "href",
    [
        "https://t.cn.example.org/abc",
        "/t.cn/abc",  # a path of this site named like a host
        "https://example.org/\\t.cn",
        "https://www.who.int/zh/news-room/fact-sheets",
        "#top",
        "?page=2",
        "/insomnia/",
        "http://[::1",  # no browser parses it
    ],
)
def test_ordinary_links_stay_allowed(href) -> None:
    assert link_kind(href) == ""


def test_app_schemes_are_still_named_when_written_loosely() -> None:
    assert link_kind(" TEL:+8613800000000") == "contact"
    assert link_kind("java\tscript:alert(1)") == "scheme"
    assert link_kind("weixin://dl/chat") == "contact"


# --- V3: a redirect that ends at one of our files -------------------------------------------


def _code_picture() -> PILImage.Image:
    buffer = io.BytesIO()
    segno.make(WECOM_LINK, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return PILImage.open(buffer).convert("RGB").resize((300, 300))


def _file_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    page = PILImage.new("RGB", (800, 1000), (255, 255, 255))
    page.paste(_code_picture(), (250, 350))
    page.save(out, format=fmt)
    return out.getvalue()


def test_a_redirect_to_a_document_holding_a_code_is_read_into_the_document() -> None:
    # given /va3 → the brochure PDF whose page carries the WeCom code (a name that says nothing)
    document = Document.objects.create(
        title="手册", file=ContentFile(_file_bytes("PDF"), name="guide.pdf")
    )
    Redirect.objects.create(old_path="/va3", redirect_link=document.url)
    page = _science('<p>下载<a href="/va3">手册</a></p>')

    assert resolved_target("/va3") == document.url
    assert _rendered('<a href="/va3">手册</a>') == [
        "科普页面不得展示含二维码的文档（变相发布医疗广告）"
    ]
    assert _blocking(page) == [
        ("body[0].paragraph", "科普内容不得放置含二维码的文档（变相发布医疗广告）")
    ]
    _refused(page)


def test_a_redirect_to_a_media_picture_holding_a_code_is_read_linked_or_shown() -> None:
    name = default_storage.save("original_images/pic.png", ContentFile(_file_bytes("PNG")))
    try:
        Redirect.objects.create(old_path="/va4", redirect_link="/media/" + name)
        Redirect.objects.create(old_path="/va4b", redirect_link="/va4")  # a chain of two

        assert resolved_target("/va4b") == "/media/" + name
        assert _rendered('<a href="/va4b">图</a>') == [
            "科普页面不得展示含二维码的文档（变相发布医疗广告）"
        ]
        assert _rendered('<img src="/va4" alt="插图">') == [
            "科普页面不得展示二维码（变相发布医疗广告）"
        ]
    finally:
        default_storage.delete(name)


def test_a_redirect_to_an_svg_document_is_refused_as_unreadable() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect/></svg>'
    document = Document.objects.create(title="图", file=ContentFile(svg, name="logo.svg"))
    Redirect.objects.create(old_path="/va5", redirect_link=document.url)

    assert _rendered('<a href="/va5">图</a>') == [
        f"科普页面链接或展示的文件无法检查：{SVG_REFUSED}"
    ]


def test_a_link_through_no_redirect_is_its_own_target() -> None:
    assert resolved_target("/insomnia/") == "/insomnia/"
    assert resolved_target("https://example.org/x.pdf") == "https://example.org/x.pdf"


# --- V4: a redirect keyed on a query string -------------------------------------------------


def test_a_redirect_keyed_on_a_query_is_matched_as_wagtail_matches_it() -> None:
    Redirect.objects.create(old_path="/va9?x=1", redirect_link="/lp/hair-loss/")
    Redirect.objects.create(old_path="/vb", redirect_link="/lp/hair-loss/")
    Redirect.objects.create(old_path="/vd?a=1&b=2", redirect_link="/lp/hair-loss/")

    assert link_kind("/vd?b=2&a=1") == "landing"  # Wagtail sorts the query's parameters
    assert link_kind("/va9?x=1") == "landing"
    assert link_kind("/va9/?x=1") == "landing"
    assert link_kind("/va9?x=1#top") == "landing"
    assert link_kind("/va9?x=2") == ""  # no redirect answers it
    assert link_kind("/vb?utm_source=x") == "landing"  # path and query, then the path alone

    page = _science('<p>详见<a href="/va9?x=1">这里</a></p>')
    assert _blocking(page) == [
        ("body[0].paragraph", f"科普内容不得放置{LANDING}（变相发布医疗广告）")
    ]
    _refused(page)


def test_the_query_redirect_before_the_path_redirect() -> None:
    Redirect.objects.create(old_path="/vc?x=1", redirect_link="/lp/hair-loss/")
    Redirect.objects.create(old_path="/vc", redirect_link="/insomnia/")

    assert link_kind("/vc?x=1") == "landing"
    assert link_kind("/vc") == ""


# --- V10: chat apps, forms, short links, account pages --------------------------------------

HOSTS = {
    "https://forms.gle/AbCdEf123": SHOP,
    "https://docs.google.com/forms/d/e/1FAIpQL/viewform": SHOP,
    "https://forms.office.com/r/AbCdEf": SHOP,
    "https://api.whatsapp.com/send?phone=8613800000000": CONTACT,
    "https://wa.me/8613800000000": CONTACT,
    "https://chat.whatsapp.com/AbCdEf": CONTACT,
    "https://t.me/clinic_bot": CONTACT,
    "https://line.me/R/ti/p/@clinic": CONTACT,
    "https://lin.ee/AbCdEf": CONTACT,
    "https://m.me/clinic": CONTACT,
    "https://discord.gg/AbCdEf": CONTACT,
    "https://discord.com/invite/AbCdEf": CONTACT,
    "https://group.qq.com/group_index.html?gid=1": CONTACT,
    "https://wx.qq.com/": CONTACT,
    "https://web.wechat.com/": CONTACT,
    "https://www.xiaohongshu.com/user/profile/5f0a1b2c3d": CONTACT,
    "https://www.douyin.com/user/MS4wLjABAAAA": CONTACT,
    "https://reurl.cc/AbCdEf": SHORT,
    "https://lihi1.cc/AbCdEf": SHORT,
    "https://pse.is/AbCdEf": SHORT,
}


@pytest.mark.parametrize(("href", "what"), HOSTS.items(), ids=list(HOSTS))
def test_chat_form_and_short_link_hosts_are_conversion_links(href, what) -> None:
    assert _rendered(f'<a href="{href}">这里</a>') == [
        f"科普页面不得展示{what}（变相发布医疗广告）"
    ]


@pytest.mark.parametrize(
    "href",
    [
        "https://www.xiaohongshu.com/explore/64f0a1b2c3d",  # a note: a page to read
        "https://www.douyin.com/video/7388149561765760266",
        "https://docs.google.com/document/d/1abc/edit",  # a document, not a form
        "https://mp.weixin.qq.com/s/AbCdEf",  # an article: a citation (see cms/links.py)
        "https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=abc",
        "https://notwa.me/x",
        "https://t.me.example.org/x",
    ],
)
def test_pages_to_read_on_those_platforms_stay_allowed(href) -> None:
    assert link_kind(href) == ""


def test_wechat_web_written_as_text_is_read() -> None:
    page = _science("<p>电脑上打开 wx.qq.com 扫码添加助理</p>")

    report = check_page(page)

    assert [f.message for f in report.findings if f.field == "rendered.text_urls"] == [
        f"科普页面不得展示{CONTACT}（变相发布医疗广告）"
    ]
    _refused(page)
