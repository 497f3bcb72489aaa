"""HTML read as HTML: text per block, and the links, forms, images and phone numbers a page
shows. The one place the project parses HTML (beautifulsoup4 with the standard library's
parser), for the compliance checker, the 科普 page-level check and the channel drafts.

Why not `django.utils.html.strip_tags`: it glues paragraphs, list items and headings
together («…脱发。</p><p>保证…» becomes one line, «<li>不长</li><li>不收费</li>» one
word), so a rule could match across two blocks, and drafts lose their headings and lists.
Here every block element (paragraph, list item, heading, quote, cell, caption …) is its own
`Block`, and `<br>` ends a block too.

Sources: Beautiful Soup documentation, "Navigating the tree" and "Searching the tree"
(https://www.crummy.com/software/BeautifulSoup/bs4/doc/); block elements after the HTML
Living Standard's "flow content" grouping elements (§4.4) and headings (§4.3.6).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

PARSER = "html.parser"  # standard library: no compiled dependency, same result everywhere

# Elements whose content is a block of its own: a rule never reads across two of them.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "button", "caption", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "legend", "li",
        "main", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Never shown as text.
HIDDEN_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg"}
)
HEADING = re.compile(r"^h([1-6])$")
# Mainland mobile numbers, 400/800 numbers and landlines with an area code, as written in
# copy (spaces or hyphens between groups); the same shapes as the ad19-contact rule.
PHONE = re.compile(
    r"(?<!\d)(?:1[3-9]\d(?:[-\s]?\d{4}){2}|[48]00[-\s]?\d{3}[-\s]?\d{4}|0\d{2,3}[-\s]?\d{7,8})(?!\d)"
)


@dataclass(frozen=True)
class Block:
    """One block of visible text. `tag` is the element that holds it (p, li, h2 …),
    `level` the heading level (0 for anything else), `list_tag` "ul"/"ol" for a list item
    (or a block inside one: 「<li><p>…</p></li>」). `item` numbers the item element
    (`ITEM_TAGS`: li, td, dt …) the block is in, 0 outside one: the lines of one item
    (split by `<br>` or inner paragraphs) share it, so a sentence reads on within an item
    and never from one item into another."""

    tag: str
    text: str
    level: int = 0
    list_tag: str = ""
    item: int = field(default=0, compare=False)
    # the item the block's item sits in (a nested list's parent item), 0 for none
    parent_item: int = field(default=0, compare=False)

    @property
    def is_heading(self) -> bool:
        return self.level > 0


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    attrs: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Form:
    action: str
    method: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Image:
    src: str
    alt: str


@dataclass(frozen=True)
class PageHtml:
    """What a rendered page shows: text blocks and the elements the 第十九条 check reads."""

    blocks: list[Block]
    links: list[Link]
    forms: list[Form]
    images: list[Image]
    phones: list[str]
    # Other ways a page takes the visitor somewhere or shows another page inside itself:
    # iframe/frame/embed src, object data, image-map area href, a meta refresh's URL.
    frames: list[Link] = field(default_factory=list)

    def text(self) -> str:
        return blocks_text(self.blocks)


def _soup(source: str) -> BeautifulSoup:
    return BeautifulSoup(source or "", PARSER)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _walk(
    node: Tag, blocks: list[Block], buffer: list[str], owner: Tag | None, numbers: dict[int, int]
) -> None:
    for child in node.children:
        if isinstance(child, Comment | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            buffer.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in HIDDEN_TAGS:
            continue
        if child.name == "br":
            _flush(blocks, buffer, owner, numbers)
        elif child.name in BLOCK_TAGS:
            _flush(blocks, buffer, owner, numbers)
            _walk(child, blocks, buffer, child, numbers)
            _flush(blocks, buffer, child, numbers)
        else:
            _walk(child, blocks, buffer, owner, numbers)


# Item elements are numbered across parses, so blocks of two documents never share one.
_ITEMS = itertools.count(1)


def _nearest_item(node: Tag | None) -> Tag | None:
    while isinstance(node, Tag):
        if node.name in ITEM_TAGS:
            return node
        node = node.parent
    return None


def _item_of(owner: Tag | None, numbers: dict[int, int]) -> tuple[int, str, int]:
    """(number, list tag, parent item's number) of the item element `owner` is or sits in;
    (0, "", 0) for none. The parent item is the item holding the item's list (a sub-item)."""
    item = _nearest_item(owner)
    if item is None:
        return 0, "", 0
    number = numbers.setdefault(id(item), next(_ITEMS))
    parent = item.parent
    is_list = item.name == "li" and isinstance(parent, Tag)
    list_tag = parent.name if is_list and parent.name in ("ul", "ol") else ""
    outer = _nearest_item(parent)
    outer_number = numbers.setdefault(id(outer), next(_ITEMS)) if outer is not None else 0
    return number, list_tag, outer_number


def _flush(
    blocks: list[Block], buffer: list[str], owner: Tag | None, numbers: dict[int, int]
) -> None:
    text = _squash("".join(buffer))
    buffer.clear()
    if not text:
        return
    name = owner.name if owner is not None else ""
    heading = HEADING.match(name)
    item, list_tag, parent_item = _item_of(owner, numbers)
    level = int(heading.group(1)) if heading else 0
    blocks.append(Block(name, text, level, list_tag, item, parent_item))


def _blocks_of(node: Tag) -> list[Block]:
    blocks: list[Block] = []
    buffer: list[str] = []
    numbers: dict[int, int] = {}  # id(item element) → its number, while the tree is alive
    _walk(node, blocks, buffer, None, numbers)
    _flush(blocks, buffer, None, numbers)
    return blocks


def html_blocks(source: str) -> list[Block]:
    """The visible text of an HTML fragment or document, one `Block` per block element."""
    return _blocks_of(_soup(source))


# Blocks that are items of their own (a list item, a table cell, a label …): a sentence never
# runs on from or into one of them. Paragraphs, headings, quotes and `<br>` lines may: a
# heading without a full stop reads into its paragraph, «保证<br>治愈» is one claim.
ITEM_TAGS = frozenset(
    {"li", "td", "th", "dt", "dd", "option", "caption", "figcaption", "button", "label",
     "legend", "summary"}
)  # fmt: skip


# A lead-in that promises what its list then names (「我院承诺：」「我们保证以下几点：」).
# Not 「保证充足睡眠：」 (advice with its object): at most a few characters between the promise
# and the colon.
_PROMISE_LEAD = re.compile(
    r"(?:承诺|保证|担保|确保|保障|郑重声明)(?:以下|如下)?[^，,。；;]{0,3}[:：]\s*$"
)


def blocks_text(blocks: list[Block]) -> str:
    """One line per block: line numbers of findings point at a paragraph or list item. A
    blank line sets off each item (`ITEM_TAGS`, `Block.item`): the compliance checker reads a
    line without a sentence end on into the next one, but never across a blank line, so
    «<li>头发不长</li><li>不收费的检查项目</li>» stays two items (round 8, M4), and so does
    «<li><p>头发不长</p></li><li><p>…</p></li>». The lines of one item read on as a
    paragraph's do: «<li>保证<br>治愈</li>» is one claim (seventeenth verification B-H1). A
    <dt> and the <dd> after it are a term and its description (an FAQ's question and
    answer): no blank line between them. Nor between a block that is no item (a heading, a
    paragraph) and the first item of a list after it: a lead-in reads on into its first item
    (「我们保证」 over 「• 治愈脱发」; twentieth re-verification D-7); when the lead-in promises
    (`_PROMISE_LEAD`), all of the list's items read on, as one clause (「我院承诺：」 over
    「• 无效」「• 全额退款」)."""
    lines: list[str] = []
    promised = False  # in a list whose lead-in promises (`_PROMISE_LEAD`)
    for i, block in enumerate(blocks):
        before = blocks[i - 1] if i else None
        # a term and its description are a question and its answer (an FAQ's <dt>/<dd>):
        # read on, as a heading over its paragraph is (round 10: 「脱发能根治吗？」「答案是肯定的」)
        # (the <dd> may hold paragraphs: whatever follows a <dt> is its description)
        answers = before is not None and before.tag == "dt"
        # a nested list's first sub-item reads on from its parent item's text, as a <dd>
        # from its <dt> (「• 保证 ◦ 治愈」, Tab in Draftail; seventeenth re-verification C-4)
        heads = before is not None and bool(block.parent_item) and block.parent_item == before.item
        # a lead-in reads on into the list's first item, as into a paragraph: 「我们保证」 over
        # 「• 治愈脱发」 is one claim (twentieth re-verification D-7); items stay apart
        leads = before is not None and not before.item and block.tag == "li" and bool(block.item)
        if leads:
            promised = bool(_PROMISE_LEAD.search(before.text))
        elif not block.item:
            promised = False
        # the items of a list a promise leads into are what is promised, read on as one
        # clause: 「我院承诺：」 over 「• 无效」「• 全额退款」 (twenty-first verification A)
        reads_on = promised and bool(block.item) and block.parent_item == before.parent_item
        if before is not None and not answers and not heads and not leads and not reads_on and (
            block.item or before.item
        ):
            if block.item != before.item:
                lines.append("")
        lines.append(block.text)
    return "\n".join(lines)


def html_text(source: str) -> str:
    """`html_blocks` as lines (what the compliance checker reads)."""
    return blocks_text(html_blocks(source))


def html_sections(source: str) -> Iterator[tuple[str, list[Block]]]:
    """Split at headings: (heading text or "", the blocks under it), in order. Blocks before
    the first heading come under ""."""
    heading, under = "", []
    for block in html_blocks(source):
        if block.is_heading:
            if heading or under:
                yield heading, under
            heading, under = block.text, []
        else:
            under.append(block)
    if heading or under:
        yield heading, under


def html_links(source: str) -> list[Link]:
    """Every `<a>` with its href (Wagtail's stored rich text has `linktype`/`id` instead of
    href for page links: those attributes are kept in `attrs`)."""
    return _links(_soup(source))


def _links(soup: BeautifulSoup | Tag) -> list[Link]:
    links = []
    for anchor in soup.find_all("a"):
        attrs = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in anchor.attrs.items()}
        links.append(Link(attrs.get("href", ""), _squash(anchor.get_text(" ")), attrs))
    return links


REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"\s;]+)", re.I)
FRAME_ATTRS = {"iframe": "src", "frame": "src", "embed": "src", "object": "data", "area": "href"}


def _frames(soup: BeautifulSoup | Tag) -> list[Link]:
    frames = []
    for tag in soup.find_all(list(FRAME_ATTRS)):
        target = str(tag.get(FRAME_ATTRS[tag.name], "") or "")
        if target:
            label = str(tag.get("title") or tag.get("alt") or tag.name)
            frames.append(Link(target, _squash(label)))
    for meta in soup.find_all("meta"):
        if str(meta.get("http-equiv", "")).lower() == "refresh":
            found = REFRESH_URL.search(str(meta.get("content", "")))
            if found:
                frames.append(Link(found.group(1), "自动跳转"))
    return frames


def parse_html(source: str, *, root: str = "") -> PageHtml:
    """A rendered page: blocks, links, forms, images and phone numbers (in text and in
    `tel:` links). `root` is a CSS selector for the part to read (e.g. "main"); the whole
    document when empty or absent."""
    soup = _soup(source)
    scope: BeautifulSoup | Tag = (soup.select_one(root) if root else None) or soup
    blocks = _blocks_of(scope)
    forms = [
        Form(
            action=str(form.get("action", "")),
            method=str(form.get("method", "get")).lower(),
            fields=tuple(
                str(el.get("name"))
                for el in form.find_all(["input", "select", "textarea"])
                if el.get("name") and el.get("type") != "hidden"
            ),
        )
        for form in scope.find_all("form")
    ]
    images = [
        Image(str(img.get("src", "")), str(img.get("alt", ""))) for img in scope.find_all("img")
    ]
    # pictures a page shows without <img>: a video's poster, the share card (og:image)
    images += [
        Image(str(video.get("poster")), "视频封面")
        for video in soup.find_all("video")
        if video.get("poster")
    ]
    images += [
        Image(str(meta.get("content")), "分享图")
        for meta in soup.find_all("meta", attrs={"property": "og:image"})
        if meta.get("content")
    ]
    links = _links(scope)
    phones = [m.group(0) for block in blocks for m in PHONE.finditer(block.text)]
    phones += [link.href[4:] for link in links if link.href.lower().startswith("tel:")]
    return PageHtml(
        blocks=blocks,
        links=links,
        forms=forms,
        images=images,
        phones=phones,
        frames=_frames(soup),  # the whole document: a refresh sits in the head
    )
