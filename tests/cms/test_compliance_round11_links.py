"""Fourth verification of issue 17 (round 11), links and web addresses on a 科普 page: WeCom
and WeChat group links, jump pages nested deeper than we read, jump pages and caches whose
target is opaque, encoded or in the path, app links carried by a jump page, more short-link
and profile hosts, and web addresses written as text split over two lines or blocks or
written as IPv6, decimal or hex IP addresses; by `link_kind`, `text_urls`, the rendered
check, the publish gate and the admin's 发布."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.rendered import conversion_findings, text_urls
from cms.html_text import parse_html
from cms.links import fetched_urls, link_kind
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, editor, hub

pytestmark = pytest.mark.django_db

WECOM_LINK = "https://work.weixin.qq.com/ca/cawcde0123456789"
SHORT = "科普页面不得展示去向不明的短链接（变相发布医疗广告）"
CONTACT = "科普页面不得展示联系方式链接（变相发布医疗广告）"
LANDING = "科普页面不得展示咨询、购买入口（变相发布医疗广告）"
REDIRECTS = "科普页面不得展示多次跳转、去向不明的链接（变相发布医疗广告）"
QR_DOCUMENT = "科普页面不得展示含二维码的文档（变相发布医疗广告）"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _science(*paragraphs: str) -> ArticlePage:
    body = [{"type": "paragraph", "value": p} for p in paragraphs]
    return draft(hub(), ArticlePage(title="睡眠卫生", slug="sleep", layer="science", body=body))


def _refused(page: ArticlePage) -> None:
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is False


def _rendered(html: str) -> list[str]:
    return [f.message for f, _ in conversion_findings(parse_html(f"<main>{html}</main>"))]


def _quote(url: str, times: int) -> str:
    from urllib.parse import quote

    for _ in range(times):
        url = quote(url, safe="")
    return url


# --- 1: WeCom and WeChat group links --------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "https://work.weixin.qq.com/gm/3a7f9c2e1b",  # a 客户群 join link (群活码)
        "https://work.weixin.qq.com/wework_admin/join?vcode=abc",  # any other path
        "https://work.weixin.qq.com/kfid/kfc123",
        "https://szsupport.weixin.qq.com/cgi-bin/mmsupport-bin/addchatroombyinvite?ticket=A1b2C3",
        "https://support.weixin.qq.com/cgi-bin/mmsupport-bin/addchatroombyinvite?ticket=x",
        "https://weibo.com/u/123456",
        "https://weibo.com/1234567890",
        "https://m.weibo.cn/profile/1234567890",
        "https://www.iesdouyin.com/share/user/MS4wLjABAAAA",
    ],
)
def test_group_invites_and_account_pages_are_contact(href) -> None:
    assert link_kind(href) == "contact", href


@pytest.mark.parametrize(
    "href",
    [
        "https://work.weixin.qq.com/",  # the product's home
        "https://work.weixin.qq.com/help?doc_id=13812",
        "https://work.weixin.qq.com/api/doc/90000/90135/90664",
        "https://developer.work.weixin.qq.com/document/path/90664",
        "https://weibo.com/1234567890/NabcDEF12",  # a post: a page to read
        "https://weibo.com/ttarticle/p/show?id=2309404",
        "https://www.iesdouyin.com/share/video/7312345678901234567",
        "https://support.weixin.qq.com/cgi-bin/mmsupport-bin/readtemplate?t=page/faq",
    ],
)
def test_their_documentation_posts_and_videos_stay_allowed(href) -> None:
    assert link_kind(href) == "", href


# --- 2: jump pages nested deeper than we read -------------------------------------------------


def _nested(target: str, jumps: list[str]) -> str:
    """`target` behind `jumps` (innermost last), each carrying the next URL-encoded once."""
    url = target
    for jump in reversed(jumps):
        url = jump + _quote(url, 1)
    return url


ZHIHU, GOOGLE, DOUBAN = (
    "https://link.zhihu.com/?target=",
    "https://www.google.com/url?q=",
    "https://www.douban.com/link2/?url=",
)
WEIBO = "https://weibo.cn/sinaurl?u="


def test_four_jump_pages_around_a_short_link_are_refused_as_unreadable() -> None:
    href = _nested("https://t.cn/A6xYzAb", [ZHIHU, GOOGLE, DOUBAN, WEIBO])

    assert link_kind(href) == "redirects"
    assert _rendered(f'<a href="{href}">这里</a>') == [REDIRECTS]
    # three deep is read to its end
    assert link_kind(_nested("https://t.cn/A6xYzAb", [ZHIHU, GOOGLE, DOUBAN])) == "short"


def test_deep_jump_pages_to_an_ordinary_page_stay_allowed() -> None:
    assert link_kind(_nested("https://www.who.int/", [ZHIHU, GOOGLE, DOUBAN])) == ""
    assert link_kind("https://example.org/a?b=c") == ""


def _qr_pdf() -> str:
    buffer = io.BytesIO()
    segno.make(WECOM_LINK, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    code = PILImage.open(buffer).convert("RGB").resize((300, 300))
    sheet = PILImage.new("RGB", (800, 1000), (255, 255, 255))
    sheet.paste(code, (250, 350))
    out = io.BytesIO()
    sheet.save(out, format="PDF")
    document = Document.objects.create(
        title="手册", file=ContentFile(out.getvalue(), name="handbook.pdf")
    )
    return document.url


def test_three_jump_pages_to_our_qr_file_are_read_into_the_file() -> None:
    # the verifier's link, written as each jump page encodes the next
    pdf = _qr_pdf()
    href = (
        "https://link.zhihu.com/?target=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3D"
        "https%253A%252F%252Fwww.douban.com%252Flink2%252F%253Furl%253D"
        + _quote("http://127.0.0.1:8611" + pdf, 3)
    )

    assert "http://127.0.0.1:8611" + pdf in fetched_urls(href)
    assert _rendered(f'<a href="{href}">这里</a>') == [QR_DOCUMENT]
    _refused(_science(f'<p>详见<a href="{href}">这里</a></p>'))


# --- 3: jump and cache pages whose target is opaque, encoded, in the path, or an app ------------


@pytest.mark.parametrize(
    ("href", "kind"),
    [
        ("https://www.bing.com/ck/a?!&&p=abc&u=a1aHR0cHM6Ly90LmNuL0E2eFl6QWI&ntb=1", "short"),
        ("https://www.bing.com/ck/a?!&&p=abc&ntb=1", "short"),  # no target read
        ("https://www.baidu.com/link?url=Qd0m3p0rQm2kCq7Yb8ptHVAyqjZpX0Wq", "short"),
        ("https://www.sogou.com/link?url=hedJjaC291P3yGwc7N55kLSc2ls", "short"),
        ("https://web.archive.org/web/2024/https://t.cn/A6xYzAb", "short"),
        ("https://web.archive.org/web/20240101000000id_/t.cn/A6xYzAb", "short"),
        ("https://www-t-cn.cdn.ampproject.org/c/s/t.cn/A6xYzAb", "short"),
        ("https://example-org.cdn.ampproject.org/c/s/example.org/lp/hair-loss/", "landing"),
        ("https://link.zhihu.com/?target=weixin%3A%2F%2Fdl%2Fbusiness%2F%3Ft%3DabcD", "contact"),
        ("https://link.zhihu.com/?target=alipays%3A%2F%2Fplatformapi%2Fstartapp", "scheme"),
        ("https://www.google.com/url?q=snssdk1128://user/profile/123", "scheme"),
        ("https://link.zhihu.com/?target=tel%3A13800000000", "contact"),
        # base64 of https://work.weixin.qq.com/ca/abc in another jump page's value
        ("https://jump.example.org/?u=aHR0cHM6Ly93b3JrLndlaXhpbi5xcS5jb20vY2EvYWJj", "contact"),
    ],
)
def test_jump_pages_whose_target_is_opaque_encoded_or_in_the_path(href, kind) -> None:
    assert link_kind(href) == kind, href


@pytest.mark.parametrize(
    "href",
    [
        "https://www.bing.com/ck/a?!&&p=abc&u=a1aHR0cHM6Ly93d3cud2hvLmludC8&ntb=1",  # who.int
        "https://www.bing.com/search?q=insomnia",
        "https://www.baidu.com/s?wd=失眠",
        "https://web.archive.org/web/2024/https://www.who.int/",
        "https://www-who-int.cdn.ampproject.org/c/s/www.who.int/news",
        "https://example.org/?time=12:30&note=abc",
        "https://example.org/?q=SGVsbG8gd29ybGQgdGhpcyBpcyB0ZXh0",  # base64 of plain text
        "https://example.org/?next=localhost:8000/x",
    ],
)
def test_such_pages_to_ordinary_targets_stay_allowed(href) -> None:
    assert link_kind(href) == "", href


def test_the_gate_refuses_the_bing_jump_and_the_carried_app_link() -> None:
    _refused(
        _science(
            '<p>详见<a href="https://www.bing.com/ck/a?!&amp;&amp;p=abc&amp;'
            'u=a1aHR0cHM6Ly90LmNuL0E2eFl6QWI&amp;ntb=1">这里</a></p>'
        )
    )


# --- 4: more short-link and profile hosts -----------------------------------------------------


@pytest.mark.parametrize(
    "host", ["c1n.cn", "m6z.cn", "sohu.gg", "985.so", "suo.yt", "dwz.lc", "j.mp", "dwz.mn"]
)
def test_more_short_link_hosts(host) -> None:
    assert link_kind(f"https://{host}/AbCdE") == "short"
    assert _rendered(f"<p>浏览器输入 {host}/3xYz 即可</p>") == [SHORT]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        # fifth verification: group joins and chats on other work apps, QQ Mail's write-to-me
        ("https://qr.dingtalk.com/action/joingroup?code=v1,k1,abcDEF", "contact"),
        ("https://applink.feishu.cn/client/chat/chatter/add_by_link?link_token=abc", "contact"),
        ("https://applink.larksuite.com/client/chat/chatter/add_by_link?link_token=a", "contact"),
        ("https://mail.qq.com/cgi-bin/qm_share?t=qm_mailme&email=doc@example.cn", "contact"),
        # forms and marketing H5 pages that take a name and a phone
        ("https://h5.eqxiu.com/s/AbCdEf12", "shop"),
        ("https://shimo.im/forms/AbCd1234/fill", "shop"),
        # more short links
        ("https://dub.sh/sleep8", "short"),
        ("https://x.gd/Ab12Cd", "short"),
        ("https://kutt.it/abc", "short"),
        ("https://ouo.io/abc", "short"),
        ("https://adf.ly/abc", "short"),
        ("https://shorturl.asia/abc", "short"),
        ("https://urlc.cn/abc", "short"),
        ("https://bitly.com/abc", "short"),
        # sixth verification
        ("https://f.wps.cn/g/AbCdEf/", "shop"),
        ("https://jsj.top/f/AbCdEf", "shop"),
        ("https://wx.zsxq.com/dweb2/index/group/123456", "contact"),
        ("https://space.bilibili.com/123456", "contact"),
        ("https://www.zhihu.com/people/abc-doctor", "contact"),
    ],
)
def test_group_joins_forms_and_short_links_of_the_fifth_verification(url, kind) -> None:
    assert link_kind(url) == kind


@pytest.mark.parametrize(
    "url",
    [
        "https://www.dingtalk.com/",
        "https://www.feishu.cn/hc/zh-CN/articles/360024984973",
        "https://shimo.im/docs/AbCd1234",
        "https://mail.qq.com/",
        "https://www.zhihu.com/question/123456/answer/789",
        "https://www.bilibili.com/video/BV1xx411c7mD",
    ],
)
def test_their_ordinary_pages_stay_allowed(url) -> None:
    assert link_kind(url) == ""


# --- 5: web addresses written as text, split over two lines or blocks -----------------------

SPLIT = [
    ("<p>复制 work.weixin</p><p>.qq.com/ca/cawcde123 到浏览器</p>", CONTACT),
    ("<p>复制 work.weixin.q</p><p>q.com/ca/cawcde123 到浏览器</p>", CONTACT),
    ("<p>复制 work.weixin.<br/>qq.com/ca/cawcde123 到浏览器</p>", CONTACT),
    ("<p>浏览器打开 t.</p><p>cn/A6xYz</p>", SHORT),
    ("<p>浏览器打开 t.c</p><p>n/A6xYz</p>", SHORT),
    ("<p>浏览器打开 t。</p><p>cn/A6xYz</p>", SHORT),
    ("<ul><li>浏览器打开 t.</li><li>cn/A6xYz</li></ul>", SHORT),
    ("<h2>复制 t.</h2><p>cn/A6xYz</p>", SHORT),
    ("<p>打开 127.0.0.1:8612/l</p><p>p/hair-loss/ 填写</p>", LANDING),
]


@pytest.mark.parametrize(("html", "what"), SPLIT)
def test_an_address_split_over_two_blocks_is_read_joined(html, what) -> None:
    assert what in _rendered(html), html


@pytest.mark.parametrize(
    "pair",
    [
        ("<p>We sleep better after exercise.</p>", "<p>Then we wake up rested.</p>"),
        ("<p>See the WHO fact sheet at www.who.int</p>", "<p>Sleep hygiene matters.</p>"),
        ("<p>多喝水，注意休息。</p>", "<p>早睡早起。</p>"),
        ("<p>维生素B。</p>", "<p>C也重要。</p>"),
        ("<p>研究见 J. Sleep Res.</p>", "<p>2019 年的综述。</p>"),
        ("<p>version 2.</p>", "<p>0 was released</p>"),
        ("<p>参考 example.org</p>", "<p>/sleep 页面</p>"),
    ],
)
def test_ordinary_paragraph_pairs_are_not_glued_into_findings(pair) -> None:
    assert _rendered("".join(pair)) == []


def test_each_part_is_still_read_alone() -> None:
    assert text_urls("复制 t.cn/A6xYz\nAbc") == ["https://t.cn/A6xYz", "https://t.cn/A6xYzAbc"]


@pytest.mark.parametrize(
    "text",
    [
        "打开 [::1]:8612/lp/hair-loss/ 填写。",
        "打开 2130706433:8612/lp/hair-loss/ 填写。",
        "打开 0x7f000001:8612/lp/hair-loss/ 填写。",
        "打开 0x7f000001/lp/hair-loss/ 填写。",
    ],
)
def test_ip_addresses_written_other_ways_are_read(text) -> None:
    assert _rendered(f"<p>{text}</p>") == [LANDING]


@pytest.mark.parametrize("text", ["每天 1000000/天", "时间 12:30 开始", "电话区号 010-1234"])
def test_numbers_are_no_ip_address(text) -> None:
    assert text_urls(text) == []


def test_the_gate_refuses_an_address_split_over_two_streamfield_blocks() -> None:
    _refused(_science("<p>复制 work.weixin.</p>", "<p>qq.com/ca/cawcde123 到浏览器</p>"))


def _article_form(article: ArticlePage, paragraphs: list[str]) -> dict:
    """The article editor's POST body with `paragraphs` as body blocks, publishing."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "layer": article.layer,
        "summary": "",
        "cover": "",
        "reviewer": "",
        "published_on": "",
        "tags": "",
        "body": streamfield([("paragraph", rich_text(p)) for p in paragraphs]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "canonical_url": "",
        "share_image": "",
        "ad_review_certificate": "",
        "ad_review_valid_until": "",
        "action-publish": "action-publish",
    }
    return nested_form_data(data)


def test_the_admin_publish_refuses_the_split_address_and_the_group_link(client) -> None:
    article = _science("<p>睡前放松。</p>")
    client.force_login(editor())
    url = reverse("wagtailadmin_pages:edit", args=[article.pk])

    split = client.post(url, _article_form(article, ["<p>复制 t.</p>", "<p>cn/A6xYz</p>"]))
    group = client.post(
        url,
        _article_form(
            article, ['<p>加入<a href="https://work.weixin.qq.com/gm/3a7f9c2e1b">分享</a></p>']
        ),
    )
    lawful = client.post(url, _article_form(article, ["<p>睡前放松。</p>", "<p>早睡早起。</p>"]))

    assert split.status_code == 200
    assert "存在医疗广告合规问题" in split.content.decode()
    assert group.status_code == 200
    assert "存在医疗广告合规问题" in group.content.decode()
    assert lawful.status_code == 302
    assert ArticlePage.objects.get(pk=article.pk).live is True


@pytest.mark.parametrize(
    "html",
    [
        "<p>微信里打开 weixin://dl/business/?t=abcD1234 即可</p>",
        "<p>企业微信：wxwork://message?uin=8888</p>",
        "<p>支付宝打开 alipays://platformapi/startapp?appId=2021001</p>",
    ],
)
def test_an_app_link_written_as_text_is_read_as_the_link(html) -> None:
    """Fifth verification: the same links in an <a> were refused, typed out they were not."""
    assert _rendered(html)


def test_ordinary_text_with_a_colon_is_no_app_link() -> None:
    assert _rendered("<p>比例为 1:2，时间 10:30，参考 ISO 8601。</p>") == []


def test_a_word_glued_to_a_web_address_is_no_app_link() -> None:
    """A linked HTML file's text reads 「WHOhttps://www.who.int/」 (the link's words, then its
    address): the web address, not an app scheme called 「whohttps」."""
    from cms.compliance.rendered import text_urls

    assert text_urls("参考 WHOhttps://www.who.int/") == ["https://www.who.int/"]
