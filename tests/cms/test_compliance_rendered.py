"""The page-level disguised-ad check (《广告法》第十九条, 《互联网广告管理办法》第八条): the
gate reads what a 科普 page will serve, template and blocks included."""

from __future__ import annotations

import pytest
from wagtail.models import Page

from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.page import check_revision
from cms.compliance.rendered import conversion_findings, rendered_html
from cms.html_text import parse_html
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, rich

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
    # given the same body on a 科普 and a 转化 article
    parent = hub()
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


def test_every_seeded_science_page_passes_the_gate_as_rendered(seeded) -> None:
    # given every 科普 article the demo seed publishes
    pages = list(ArticlePage.objects.live().filter(layer="science").order_by("path"))
    assert len(pages) == 3

    for page in pages:
        # when its live revision is checked, the served HTML included
        html = rendered_html(page.live_revision.as_object())
        report = check_revision(page.live_revision)

        # then the page did render, and nothing on it blocks publication
        assert f"<h1>{page.title}</h1>" in html
        assert [f.text for f in report.findings if f.blocking] == [], page.url_path


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
