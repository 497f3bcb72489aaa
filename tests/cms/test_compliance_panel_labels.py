"""The compliance panel names where a finding is in the editor's words (issue 17
re-verification: a finding on the served page was shown as 「rendered 第10行」)."""

from __future__ import annotations

import pytest

from cms.compliance.panels import field_label
from cms.models import ArticlePage
from landing.models import LandingPage


@pytest.mark.parametrize(
    ("model", "path", "label"),
    [
        (ArticlePage, "title", "标题"),
        (ArticlePage, "rendered", "发布后的页面文字（模板与各区块合在一起读）"),
        (ArticlePage, "rendered.links", "发布后的页面链接"),
        (ArticlePage, "rendered.something_new", "发布后的页面文字（模板与各区块合在一起读）"),
    ],
)
def test_fields_and_the_served_page_are_named_in_chinese(model, path, label) -> None:
    assert field_label(model, path) == label


def test_a_block_is_named_by_its_place_and_label() -> None:
    body = ArticlePage._meta.get_field("body")
    faq = body.stream_block.child_blocks["faq"]
    label = field_label(ArticlePage, "body[1].faq")
    assert label == f"{body.verbose_name} › 第2项（{faq.label}）"
    assert "faq" not in label


def test_a_landing_pages_field_is_named_by_its_verbose_name() -> None:
    field = LandingPage._meta.get_field("hero_body")
    assert field_label(LandingPage, "hero_body") == str(field.verbose_name)


def test_a_child_forms_field_is_named_and_never_fails() -> None:
    # a landing page's keyword variant (an InlinePanel): the edit view answered 500 (second
    # round of fresh testers)
    label = field_label(LandingPage, "keyword_variants[0].headline")
    assert label.startswith(
        str(LandingPage._meta.get_field("keyword_variants").related_model._meta.verbose_name)
    )
    assert "第1项" in label
    assert field_label(LandingPage, "no_such_field[3].x.y") != ""


def test_a_faq_question_and_answer_are_told_apart() -> None:
    question = field_label(ArticlePage, "body[1].faq.items[0].question")
    answer = field_label(ArticlePage, "body[1].faq.items[0].answer")
    assert question != answer
    assert "question" not in question
    assert "answer" not in answer


@pytest.mark.django_db
def test_the_edit_view_of_a_landing_page_whose_keyword_variant_has_a_finding_opens(client):
    """The panel's label for `keyword_variants[0].headline` raised, and the edit view answered
    500 to everyone: nobody could open the page to fix it (second round of fresh testers)."""
    from landing.models import KeywordVariant
    from tests.cms.compliance_support import editor
    from tests.cms.test_doctor_credentials import landing

    page = landing("先做一次毛囊检测。")
    page.keyword_variants.add(KeywordVariant(keywords="脱发", headline="三天见效"))
    page.save_revision()
    client.force_login(editor())

    response = client.get(f"/admin/pages/{page.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "关键词版本 › 第1项 › 主标题" in html
