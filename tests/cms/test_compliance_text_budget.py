"""Issue 17, round 33: the text a page's check reads in a request. A tester saved 10,000 short
lines (102 s) and a 200,000-character paragraph (64 s). A page over `MAX_PAGE_CHARS` characters
or `MAX_PAGE_LINES` lines is refused at save with a form error; its check reads none of it and
blocks publication, and no reviewer's ruling clears that (nobody has read it)."""

from __future__ import annotations

import pytest

from cms import errors
from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked, page_false_match_record
from cms.compliance.page import (
    MAX_PAGE_CHARS,
    MAX_PAGE_LINES,
    TEXT_FIELD,
    TEXT_UNREAD_RULE,
    check_text_budget,
)
from cms.models import ArticlePage
from config.errors import ApplicationError
from tests.cms.compliance_support import article_edit_post, draft, editor, hub, reviewer

pytestmark = pytest.mark.django_db

# one claim the check would find, if it read the page
CLAIM = "本疗法根治失眠。"


def _paragraphs(count: int, sentence: str = "规律作息有助于睡眠。") -> str:
    return "".join(f"<p>{sentence}</p>" for _ in range(count))


def _article(html: str, *, layer: str = "science", slug: str = "long") -> ArticlePage:
    body = [{"type": "paragraph", "value": f"<p>{CLAIM}</p>{html}"}]
    return draft(hub(), ArticlePage(title="睡眠卫生", slug=slug, layer=layer, body=body))


@pytest.mark.parametrize(
    "html",
    [
        _paragraphs(MAX_PAGE_LINES + 1, "眠"),  # too many lines
        "<p>" + "睡" * (MAX_PAGE_CHARS + 1) + "</p>",  # one paragraph too long
    ],
    ids=["lines", "characters"],
)
@pytest.mark.parametrize("layer", ["science", "conversion"])
def test_a_page_over_the_text_bound_is_refused_unread(html, layer) -> None:
    page = _article(html, layer=layer)

    # when it is checked: one blocking finding says why, the claim inside is not read
    report = check_page(page)
    assert [(f.rule, f.field, f.blocking) for f in report.findings] == [
        (TEXT_UNREAD_RULE, TEXT_FIELD, True)
    ]
    assert f"一页最多 {MAX_PAGE_CHARS} 字、{MAX_PAGE_LINES} 段" in report.findings[0].message
    with pytest.raises(ApplicationError) as refused:
        check_text_budget(page)
    assert refused.value.code == errors.TOO_MUCH_TEXT
    assert refused.value.status == 400

    # and no ruling of a reviewer publishes it
    user = reviewer(f"shencha-{layer}")
    if layer == "science":
        revision = page_false_match_record(page=page, user=user)
    else:
        revision = page.save_revision(user=user)
    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish(user=user)
    assert blocked.value.decision.reason == "text_unread"
    page.refresh_from_db()
    assert page.live is False


def test_a_page_at_the_bound_is_read() -> None:
    # the title, the claim's line and MAX_PAGE_LINES - 2 others: every line is read
    page = _article(_paragraphs(MAX_PAGE_LINES - 2))

    check_text_budget(page)  # not refused
    rules = {f.rule for f in check_page(page, rendered=False).findings}
    assert TEXT_UNREAD_RULE not in rules
    assert "ad16-guarantee" in rules


def _post(client, page, html: str):
    return article_edit_post(client, page, html)


def test_saving_a_draft_over_the_text_bound_is_refused_with_a_form_error(client) -> None:
    page = _article("")
    client.force_login(editor())

    # when the editor saves a draft with one character too many
    response = _post(client, page, "<p>" + "睡" * (MAX_PAGE_CHARS + 1) + "</p>")

    # then the form comes back with the reason, and nothing is saved
    assert response.status_code == 200
    assert f"一页最多 {MAX_PAGE_CHARS} 字" in response.content.decode()
    assert page.revisions.count() == 0

    # and a long but ordinary article saves
    response = _post(client, page, _paragraphs(300))
    assert response.status_code == 302
    assert page.revisions.count() == 1


def test_the_editor_panel_offers_no_false_match_for_unread_text(client) -> None:
    """Round 35 (F5.4): the panel under a page over the bound said 「…如确属误判，由“医疗广告审查”
    组成员确认为误报」 after the reason that nothing clears it."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    page = _article("<p>" + "睡" * (MAX_PAGE_CHARS + 1) + "</p>", slug="long-panel")
    admin = get_user_model().objects.create_superuser("zhuguan-long", "l@example.com", "x")
    client.force_login(admin)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()

    assert "data-compliance-unclearable" in html
    assert "确认为误报" not in html
