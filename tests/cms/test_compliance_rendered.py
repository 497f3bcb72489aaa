"""The page-level disguised-ad check (《广告法》第十九条, 《互联网广告管理办法》第八条): the
gate reads what a health-science page (every type but 转化 articles and landing pages) will
serve, template and blocks included."""

from __future__ import annotations

import datetime

import pytest
from wagtail.models import Page

from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.page import check_revision, page_scopes
from cms.compliance.rendered import conversion_findings, rendered_html
from cms.html_text import parse_html
from cms.models import (
    ArticlePage,
    DoctorIndexPage,
    DoctorPage,
    HomePage,
    PatientStoryPage,
    VideoPage,
)
from tests.cms.compliance_support import draft, hub, live_landing_page, own_video, rich

pytestmark = pytest.mark.django_db

# A 科普 template as the site had it before conversion left 科普 pages, plus a QR code and a
# lead form: none of it is in any field the editor wrote.
CONVERSION_TEMPLATE = """{% extends "base.html" %}{% block content %}
<h1>{{ page.title }}</h1>
<p><a class="cta" href="/lp/insomnia/?content={{ page.pk }}">有失眠困扰？在线咨询</a></p>
<img src="/media/images/assistant-qr.png" alt="医助企业微信二维码">
<form action="/lp/insomnia/submit/" method="post"><input name="phone"><input name="name"></form>
{% endblock %}"""


def _science(parent, **kwargs) -> ArticlePage:
    return draft(parent, ArticlePage(title="睡眠卫生", slug="sleep", layer="science", **kwargs))


def _rendered(report) -> list[tuple[str, str]]:
    return [(f.field, f.text) for f in report.findings if f.field.startswith("rendered")]


def test_template_conversion_elements_are_found_on_the_served_page(settings, tmp_path) -> None:
    # given a 科普 article whose template (not its fields) adds a consult link, a QR code and a
    # lead form
    (tmp_path / "cms").mkdir()
    (tmp_path / "cms" / "article_page.html").write_text(CONVERSION_TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    page = _science(hub(), body=[{"type": "paragraph", "value": rich("规律作息很重要。")}])

    # when the gate checks it
    report = check_page(page)

    # then every conversion element is a blocking finding on the rendered page
    assert _rendered(report) == [
        ("rendered", "在线咨询"),
        ("rendered.links", f"有失眠困扰？在线咨询（/lp/insomnia/?content={page.pk}）"),
        ("rendered.forms", "表单（/lp/insomnia/submit/：phone、name）"),
        ("rendered.images", "医助企业微信二维码"),
    ]
    assert all(f.blocking for f in report.findings)
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is False


def test_the_sites_own_article_template_renders_no_conversion_element_on_science() -> None:
    # given the same body on a 科普 and a 转化 article, and a live landing page of their
    # specialty (without one the 转化 article shows no consultation link)
    parent = hub()
    live_landing_page(parent.specialty)
    body = [{"type": "paragraph", "value": rich("规律作息很重要。")}]
    science = _science(parent, body=body)
    conversion = draft(
        parent, ArticlePage(title="失眠评估", slug="assess", layer="conversion", body=body)
    )

    science_html = parse_html(rendered_html(science))
    conversion_html = parse_html(rendered_html(conversion))

    # then only the conversion-layer article shows the consult link
    assert [text for _, text in conversion_findings(science_html)] == []
    assert [text for _, text in conversion_findings(conversion_html)] == [
        f"有失眠困扰？在线咨询（/lp/insomnia/?content={conversion.pk}）"
    ]
    assert "睡眠卫生" in science_html.text()
    assert check_page(science).findings == []


def test_a_contact_link_in_rich_text_is_found_once_on_the_rendered_page() -> None:
    body = [{"type": "paragraph", "value": '<p>睡不好可以<a href="tel:4001234567">找我们</a></p>'}]
    page = _science(hub(), body=body)

    report = check_page(page)

    assert _rendered(report) == [("rendered.links", "找我们（tel:4001234567）")]
    assert report.has_blocking


def test_an_unsaved_page_is_checked_by_its_fields_only() -> None:
    page = ArticlePage(title="睡眠卫生", slug="new", layer="science")

    assert rendered_html(page) is None
    assert check_page(page).findings == []


# Every health-science page type (《广告法》第十九条): all but 转化 articles and landing pages.
HEALTH_SCIENCE_TYPES = {
    "HomePage", "SpecialtyPage", "ArticlePage", "VideoPage", "DoctorIndexPage", "DoctorPage",
    "PatientStoryPage",
}  # fmt: skip
CONVERSION_MARKS = ("/lp/", "/packages/", "在线咨询", "预约咨询", "二维码", "¥")


def _health_science_pages() -> list:
    pages = [p for p in Page.objects.live().specific().order_by("path") if hasattr(p, "layer")]
    pages += [
        p
        for p in Page.objects.live().specific().order_by("path")
        if not hasattr(p, "layer") and getattr(p, "is_health_science", lambda: False)()
    ]
    return [p for p in pages if p.is_health_science()]


def test_every_seeded_health_science_page_passes_the_gate_as_rendered(seeded) -> None:
    # given every health-science page the demo seed publishes: 科普, 专家IP and 互动 (self-test)
    # articles, videos, hubs, the home page, the doctor team, doctors and patient stories
    pages = _health_science_pages()
    assert {type(p).__name__ for p in pages} == HEALTH_SCIENCE_TYPES
    assert {p.layer for p in pages if isinstance(p, ArticlePage)} == {
        "science",
        "expert",
        "interactive",
    }

    for page in pages:
        # when its live revision is checked as the gate checks it, the served HTML included
        html = rendered_html(page.live_revision.as_object())
        report = check_revision(page.live_revision)

        # then it is checked with the 科普 rules, did render, and nothing on it blocks
        assert page_scopes(page) == {"science"}, page.url_path
        assert f"<h1>{page.title}</h1>" in html, page.url_path
        assert [f.text for f in report.findings if f.blocking] == [], page.url_path


def test_health_science_pages_serve_no_conversion_element(client, seeded) -> None:
    # given every seeded page a patient can open, per type
    pages = _health_science_pages()
    conversion = ArticlePage.objects.live().filter(layer="conversion").first()

    for page in pages:
        # when a visitor GETs it
        response = client.get(page.url)
        html = response.content.decode()

        # then it shows no consultation or landing link, package card, price or QR code
        assert response.status_code == 200, page.url_path
        links = [link.href for link in parse_html(html).links]
        assert not [h for h in links if h.startswith(("/lp/", "/packages/"))], page.url_path
        assert not [m for m in CONVERSION_MARKS if m in html], (page.url_path, type(page).__name__)

    # while the 转化 article keeps its consultation link (to a live landing page of its
    # specialty: the cms seed has none) and package cards
    live_landing_page(conversion.get_parent().specific.specialty)
    html = client.get(conversion.url).content.decode()
    assert "在线咨询" in html
    assert f"/lp/{conversion.get_parent().specific.specialty.slug}/" in html
    assert "/packages/" in html
    assert page_scopes(conversion) == frozenset()


# A template for each health-science type that adds back a consultation link: what the site's
# templates rendered before (video, hub, home) or might after an edit.
CTA_TEMPLATE = """{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>
<p><a class="cta" href="/lp/insomnia/?content={{ page.pk }}">在线咨询</a></p>{% endblock %}"""


@pytest.mark.parametrize(
    ("template", "make"),
    [
        ("video_page", "video"),
        ("article_page", "expert"),
        ("article_page", "interactive"),
        ("specialty_page", "hub"),
        ("doctor_page", "doctor"),
        ("patient_story_page", "story"),
    ],
)
def test_the_gate_checks_every_health_science_type_as_rendered(
    settings, tmp_path, template, make
) -> None:
    # given a template of that page type that renders a consultation link
    (tmp_path / "cms").mkdir()
    (tmp_path / "cms" / f"{template}.html").write_text(CTA_TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    parent = hub()
    page = {
        "video": lambda: draft(
            parent, VideoPage(title="放松", slug="v", video_url=own_video("/media/v.mp4"))
        ),
        "expert": lambda: draft(parent, ArticlePage(title="专家谈", slug="e", layer="expert")),
        "interactive": lambda: draft(
            parent, ArticlePage(title="自测：失眠类型", slug="t", layer="interactive")
        ),
        "hub": lambda: parent,
        "doctor": lambda: draft(
            draft(HomePage.objects.get(), DoctorIndexPage(title="医生团队", slug="doctors")),
            DoctorPage(
                title="李医生",
                slug="li",
                rank="主治医师",
                hospital="某医院",
                licence_number="110310000012346",
            ),
        ),
        "story": lambda: draft(
            parent,
            PatientStoryPage(
                title="我的经历",
                slug="s",
                patient_alias="王女士",
                body=rich("规律作息"),
                consent_recorded=True,
                consent_reference="TY-2026-001",
                consent_date=datetime.date(2026, 11, 1),
            ),
        ),
    }[make]()

    # when the gate checks it
    report = check_page(page)

    # then the served link blocks publication, wherever the page type sits
    assert ("rendered.links", f"在线咨询（/lp/insomnia/?content={page.pk}）") in _rendered(report)
    assert report.has_blocking
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()


def test_behind_a_tls_proxy_the_page_is_rendered_not_redirected(settings) -> None:
    # given production's TLS settings (plain http is redirected to https)
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    page = _science(hub(), body=[{"type": "paragraph", "value": rich("规律作息很重要。")}])

    html = rendered_html(page)

    assert "<h1>睡眠卫生</h1>" in html


def test_a_page_that_cannot_be_rendered_is_not_published_unchecked(monkeypatch) -> None:
    page = _science(hub(), body=[{"type": "paragraph", "value": rich("规律作息很重要。")}])
    monkeypatch.setattr(ArticlePage, "template", "cms/no_such_template.html")

    report = check_page(page)

    assert [(f.field, f.rule, f.blocking) for f in report.findings] == [
        ("rendered", "ad19-cta", True)
    ]
    assert report.findings[0].text == "RenderError: 页面渲染返回 500"


def test_every_seeded_page_of_every_type_passes_the_gate(
    seeded, django_capture_on_commit_callbacks
):
    # given the whole demo content, landing pages included
    import io

    from cms.models.base import BasePage
    from landing import seed as landing_seed

    with django_capture_on_commit_callbacks(execute=True):
        landing_seed.seed(stdout=io.StringIO())
    pages = [p for p in Page.objects.live().specific() if isinstance(p, BasePage)]
    assert {type(p).__name__ for p in pages} >= {"ArticlePage", "LandingPage", "DoctorPage"}

    for page in pages:
        # when its live revision is checked as the gate checks it
        report = check_revision(page.live_revision)

        # then nothing on it blocks publication (a landing page no longer quotes a patient)
        assert [(f.field, f.text) for f in report.findings if f.blocking] == [], page.url_path


# Issue 17 review: spellings of a lead-capture path that once passed both checks. The field
# check and the rendered check read links through the same `cms.links.link_kind`.
DISGUISED_LEAD_LINKS = [
    "/%6Cp/hair-loss/",
    "http://testserver/%6Cp/hair-loss/",
    "https://localhost/%6cp/hair-loss/",
    "/%70ackages/hair-loss/",
    "/%256Cp/hair-loss/",  # double-encoded
    "/%25256Cp/hair-loss/",  # thrice
    "/./lp/hair-loss/",
    "/%2e/lp/hair-loss/",
    "//lp/hair-loss/",
    "/articles//..//lp/hair-loss/",
    "/LP/hair-loss/",
    "/Packages/hair-loss/",
    "../lp/hair-loss/",
    "/articles/../lp/hair-loss/",
    "/%2E%2E/lp/hair-loss/",
    "/\\lp/hair-loss/",
]


@pytest.mark.parametrize("href", DISGUISED_LEAD_LINKS)
def test_an_encoded_or_dotted_lead_capture_link_is_refused_on_science(href) -> None:
    # given a 科普 article whose rich text links lead capture under a disguised path
    body = [{"type": "paragraph", "value": f'<p>想进一步了解，<a href="{href}">看看这里</a>。</p>'}]
    page = _science(hub(), body=body)

    # when the gate checks it
    report = check_page(page)

    # then the field check names the link (the served page does not repeat it) and the
    # page cannot go live
    assert [(f.field, f.rule) for f in report.findings] == [("body[0].paragraph", "ad19-cta")]
    assert "看看这里" in report.findings[0].text
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()


@pytest.mark.parametrize(
    "href",
    ["/lp/hair-loss/", "/%6Cp/hair-loss/", "https://testserver/%70ackages/x/", "//LP/x", "/./lp"],
)
def test_the_rendered_check_reads_lead_capture_links_as_the_field_check_does(href) -> None:
    html = parse_html(f'<main><a href="{href}">看看</a></main>')

    assert [text for _, text in conversion_findings(html)] == [f"看看（{href}）"]


@pytest.mark.parametrize(
    "href",
    ["/lpx/", "/articles/lp-guide/", "/packagesx/", "/search/?q=%2Flp%2F", "https://example.com/"],
)
def test_links_that_only_look_like_lead_capture_are_not_conversion_elements(href) -> None:
    html = parse_html(f'<main><a href="{href}">看看</a></main>')

    assert list(conversion_findings(html)) == []


WECOM_CONTACT_LINKS = [
    "https://work.weixin.qq.com/ca/cawcde1234567890",
    "HTTPS://WORK.WEIXIN.QQ.COM/%63a/cawcde1234567890",
    "https://work.weixin.qq.com/kfid/kfc1234567890",
    "https://work.weixin.qq.com/u/vc1234567890",
    "https://u.wechat.com/EBz-abcdef",
    "http://weixin.qq.com/r/abcdefghijk",
    "https://wpa.qq.com/msgrd?v=3&uin=12345&site=qq&menu=yes",
    "https://qm.qq.com/cgi-bin/qm/qr?k=abc",
    "wxwork://message?username=doctor",
]


@pytest.mark.parametrize("href", WECOM_CONTACT_LINKS)
def test_a_wecom_or_wechat_contact_link_is_refused_on_science(href) -> None:
    # given a 科普 article linking a WeCom 获客链接 or a WeChat/QQ contact card
    body = [{"type": "paragraph", "value": f'<p>加医助咨询：<a href="{href}">点这里</a></p>'}]
    page = _science(hub(), body=body)

    # when the gate checks the served page
    report = check_page(page)

    # then it is a contact link like tel: and the page cannot go live
    links = [f for f in report.findings if f.field == "rendered.links"]
    assert [(f.rule, f.message) for f in links] == [
        ("ad19-cta", "科普页面不得展示联系方式链接（变相发布医疗广告）")
    ]
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()


def test_other_wechat_and_qq_pages_are_not_contact_links() -> None:
    html = parse_html(
        '<main><a href="https://work.weixin.qq.com/">企业微信</a>'
        '<a href="https://weixin.qq.com/">微信</a>'
        '<a href="https://mp.weixin.qq.com/s/abc">公众号文章</a></main>'
    )

    assert list(conversion_findings(html)) == []


def _para(html: str) -> dict:
    return {"type": "paragraph", "value": html}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # two paragraph blocks; each half alone is lawful
        (_para("<p>我们保证</p>"), _para("<p>治愈脱发。</p>")),
        # a heading in one block over the paragraph of the next
        (_para("<h2>本疗法治愈率</h2>"), _para("<p>达到九成。</p>")),
        # a callout block under a paragraph block
        (
            _para("<p>有效率</p>"),
            {"type": "callout", "value": {"kind": "tip", "text": "高达98%。"}},
        ),
        (_para("<p>三天</p>"), _para("<p>见效。</p>")),
        # (round 10) a question in a heading, answered yes in the next block
        (_para("<h2>脱发能根治吗？</h2>"), _para("<p>能！这是我们的经验。</p>")),
        (_para("<h2>失眠可以彻底治好吗？</h2>"), _para("<p>答案是肯定的。</p>")),
    ],
)
def test_a_claim_split_across_two_blocks_is_found_on_the_served_page(first, second) -> None:
    # given a 科普 article whose claim starts in one block and ends in the next
    page = _science(hub(), body=[first, second])

    report = check_page(page)

    # then the served page reads it whole and the gate blocks it (round 37: or the body's
    # prose read joined, field 正文, first: `cms.compliance.page`)
    rendered = [f for f in report.blocking if f.field.startswith("rendered") or f.field == "body"]
    assert rendered, report.findings
    assert all(f.rule != "model-claim" for f in rendered)


def test_a_heading_question_answered_no_passes_on_the_served_page() -> None:
    # given a 科普 article that asks in a heading and answers honestly in the next block
    body = [_para("<h2>脱发能根治吗？</h2>"), _para("<p>目前还不能根治，但规范治疗可以控制。</p>")]
    page = _science(hub(), body=body)

    report = check_page(page)

    # then nothing blocks: the question is a question
    assert not report.has_blocking, report.findings


@pytest.mark.parametrize(
    "text",
    [
        "复制 t.cn/A6xYz9 到浏览器打开",
        "详见 https://item.taobao.com/item.htm?id=123",
        "网址：www.taobao.com/shop/zhou",
        "打开 url.cn/5AbCdE 领取",
        "企业微信：work.weixin.qq.com/ca/cawcde0123456789",
        # round 11: written as a reader still types it
        "复制 ｔ．ｃｎ／Ａ６ｘＹｚ 打开",
        "复制 t。cn/A6xYz 打开",
        "复制 t点cn/A6xYz 打开",
        "复制 t\u200b.cn/A6xYz 打开",
        "复制 t . cn/A6xYz 打开",
        "复制 t dot cn/A6xYz 打开",
        "复制 t(.)cn/A6xYz 打开",
        "打开t.cn/A6xYz到浏览器",
        "ｈｔｔｐｓ：／／t.cn/A6xYz",
        # top-level domains beyond the common ones, an IP or localhost with a port
        "复制 goo.gl/abc 打开",
        "复制 shorturl.at/abc 打开",
        "预约：127.0.0.1:8611/lp/hair-loss/",
        "预约：localhost:8611/lp/hair-loss/",
        "地图：uri.amap.com/marker?position=116.3,39.9",
    ],
)
def test_a_web_address_written_as_text_is_read_as_a_link(text) -> None:
    html = parse_html(f"<main><p>{text}</p></main>")

    found = [finding.field for finding, _ in conversion_findings(html)]

    assert found == ["rendered.text_urls"], text


@pytest.mark.parametrize(
    "text",
    [
        "参考：www.nhc.gov.cn 发布的指南",
        "世界卫生组织网站 https://www.who.int/health-topics/diabetes",
        "邮箱 zhou@qq.com",  # a text rule's finding (ad19-contact), not a link
        "2型糖尿病的HbA1c.目标一般<7%",
        "维生素B12.缺乏也会脱发",
        "下午3点30分服药",
        "HbA1c. 空腹血糖 . 餐后血糖",
        "版本 1.2.3.4 的指南",
        "e.g. the end. Next",
    ],
)
def test_text_that_is_no_conversion_address_is_no_link_finding(text) -> None:
    html = parse_html(f"<main><p>{text}</p></main>")

    assert list(conversion_findings(html)) == [], text


def test_a_linked_address_written_out_as_its_own_text_is_one_finding() -> None:
    html = parse_html('<main><a href="https://t.cn/A6xYz9">https://t.cn/A6xYz9</a></main>')

    assert [f.field for f, _ in conversion_findings(html)] == ["rendered.links"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("脱发能根治吗？", "答案是肯定的。"),
        ("植发能保证100%存活吗？", "可以的，这点请放心。"),
        ("治疗后会复发吗？", "不会，永远不会。"),
        ("效果不好能退钱吗？", "能，全额退。"),
        ("脱发能根治吗？", "能！"),
    ],
)
def test_an_faq_question_answered_yes_is_one_claim_on_the_served_page(question, answer) -> None:
    # given a 科普 article whose FAQ block asks and answers in two fields
    faq = {
        "type": "faq",
        "value": {
            "title": "常见问题",
            "items": [{"question": question, "answer": f"<p>{answer}</p>"}],
        },
    }
    page = _science(hub(), body=[faq])

    # then the served page reads the <dt> and its <dd> as one, and the gate blocks it
    report = check_page(page)
    # (round 37) or the body's prose read joined (`cms.compliance.page`: field 正文), first
    assert any(
        f.field.startswith("rendered") or f.field == "body" for f in report.blocking
    ), report.findings


def test_an_faq_answered_honestly_passes() -> None:
    faq = {
        "type": "faq",
        "value": {
            "title": "常见问题",
            "items": [
                {"question": "脱发能根治吗？", "answer": "<p>目前还不能根治，但可以控制。</p>"},
                {"question": "脱发会传染吗？", "answer": "<p>不会。</p>"},
            ],
        },
    }
    page = _science(hub(), body=[faq])

    assert not check_page(page).has_blocking
