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
