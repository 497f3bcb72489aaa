"""The page-level disguised-ad check: what a 科普 page will actually serve.

《广告法》第十九条 and 《互联网广告管理办法》第八条: a page that presents health knowledge may
not also show the provider's address, contact details or shopping links; the 2025
《医疗广告认定指南》 treats such a page as a medical ad. Field texts alone cannot tell: the
template adds its own elements (a 「在线咨询」 button, a package card, a lead form), so the
gate renders the page object it is about to publish (the revision's, template and blocks
included) the way Wagtail's preview does (`Page.make_preview_request`: a dummy request
through the middleware, anonymous like a patient), parses the served HTML
(`cms.html_text`) and looks for conversion elements:

- links to lead capture (landing pages under /lp/, package pages under /packages/, any own
  path whose view or Wagtail page leads there: `/r/<code>/`, a 转化 article), contact links
  (tel:, sms:, mailto:, weixin:, WeCom 获客链接 and WeChat/QQ contact cards), shops and
  consultation/payment platforms, short links, read by `cms.links.link_kind`
  (percent-decoded, dot segments resolved, case folded), and the same targets embedded or
  jumped to (iframe/frame/embed/object, image-map areas, a meta refresh);
- anything framed or embedded that is not our own file or an allowed video player
  (`cms.links.video_player`);
- a linked file of ours (a PDF, an office file, a zip, a picture) that holds a QR code or
  cannot be read to the end (`cms.compliance.qr.document_scan`), or whose text has a contact,
  a call to consult or a blocking claim (`linked_text_findings`: the 科普 rules over the file's
  text; the file is the page's own publication);
- web addresses written as text (「复制 t.cn/A6xYz 到浏览器打开」, a shop's address): read by the
  same `link_kind` as a link, since a reader copies them (round 10), and the file one ends at
  scanned as a linked file (verification 2, N5);
- forms other than the site search;
- images that are QR codes: the alt, title or file name says so, or the picture holds a
  matrix code (`cms.compliance.qr`, decoded with zxing-cpp);
- the 第十九条 text rules (phone numbers, WeChat ids, prices, 在线咨询 …) over every rendered
  block, header and footer included.

What the editor wrote in a field is already checked field by field (with the field's path
for the editor); a rendered finding that repeats one of those is dropped.

Source: Wagtail `wagtail/models/preview.py` (`PreviewableMixin.make_preview_request`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from cms.compliance import ocr
from cms.compliance.checker import ComplianceReport, Finding, check_report
from cms.compliance.extract import identifier_values
from cms.compliance.qr import Scan, document_scan, image_scan
from cms.compliance.rules import load_rules
from cms.html_text import PARSER, Link, PageHtml, parse_html
from cms.links import (
    SHORT_LINK_DOMAINS,
    fetched_urls,
    link_kind,
    own_file_path,
    prime_links,
    read_link,
    video_player,
)
from cms.textnorm import normalize

logger = logging.getLogger("yinliu.cms.compliance")

RENDERED = "rendered"  # the field name findings on the served page carry
DISGUISED_AD_RULE = "ad19-cta"
SEARCH_PATH = "/search/"
QR_IMAGE = re.compile(r"二维码|活码|qr[-_ ]?code|(^|[/_\-.])qr([/_\-.]|$)|wecom|企业微信", re.I)


def rendered_html(page) -> str | None:
    """The HTML the page serves, or None for a page that cannot be routed yet (an unsaved
    new page in the create form: its revision is checked again before it goes live)."""
    if not page.pk or not page.path:
        return None
    response = page.make_preview_request(
        original_request=_behind_the_proxy(), preview_mode=page.default_preview_mode
    )
    if response.status_code != 200:
        raise RenderError(f"页面渲染返回 {response.status_code}")
    return response.content.decode(response.charset or "utf-8")


class RenderError(RuntimeError):
    """The page could not be rendered, so what it shows cannot be checked."""


def _behind_the_proxy() -> HttpRequest | None:
    """In production the site sits behind a TLS proxy (SECURE_PROXY_SSL_HEADER) and redirects
    plain http: the dummy request carries the proxy's header, as a patient's request would.
    Wagtail copies that header from an "original request" into its dummy request."""
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not header:
        return None
    request = HttpRequest()
    request.META[header[0]] = header[1]
    return request


def disguised_ad_finding(*, field: str, line: int, text: str, message: str) -> Finding:
    """A structural 第十九条 finding (no regex matched: an element is there), reported under
    the `ad19-cta` rule so certificates and reports treat it like the text rule."""
    rule = next(r for r in load_rules().rules if r.id == DISGUISED_AD_RULE)
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        reference=rule.reference,
        message=message,
        field=field,
        line=line,
        start=0,
        end=len(text),
        text=text,
    )


def _finding(*, field: str, line: int, text: str, what: str) -> Finding:
    message = f"科普页面不得展示{what}（变相发布医疗广告）"
    return disguised_ad_finding(field=field, line=line, text=text, message=message)


def _unchecked(*, field: str, line: int, text: str, problem: str) -> Finding:
    """A file the page links, frames or shows that the gate could not read to the end
    (`cms.compliance.qr.Scan.problem`): refused, since it may hold a code (fail closed)."""
    message = f"科普页面链接或展示的文件无法检查：{problem}"
    return disguised_ad_finding(field=field, line=line, text=text, message=message)


def _unread_warning(*, field: str, line: int, text: str) -> Finding:
    """A warning (not blocking) on a video or animation the page shows or links whose frames
    past the reading bound were not read for words (round 13): the editor and the reviewer
    look at them."""
    rule = next(r for r in load_rules().rules if r.id == DISGUISED_AD_RULE)
    return Finding(
        rule=rule.id,
        severity="warn",
        reference=rule.reference,
        message="科普页面展示或链接的视频、动图中有画面未识别文字，请人工核对其中是否有联系方式",
        field=field,
        line=line,
        start=0,
        end=len(text),
        text=text,
    )


# What each `cms.links.link_kind` kind is called in a finding.
LINK_WHAT = {
    "contact": "联系方式链接",
    "landing": "咨询、购买入口",
    "package": "咨询、购买入口",
    "ad_page": "医疗广告（转化内容）页面的链接",
    "address": "地址（地图）链接",
    "shop": "购物、问诊或支付平台链接",
    "short": "去向不明的短链接",
    "redirects": "多次跳转、去向不明的链接",
    "scheme": "非网页链接（仅可链接 http/https 网页）",
}


# A web address written as text: with a scheme, from www., a host name ending in a top-level
# domain (letters: .com, .cn, .gl, .ly …; any such name is read, `link_kind` then says what
# it is, and an ordinary name is nothing), an IP address or `localhost` with a port or a
# path (IPv4 dotted, in hex `0x7f000001` or as one number `2130706433` with a port, IPv6 in
# brackets `[::1]`: browsers read all of them, fourth verification); a port and a path after
# any of them. Chinese characters and punctuation end it; one
# just before the host does not hide it (「打开t.cn/x到浏览器」 is t.cn/x).
_URL_TAIL = r"[^\s<>\"'，。；！？、（）()【】「」\u4e00-\u9fff]"
_TEXT_URL = re.compile(
    rf"(?:https?://|www\.){_URL_TAIL}+"
    # an app's link typed out (weixin://dl/business/?t=…, wxwork://message?…, alipays://…):
    # read as the same link in an <a> is (fifth verification)
    # (not a word glued to a web address: 「WHOhttps://www.who.int/」 is a web address)
    rf"|(?<![A-Za-z0-9+.\-])(?![a-z0-9+.\-]*?https?://)[a-z][a-z0-9+.\-]{{1,30}}://{_URL_TAIL}+"
    r"|(?<![A-Za-z0-9@.\-_])(?:"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59})"
    r"(?![A-Za-z0-9-])(?::\d{1,5})?"
    r"|(?:(?:\d{1,3}\.){3}\d{1,3}|localhost|0x[0-9a-f]{1,8}|\[[0-9a-f:.]*:[0-9a-f:.]*\])"
    r"(?::\d{1,5}(?!\d)|(?=/))"
    # an IPv4 address written as one number (2130706433 is 127.0.0.1 to a browser), with a
    # port: a number followed by a path alone is an ordinary 「1000000/天」
    r"|\d{7,10}:\d{1,5}(?!\d)"
    rf")(?:/{_URL_TAIL}*)?",
    re.IGNORECASE,
)
# How an address is written so that a filter does not see it and a reader still types it:
# 「t。cn」「t．cn」「t｡cn」「t点cn」「t dot cn」「t(.)cn」「t [dot] cn」「t . cn」, and the middle
# dots and 「丶」「t·cn」「t・cn」「t•cn」「t丶cn」 and pinyin 「t dian cn」 (verification 2,
# N8) between two letters or digits read as 「t.cn」, and a full-width ／ or ： as / and :.
# (Full-width letters and digits are folded and zero-width characters dropped before,
# `cms.textnorm.normalize`.)
# 「3点30分」 reads 「3.30分」, which is no address; 「HbA1c.」 is left as it is.
_WRITTEN_DOT = re.compile(
    r"(?<=[A-Za-z0-9])[^\S\n]*"
    r"(?:[.。．｡·・•丶‧﹒⋅∙․]|点|(?<=\s)(?:dot|dian)(?=\s)"
    r"|[\[(（【][^\S\n]*(?:[.。．｡·・•丶‧﹒⋅∙․]|点|dot|dian)[^\S\n]*[\])）】])"
    r"[^\S\n]*(?=[A-Za-z0-9])",
    re.IGNORECASE,
)


def _as_typed(text: str) -> str:
    """`text` as a reader would type its addresses into a browser (see `_WRITTEN_DOT`)."""
    text = normalize(text or "").replace("／", "/").replace("：", ":")
    return _WRITTEN_DOT.sub(".", text)


# An address split over two lines or blocks (fourth verification: 「复制 work.weixin」 then
# 「.qq.com/ca/…」 in the next paragraph, 「t.」 then 「cn/A6xYz」 in the next list item, a
# <br>, a heading then a paragraph, two StreamField blocks): the run of address characters
# (letters, digits, dots written any way, "-", and the rest of an address) that ends a line,
# and the one that starts the next line with text.
_DOTS = "。．｡﹒"
_LINE_TAIL = re.compile(rf"(?:{_URL_TAIL}|[{_DOTS}])+$")
_LINE_HEAD = re.compile(rf"^(?:{_URL_TAIL}|[{_DOTS}])+")
_ADDRESS_PIECE = re.compile(r"[A-Za-z0-9]")


def text_urls(text: str) -> list[str]:
    """The web addresses written in `text` as a reader would copy them (`_as_typed`: 「t点cn」,
    full-width 「ｔ．ｃｎ」 and zero-width characters read as 「t.cn」), each with a scheme
    (https:// added when it has none), in order, without repeats. An address split over two
    lines (blocks, as `cms.html_text.blocks_text` writes a page) is read joined too
    (`_split_addresses`), each part still read alone."""
    found: list[str] = []
    for url in [*_addresses(text), *_split_addresses(text)]:
        if url not in found:
            found.append(url)
    return found


def _addresses(text: str) -> list[str]:
    found = []
    for match in _TEXT_URL.finditer(_as_typed(text)):
        url = match.group(0).rstrip(".,;:!?")
        if "://" not in url:
            url = "https://" + url
        found.append(url)
    return found


def _split_addresses(text: str) -> list[str]:
    """The addresses read only when a line that ends in address characters is joined with
    the next line with text that starts with them: 「复制 t.」 + 「cn/A6xYz 到浏览器」 is
    t.cn/A6xYz. Both ends must hold a letter or a digit, and what is read must reach across
    the join: sentences that merely end and start with words give nothing new (what
    `cms.links.link_kind` then makes of an ordinary name is nothing)."""
    lines = [line.strip() for line in normalize(text or "").split("\n")]
    lines = [line for line in lines if line]
    found = []
    for line, following in zip(lines, lines[1:], strict=False):
        tail, head = _LINE_TAIL.search(line), _LINE_HEAD.match(following)
        if not (tail and head):
            continue
        tail, head = tail.group(0), head.group(0)
        if not (_ADDRESS_PIECE.search(tail) and _ADDRESS_PIECE.search(head)):
            continue
        alone = set(_addresses(tail)) | set(_addresses(head))
        found.extend(url for url in _addresses(tail + head) if url not in alone)
    return found


CONTACT_RULE = "ad19-contact"
# At most this many findings for the text of one linked file (the first wordings found).
MAX_FILE_TEXT_FINDINGS = 5
TEXT_CACHE_SECONDS = 24 * 3600


def linked_text_findings(
    text: str, *, field: str, line: int, shown: str, depth: int = 0, where: str = "文档"
) -> Iterator[tuple[Finding, str]]:
    """Findings on the text a linked file shows (`cms.compliance.qr.Scan.text`): the 科普
    rules (`ad19-contact`, `ad19-cta`) and every blocking rule, without the second reader (as
    the served page's text is read), each reported on the link `shown` with the wording
    found: 「睡眠手册（/documents/3/x.pdf）（文档中的联系方式：微信hair2024）」; `where` names
    what shows the text (「图片」 for the words in a picture the page shows)."""
    reported: list[str] = []
    # parts of the file not read for words (frames past a bound, `ocr.UNREAD_MARK`): a
    # warning the editor and the reviewer see, not passed in silence (round 13)
    rows = (text or "").split("\n")
    for note in [row for row in rows if row.startswith(ocr.UNREAD_MARK)]:
        label = f"{shown}（{note[len(ocr.UNREAD_MARK) :]}）"
        yield _unread_warning(field=field, line=line, text=label), label
    text = "\n".join(row for row in rows if not row.startswith(ocr.UNREAD_MARK))
    for rule, severity, reference, message, wording in _file_text_findings(text):
        what = "联系方式" if rule == CONTACT_RULE else "文字"
        label = f"{shown}（{where}中的{what}：{wording[:80]}）"
        if label in reported:
            continue
        reported.append(label)
        origin = "展示的图片" if where == "图片" else "链接的文件"
        finding = Finding(
            rule=rule,
            severity=severity,
            reference=reference,
            message=f"科普页面{origin}中：{message}",
            field=field,
            line=line,
            start=0,
            end=len(label),
            text=label,
        )
        yield finding, label
        if len(reported) >= MAX_FILE_TEXT_FINDINGS:
            return
    # web addresses the file shows (its text, link annotations, hyperlinks: `Scan.text`)
    # are read as the page's own are (round 10, second verification N4), routed together
    # (a file may name hundreds of pages of ours: `cms.links.prime_links`)
    shown_urls = [*text_urls(text), *_own_paths_in(text)]
    prime_links(shown_urls)
    for url in shown_urls:
        kind, target = read_link(url)
        what = LINK_WHAT.get(kind, "")
        label = f"{shown}（{where}中的网址：{url[:80]}）"
        if what:
            reported.append(label)
            yield _finding(field=field, line=line, text=label, what=what), label
        elif depth < MAX_FILE_LINK_DEPTH:
            # a file of ours the file links (a PDF's link annotation to /documents/7/qr.pdf):
            # read as the page's own links are, one file deep (fourth verification F14)
            codes, problem, inner_text = linked_file_scan(url, target)
            if codes:
                label = f"{label}（{where}中二维码：{codes[0][:80]}）"
                reported.append(label)
                yield _finding(field=field, line=line, text=label, what="含二维码的文档"), label
            elif problem:
                reported.append(label)
                yield _unchecked(field=field, line=line, text=label, problem=problem), label
            elif inner_text:
                yield from linked_text_findings(
                    inner_text, field=field, line=line, shown=label, depth=depth + 1
                )
        if len(reported) >= MAX_FILE_TEXT_FINDINGS:
            return


# How deep files linked from files are read: a page's file, and the files of ours it links.
MAX_FILE_LINK_DEPTH = 1
# A path of ours written in a file without a host (a PDF link annotation's URI, an HTML
# href): a viewer opened from our site resolves it against our host.
_OWN_PATH_IN_TEXT = re.compile(r"""(?<![\w/.:])/(?:documents|media|static)/[^\s"'<>()（）]+""")


def _own_paths_in(text: str) -> list[str]:
    """Root-relative paths of our documents and media a file's text names, without repeats
    (`own_file_path` decides what is a file of ours)."""
    return list(dict.fromkeys(m.group(0) for m in _OWN_PATH_IN_TEXT.finditer(text or "")))


def _file_text_findings(text: str) -> list[tuple[str, str, str, str, str]]:
    """(rule, severity, reference, message, wording) of the findings `linked_text_findings`
    reports, cached by the text and the rules version (a 60-page PDF's text takes seconds to
    read; the page is checked on every save)."""
    ruleset = load_rules()
    digest = hashlib.sha256(f"{ruleset.version}\n{text}".encode()).hexdigest()[:32]
    key = "cms:document-text-findings:" + digest
    found = cache.get(key)
    if found is None:
        science_rules = {r.id for r in ruleset.rules if r.scope == "science"}
        report = check_report(text, scopes={"science"}, ruleset=ruleset, second_reader=False)
        found = [
            (f.rule, f.severity, f.reference, f.message, f.text)
            for f in report.findings
            if f.rule in science_rules or f.blocking
        ]
        cache.set(key, found, TEXT_CACHE_SECONDS)
    return found


def linked_file_scan(href: str, target: str = "") -> Scan:
    """`document_scan` of every URL a browser may fetch for `href` and for where its
    redirects end (`cms.links.fetched_urls`: `/\\host/documents/2/x.pdf`, `https:/host/…`
    are our file to a browser, verification 2 N1): the first scan with a code or a problem,
    else an empty one with the first text read."""
    text = ""
    for url in fetched_urls(href, target):
        scan = document_scan(url)
        if scan.codes or scan.problem:
            return scan
        text = text or scan.text
    return Scan([], "", text)


def _is_conversion_link(href: str) -> str:
    """What kind of conversion element a link is ("" if none): `cms.links.link_kind`, the
    reading the field check uses too (percent-encoding, dot segments, case, WeCom links,
    own paths through the URL resolver and the page they route to, shops, short links)."""
    return LINK_WHAT.get(link_kind(href), "")


# Elements that show another document inside the page, and the attribute naming it.
EMBED_ATTRS = {"iframe": "src", "frame": "src", "embed": "src", "object": "data"}
# Flash-era <object> children naming the movie; a browser that still plays one reads them.
OBJECT_PARAMS = frozenset({"movie", "src", "url", "data"})
# Elements that play a file of ours in the page (a video block, a video page): the file is
# read for the codes its frames show (`cms.compliance.qr`: a clinic video ending on 「扫码加微
# 信」, fourth verification F7); they are not held to the frame allow-list (a path of this
# site that is no file of ours plays nothing).
MEDIA_TAGS = frozenset({"video", "audio"})


def page_embeds(source: str) -> list[Link]:
    """Every document the page shows inside itself: iframe/frame/embed src, object data and
    its movie/src params, an iframe's inline `srcdoc` (reported as "srcdoc:"), and the files
    a video or audio element plays (its src and its <source> children's, `MEDIA_TAGS`)."""
    embeds = []
    for tag in BeautifulSoup(source or "", PARSER).find_all(list(EMBED_ATTRS)):
        label = str(tag.get("title") or tag.name)
        targets = [str(tag.get(EMBED_ATTRS[tag.name]) or "")]
        if tag.name == "iframe" and tag.get("srcdoc") is not None:
            targets.append("srcdoc:" + str(tag.get("srcdoc"))[:80])
        if tag.name == "object":
            for param in tag.find_all("param"):
                if str(param.get("name", "")).lower() in OBJECT_PARAMS:
                    targets.append(str(param.get("value") or ""))
        embeds.extend(Link(target, label, {"tag": tag.name}) for target in targets if target)
    for tag in BeautifulSoup(source or "", PARSER).find_all(list(MEDIA_TAGS)):
        label = str(tag.get("title") or tag.name)
        targets = [str(tag.get("src") or "")]
        targets += [str(inner.get("src") or "") for inner in tag.find_all("source")]
        embeds.extend(Link(target, label, {"tag": tag.name}) for target in targets if target)
    return embeds


def _framed_elsewhere(href: str) -> str:
    parts = urlsplit(href or "")
    host = (parts.hostname or "").lower()
    # files a page may embed (`own_file_path`: exactly as served); any other path of this
    # site is a page (`/media/../hair-loss/x/`, `/MEDIA/…` included)
    if not host and parts.path.startswith("/") and not own_file_path(parts.path):
        return "嵌入的本站页面"
    if any(host == d or host.endswith("." + d) for d in SHORT_LINK_DOMAINS):
        return "去向不明的短链接"
    return ""


def _embed_refused(href: str) -> str:
    """Why a page may not show `href` inside itself ("" when it may): only our own files and
    the allowed video players (`cms.links.video_player`); any other page or host framed in a
    科普 page could show a QR code, a shop or a form we never check."""
    if video_player(href):
        return ""
    return "嵌入的非许可内容（仅可嵌入本站文件和指定视频平台播放器）"


def conversion_findings(html: PageHtml, embeds: list[Link] = ()) -> Iterator[tuple[Finding, str]]:
    """Structural findings on a parsed page: (finding, the text to show it in). `embeds`
    (`page_embeds` of the same source) are held to the video allow-list."""
    written = text_urls(html.text())
    # every path the page's links, written addresses, frames and pictures name, routed
    # together within the check's scope (`cms.links.prime_links`): not several queries each
    prime_links(
        [
            *(link.href for link in html.links),
            *written,
            *(frame.href for frame in html.frames),
            *(image.src for image in html.images),
        ]
    )
    for i, link in enumerate(html.links):
        # the file a redirect of this site ends at is read too (/va3 → /documents/2/qr.pdf:
        # verification round V3)
        kind, target = read_link(link.href)
        what = LINK_WHAT.get(kind, "")
        codes, problem, file_text = Scan([]) if what else linked_file_scan(link.href, target)
        if codes:
            what = "含二维码的文档"
        if what or problem:
            text = f"{link.text}（{link.href}）" if link.text else link.href
            if codes:
                text = f"{text}（文档中二维码：{codes[0][:80]}）"
            field = f"{RENDERED}.links"
            finding = (
                _finding(field=field, line=i + 1, text=text, what=what)
                if what
                else _unchecked(field=field, line=i + 1, text=text, problem=problem)
            )
            yield finding, text
        elif file_text:
            shown = f"{link.text}（{link.href}）" if link.text else link.href
            yield from linked_text_findings(
                file_text, field=f"{RENDERED}.links", line=i + 1, shown=shown
            )
    linked = {link.href for link in html.links}
    for i, url in enumerate(written):
        if url in linked:
            continue
        # judged as a link, and the file it ends at read as a linked file's (a reader
        # copies it: 「127.0.0.1:8631/documents/2/x.pdf」, verification 2 N5)
        kind, target = read_link(url)
        what = LINK_WHAT.get(kind, "")
        codes, problem, file_text = Scan([]) if what else linked_file_scan(url, target)
        if codes:
            what = "含二维码的文档"
        text = f"正文网址（{url}）"
        if codes:
            text = f"{text}（文档中二维码：{codes[0][:80]}）"
        field = f"{RENDERED}.text_urls"
        if what:
            yield _finding(field=field, line=i + 1, text=text, what=what), text
        elif problem:
            yield _unchecked(field=field, line=i + 1, text=text, problem=problem), text
        elif file_text:
            yield from linked_text_findings(file_text, field=field, line=i + 1, shown=text)
    reported = set()
    for i, frame in enumerate(html.frames):
        # a landing page or consultation shown inside the page, or a jump to it (an image
        # map's area, a meta refresh); a page of this site framed inside a 科普 page (a 转化
        # article's consult link and package card come with it) or a short link whose
        # target cannot be read count too
        what = _is_conversion_link(frame.href) or _framed_elsewhere(frame.href)
        if what:
            reported.add(frame.href)
            text = f"{frame.text}（{frame.href}）"
            yield _finding(field=f"{RENDERED}.frames", line=i + 1, text=text, what=what), text
    for i, embed in enumerate(embeds):
        if embed.href in reported:
            continue
        what = "" if embed.attrs.get("tag") in MEDIA_TAGS else _embed_refused(embed.href)
        codes, problem, file_text = Scan([]) if what else document_scan(embed.href)
        if codes:
            what = "二维码"
        if what or problem:
            text = f"{embed.text}（{embed.href}）"
            if codes:
                text = f"{text}（图中二维码：{codes[0][:80]}）"
            field = f"{RENDERED}.embeds"
            finding = (
                _finding(field=field, line=i + 1, text=text, what=what)
                if what
                else _unchecked(field=field, line=i + 1, text=text, problem=problem)
            )
            yield finding, text
        elif file_text:
            shown = f"{embed.text}（{embed.href}）"
            field = f"{RENDERED}.embeds"
            yield from linked_text_findings(file_text, field=field, line=i + 1, shown=shown)
    for i, form in enumerate(html.forms):
        if urlsplit(form.action).path == SEARCH_PATH and form.method == "get":
            continue
        text = f"表单（{form.action or '本页'}：{'、'.join(form.fields)}）"
        yield _finding(field=f"{RENDERED}.forms", line=i + 1, text=text, what="留资表单"), text
    pictures: set[str] = set()
    for i, image in enumerate(html.images):
        named = QR_IMAGE.search(image.src) or QR_IMAGE.search(image.alt)
        # what the picture is, whatever it is called (cms.compliance.qr); a path of this site
        # that is no file of ours is followed through its redirects to the file they end at
        # (/va4 → /media/original_images/qr.png: verification round V3); the words it shows
        # are read by the 科普 rules (cms.compliance.ocr: a banner's phone number, round 11)
        pictures.add(image.src)
        if len(pictures) > ocr.MAX_PAGE_PICTURES:
            codes, problem, shown_text = [], ocr.TOO_MANY_PAGE_PICTURES, ""
        else:
            codes, problem, shown_text = Scan([]) if named else _picture_scan(image.src)
        if named or codes or problem:
            text = image.alt or image.src
            if codes:
                text = f"{text}（图中二维码：{codes[0][:80]}）"
            field = f"{RENDERED}.images"
            finding = (
                _unchecked(field=field, line=i + 1, text=text, problem=problem)
                if problem
                else _finding(field=field, line=i + 1, text=text, what="二维码")
            )
            yield finding, text
        elif shown_text:
            shown = f"{image.alt}（{image.src}）" if image.alt else image.src
            yield from linked_text_findings(
                shown_text, field=f"{RENDERED}.images", line=i + 1, shown=shown, where="图片"
            )


def _picture_scan(src: str):
    """`image_scan` of a picture the page shows, or `document_scan` of the file a redirect of
    this site leads `src` to (a browser follows a redirect for a picture too)."""
    if own_file_path(urlsplit(src or "").path):
        return image_scan(src)
    # a picture of ours written the way browsers forgive (`/\host/media/…`, `https:/host/…`)
    # or reached through redirects: every URL a browser may fetch (verification 2, N1)
    return linked_file_scan(src, read_link(src).target)


def rendered_report(page, *, known: ComplianceReport) -> ComplianceReport:
    """Findings on the served page that the field checks in `known` did not already make.
    The served text is read without the clinic's names as ours (`cms.compliance.ours`): the
    fields were, and the template shows the names beside its own text (a doctor card's
    institution over the footer's 「本站内容…不能替代医生面诊」 is no call to come to us)."""
    report = ComplianceReport(rules_version=known.rules_version)
    try:
        source = rendered_html(page)
    except Exception as exc:  # noqa: BLE001  a template error must not crash the editor
        # fail closed: a page whose output cannot be checked is not published unchecked
        logger.exception("compliance: page %s could not be rendered", page.pk)
        text = f"{type(exc).__name__}: {exc}"[:200]
        message = "无法渲染页面，未能检查页面展示的转化元素；请修正后再发布"
        finding = disguised_ad_finding(field=RENDERED, line=1, text=text, message=message)
        report.findings.append(finding)
        report.lines[(finding.field, finding.line)] = text
        return report
    if source is None:
        return report
    html = parse_html(source)
    seen = {f.scope_key() for f in known.findings}
    # structural findings the field checks made (a package block, a landing link in rich
    # text): the same element rendered is not reported twice
    structural = [f.text for f in known.findings if f.rule == DISGUISED_AD_RULE]
    science_rules = {r.id for r in load_rules().rules if r.scope == "science"}
    # The served text is read whole, so a claim split across two blocks or fields (a
    # heading block 「保证」 over a paragraph block 「治愈脱发」) or made of template text is
    # found here: every blocking rule's finding the fields did not make. The second reader
    # judged each field's sentences already; on the template's text it is not asked.
    text_report = check_report(html.text(), field=RENDERED, scopes={"science"}, second_reader=False)
    identifiers = identifier_values(page)
    for finding in text_report.findings:
        if any(finding.text in value for value in identifiers):
            continue  # the page's own licence or certificate number, shown as such
        reported = finding.rule in science_rules or finding.blocking
        if reported and finding.scope_key() not in seen:
            seen.add(finding.scope_key())
            report.findings.append(finding)
            report.lines[(finding.field, finding.line)] = text_report.lines[
                (finding.field, finding.line)
            ]
    for finding, line in conversion_findings(html, page_embeds(source)):
        anchor = finding.text.split("（", 1)[0]
        if finding.scope_key() in seen or (anchor and any(anchor in t for t in structural)):
            continue
        seen.add(finding.scope_key())
        report.findings.append(finding)
        report.lines[(finding.field, finding.line)] = line
    return report
