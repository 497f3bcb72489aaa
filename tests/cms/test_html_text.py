"""cms.html_text: HTML parsed into blocks, links, forms, images and phone numbers."""

from __future__ import annotations

from django.utils.html import strip_tags

from cms.compliance import check_text
from cms.html_text import Block, Form, Image, html_blocks, html_sections, html_text, parse_html
from cms.services.drafts import _sections


def test_paragraphs_list_items_and_headings_are_separate_blocks() -> None:
    source = (
        "<h2>何时就医</h2><p>落发&amp;增多，<b>持续</b>数周。</p>"
        "<ul><li>发际线后移</li><li>头顶变稀</li></ul><ol><li>第一步</li></ol>"
        "<p>一行<br>两行</p><script>var x = '根治';</script><style>p{}</style>"
    )

    assert html_blocks(source) == [
        Block("h2", "何时就医", level=2),
        Block("p", "落发&增多，持续数周。"),
        Block("li", "发际线后移", list_tag="ul"),
        Block("li", "头顶变稀", list_tag="ul"),
        Block("li", "第一步", list_tag="ol"),
        Block("p", "一行"),
        Block("p", "两行"),
    ]


def test_a_rule_cannot_match_across_two_list_items() -> None:
    # given two harmless list items that strip_tags glues into a refund guarantee
    source = "<ul><li>头发不长</li><li>不收费的检查项目</li></ul>"
    assert check_text(strip_tags(source)) != []  # the old way: 「不长不收费」 across items

    # when the text is parsed into blocks, then nothing is found
    assert html_text(source) == "头发不长\n\n不收费的检查项目"  # items set off: no run-on
    assert check_text(html_text(source)) == []


def test_sections_split_at_headings_and_keep_lists_as_clauses() -> None:
    source = "<p>导语。</p><h2>症状</h2><ul><li>掉发多</li><li>头皮痒。</li></ul><p>及时就医。</p>"

    assert [(h, [b.text for b in blocks]) for h, blocks in html_sections(source)] == [
        ("", ["导语。"]),
        ("症状", ["掉发多", "头皮痒。", "及时就医。"]),
    ]
    assert _sections(source) == [("", "导语。"), ("症状", "掉发多；头皮痒。及时就医。")]


def test_page_elements_links_forms_images_and_phones() -> None:
    source = """<html><head><title>t</title></head><body><header>站点</header>
      <main><p>咨询 138 0013 8000 或 021-64001234</p>
        <a href="/lp/hair/?utm=1">在线咨询</a><a href="tel:4001234567">拨打</a>
        <form action="/lp/hair/submit/" method="POST"><input name="phone">
          <input type="hidden" name="csrf"><textarea name="note"></textarea></form>
        <img src="/media/qr.png" alt="二维码"></main></body></html>"""

    page = parse_html(source, root="main")

    assert [b.text for b in page.blocks] == ["咨询 138 0013 8000 或 021-64001234", "在线咨询拨打"]
    assert [(link.href, link.text) for link in page.links] == [
        ("/lp/hair/?utm=1", "在线咨询"),
        ("tel:4001234567", "拨打"),
    ]
    assert page.forms == [Form("/lp/hair/submit/", "post", ("phone", "note"))]
    assert page.images == [Image("/media/qr.png", "二维码")]
    assert page.phones == ["138 0013 8000", "021-64001234", "4001234567"]


def test_a_missing_root_reads_the_whole_document_and_empty_input_is_empty() -> None:
    assert [b.text for b in parse_html("<p>甲</p>", root="main").blocks] == ["甲"]
    assert html_blocks("") == []
    assert parse_html("").phones == []


def _finding_rules(source: str) -> set[str]:
    return {f.rule for f in check_text(html_text(source)) if f.blocking}


def test_the_lines_of_one_list_item_are_read_as_one_claim() -> None:
    """Seventeenth verification B-H1: a soft line break (Shift+Enter in a Draftail list item,
    stored as <br/>) split one item into two items, and 「保证<br>治愈」 in a list passed."""
    for source in (
        '<ul><li data-block-key="a">坚持三个疗程保证<br/>治愈脱发</li></ul>',
        "<ol><li>头发不长<br>不收费</li></ol>",
        "<table><tr><td>保证<br>治愈</td></tr></table>",
        "<ul><li><p>坚持三个疗程保证</p><p>治愈脱发</p></li></ul>",
    ):
        assert _finding_rules(source) & {"ad16-guarantee", "ad16-refund"}, source


def test_items_holding_paragraphs_stay_items_of_their_own() -> None:
    """Seventeenth verification B-H2: 「<li><p>…</p></li>」 took its block's tag from the <p>
    and glued the items again (「不长不收费」 across two items); drafts lost the list."""
    for inner in ("p", "div"):
        source = (
            f"<ul><li><{inner}>头发不长</{inner}></li>"
            f"<li><{inner}>不收费的检查项目</{inner}></li></ul>"
        )
        assert html_text(source) == "头发不长\n\n不收费的检查项目"
        assert _finding_rules(source) == set()
        assert [b.list_tag for b in html_blocks(source)] == ["ul", "ul"]
    cells = "<table><tr><td><p>头发不长</p></td><td><p>不收费的检查项目</p></td></tr></table>"
    assert _finding_rules(cells) == set()
    listed = "<h2>症状</h2><ul><li><p>掉发多</p></li><li><p>头皮痒。</p></li></ul>"
    assert _sections(listed) == [("症状", "掉发多；头皮痒。")]


def test_a_nested_lists_first_sub_item_reads_on_from_its_parent_item() -> None:
    """Seventeenth re-verification C-4: Tab in a Draftail list makes a sub-item
    (「<li>保证<ul><li>治愈</li></ul></li>」), read as 「• 保证 ◦ 治愈」: one statement, as a <dt>
    heads its <dd>. The sub-items after the first, the next item and a paragraph after the
    list stay set off."""
    assert "ad16-guarantee" in _finding_rules("<ul><li>保证<ul><li>治愈</li></ul></li></ul>")
    assert "ad16-guarantee" in _finding_rules("<ol><li>包<ul><li>治好</li></ul></li></ol>")
    source = (
        "<ul><li>检查<ul><li>抽血</li><li>头发不长</li></ul></li>"
        "<li>不收费的项目</li></ul><p>完</p>"
    )
    assert html_text(source) == "检查\n抽血\n\n头发不长\n\n不收费的项目\n\n完"
