"""Review of issue 17, round 2, M4: conversion hosts a 科普 body could link as a plain `<a>`
(short links, WeChat follow/QR links, QQ business chat, hospital chat tools, bookings and
shops) and links that are not web pages at all (ftp:, an app's scheme) are refused, by the
field check and by the rendered-page check alike; look-alikes and ordinary pages stay allowed."""

from __future__ import annotations

import pytest

from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.rendered import conversion_findings
from cms.html_text import parse_html
from cms.links import link_kind
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub

pytestmark = pytest.mark.django_db

SHORT = "去向不明的短链接"
CONTACT = "联系方式链接"
SHOP = "购物、问诊或支付平台链接"
SCHEME = "非网页链接（仅可链接 http/https 网页）"
ADDRESS = "地址（地图）链接"

LINKS = {
    # short links and the platforms' share links
    "https://bit.ly/3abcDEF": SHORT,
    "http://BIT.LY/x": SHORT,
    "https://tinyurl.com/y7abc": SHORT,
    "https://preview.tinyurl.com/y7abc": SHORT,
    "https://b23.tv/AbCdEf1": SHORT,
    "https://v.douyin.com/iRNBho6u/": SHORT,
    "https://xhslink.com/a/AbCdEf": SHORT,
    # second verification of the review
    "https://v.kuaishou.com/abc": SHORT,
    "https://is.gd/abc": SHORT,
    "https://lnk0.com/abc": SHORT,
    "https://mp.weixin.qq.com/mp/homepage?__biz=MzA5&hid=1": CONTACT,
    "https://mp.weixin.qq.com/mp/getmasssendmsg?__biz=MzA5": CONTACT,
    "https://wj.qq.com/s2/123456/abcd/": SHOP,
    "https://jinshuju.net/f/AbCdEf": SHOP,
    "https://www.wjx.cn/vm/abcdef.aspx": SHOP,
    "https://www.xiaohongshu.com/goods-detail/5f0a1b2c3d": SHOP,
    "https://a.app.qq.com/o/simple.jsp?pkgname=com.example": SHOP,
    # WeChat official-account follow pages and QR links
    "https://weixin.qq.com/q/02AbCdEfGh": CONTACT,
    "https://open.weixin.qq.com/qr/code?username=gh_0123456789ab": CONTACT,
    "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA5&scene=124": CONTACT,
    "https://mp.weixin.qq.com/mp/qrcode?scene=10000004&size=102&__biz=MzA5": CONTACT,
    # QQ business chat (WPA) on any qq.com host
    "https://wpa.b.qq.com/cgi/wpa.php?ln=1&key=XzkzODAwMDY": CONTACT,
    "http://wpa1.qq.com/AbCdEf?_type=wpa&qidian=true": CONTACT,
    "https://wpa.qq.com/msgrd?v=3&uin=10000&site=qq&menu=yes": CONTACT,
    "https://crm2.qq.com/page/portalpage/wpa.php?uin=4000000000": CONTACT,
    # hospital chat tools
    "https://pqt.zoosnet.net/LR/Chatpre.aspx?id=PQT12345678": CONTACT,
    "https://chatlink.mstatik.com.meiqia.com/widget/standalone.html?eid=1": CONTACT,
    "https://meiqia.com/widget/standalone.html?eid=1": CONTACT,
    "https://clinic.udesk.cn/im_client/?web_plugin_id=1": CONTACT,
    "https://www17.53kf.com/webCompany.php?arg=1": CONTACT,
    # bookings and shops
    "https://www.meituan.com/meishi/1/": SHOP,
    "https://i.meituan.com/awp/h5/yiliao/shop.html?id=1": SHOP,
    "https://www.dianping.com/shop/k1aBcD": SHOP,
    "https://haohuo.jinritemai.com/views/product/item2?id=3": SHOP,
    # round 11: QQ groups, WeCom member QR pages, more shorteners and 活码 services, booking
    # platforms, online forms, and maps to the clinic (an address, 互联网广告管理办法第八条)
    "https://jq.qq.com/?_wv=1027&k=abc": CONTACT,
    "https://qun.qq.com/qqweb/qunpro/share?_wv=3&inviteCode=abc": CONTACT,
    "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=vc0123456789": CONTACT,
    "https://goo.gl/abc": SHORT,
    "https://shorturl.at/abc": SHORT,
    "https://t.co/AbCdEf": SHORT,
    "https://rb.gy/abc": SHORT,
    "https://tiny.cc/abc": SHORT,
    "https://qr61.cn/oAbCdE/qXyZ": SHORT,
    "https://www.91160.com/doctors/1.html": SHOP,
    "https://www.114yygh.com/hospital/1/home": SHOP,
    "https://docs.qq.com/form/page/abc": SHOP,
    "https://www.wenjuan.com/s/AbCdEf/": SHOP,
    "https://uri.amap.com/marker?position=116.3,39.9&name=诊所": ADDRESS,
    "https://ditu.amap.com/place/B000A83M61": ADDRESS,
    "https://surl.amap.com/abc": ADDRESS,
    "https://map.baidu.com/poi/诊所/@12958,4825": ADDRESS,
    "https://api.map.baidu.com/marker?location=39.9,116.3&title=诊所": ADDRESS,
    "https://map.qq.com/?type=marker&isopeninfowin=1&markertype=1&pointx=116.3": ADDRESS,
    "https://apis.map.qq.com/uri/v1/marker?marker=coord:39.9,116.3": ADDRESS,
    "https://www.google.com/maps/place/Clinic": ADDRESS,
    # not a web page
    "ftp://files.example.org/brochure.pdf": SCHEME,
    "FTP://files.example.org/": SCHEME,
    "alipays://platformapi/startapp?appId=20000067": SCHEME,
    "snssdk1128://aweme/detail/7388149561765760266": SCHEME,
    "itms-apps://apps.apple.com/app/id1": SCHEME,
}


def _science(body_html: str) -> ArticlePage:
    body = [{"type": "paragraph", "value": body_html}]
    return draft(hub(), ArticlePage(title="睡眠卫生", slug="sleep", layer="science", body=body))


@pytest.mark.parametrize(("href", "what"), LINKS.items(), ids=list(LINKS))
def test_a_conversion_host_or_a_non_web_link_is_refused_on_science(href, what) -> None:
    # given a 科普 article linking it in the body
    page = _science(f'<p>了解更多请点<a href="{href}">这里</a></p>')

    # when the gate checks it: one blocking finding (contact links are the rendered check's)
    report = check_page(page)
    verb = "页面不得展示" if what == CONTACT else "内容不得放置"
    assert [f.message for f in report.findings if f.blocking] == [
        f"科普{verb}{what}（变相发布医疗广告）"
    ]

    # and publication is refused
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is False


@pytest.mark.parametrize(
    "href",
    [
        "https://mp.weixin.qq.com/s/AbCdEf",  # an article of an account: a page to read
        "https://www.xiaohongshu.com/explore/64f0a1b2c3d",  # a note: a page to read
        "https://wj.qq.com.example.org/s2/1/",  # a look-alike of the form host
        "https://open.weixin.qq.com/",
        "https://weixin.qq.com/",
        "https://www.qq.com/wpa-news/",  # no wpa host and no /wpa path
        "https://news.qq.com/a/1.html",
        "https://bit.ly.example.org/",
        "https://notmeituan.com/",
        "https://dianping.com.example.org/",
        "https://www.douyin.com/video/7388149561765760266",  # a video page, not a share link
        "https://www.who.int/zh/news-room/fact-sheets",
        "https://docs.qq.com/doc/DAbCdEf",  # a Tencent document, not its form
        "https://open.work.weixin.qq.com/api/doc/90000/90135/91022",  # WeCom API docs
        "https://www.google.com/search?q=sleep",
        "https://notamap.com/",
        "/hair-loss/",
        "#part",
    ],
)
def test_look_alikes_and_ordinary_pages_stay_allowed(href) -> None:
    assert link_kind(href) == ""
    html = parse_html(f'<main><a href="{href}">看看</a></main>')
    assert list(conversion_findings(html)) == []
