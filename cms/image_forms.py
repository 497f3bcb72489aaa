"""The image and document edit forms: a picture or a file (a video) shown on a published page
cannot be swapped in place.

Replacing an image's file changes every live page that shows it at once, with no publish, no
workflow and no compliance gate (review of issue 17: an editor without publish rights put a
WeCom QR code on a live 科普 page, and a certified ad's pictures changed after review). So a
new file for an image that a live page uses is refused: the editor uploads it as a new image
and puts it on the page, whose publication the gate checks (pictures decoded for QR codes,
`cms.compliance.qr`; an ad page needs its reviewer again). The focal point likewise: it picks
which part of the picture the page's crops show, so moving it onto a corner the gate never saw
(a QR code at the edge of a wide banner) is a new picture too (review of issue 17, round 2).
Title and description stay editable, checked as the pages' check reads them
(`_text_error`); tags too. Which pages use the image or document: Wagtail's reference index
(what "使用情况" shows: chosen images, rich-text document and image links), and every live page
whose content names the file by a URL (`live_pages_linking`: `/documents/8/x.pdf` written as a
plain link, with or without our host, the file's /media/ URL, a rendition's URL, a written
address or a redirect that ends there). A plain href is not in the reference index, and
replacing a document linked that way put a WeCom QR PDF on a live 科普 page unchecked (fourth
verification, F2)."""

from __future__ import annotations

import html
import json
import re

from django import forms
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm
from wagtail.models import Page, ReferenceIndex

FOCAL_FIELDS = ("focal_point_x", "focal_point_y", "focal_point_width", "focal_point_height")
FOCAL_IN_USE = (
    "该图片正用于已发布的页面（{pages}）：不能修改焦点区域（会改变页面显示的裁切）。"
    "请上传为新图片，在页面中替换后重新发布（发布前会再次检查）"
)
IN_USE = (
    "该{what}正用于已发布的页面（{pages}）：不能直接替换文件。"
    "请上传为新{what}，在页面中替换后重新发布（发布前会再次检查）"
)
# Live pages read for links to a file whose file is replaced (`live_pages_linking`): a site
# with more cannot be read within a form's request, and the replacement is refused.
MAX_LIVE_PAGES_READ = 2000
TOO_MANY_PAGES = "已发布页面过多（{count} 个），无法确认哪些页面链接了该文件"
# The pages a refusal names.
MAX_NAMED = 5


def live_pages_using(obj) -> list[Page]:
    """Live pages whose published content shows `obj` (an image or a document): the
    reference index, then the pages that name its file by a URL (`live_pages_linking`), at
    most MAX_NAMED. Raises TooManyPages when the live pages are too many to read."""
    page_type = ReferenceIndex._get_base_content_type(Page)
    ids = (
        ReferenceIndex.get_references_to(obj)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    pages = list(
        Page.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()], live=True)[:MAX_NAMED]
    )
    if len(pages) < MAX_NAMED:
        known = {p.pk for p in pages}
        pages += [p for p in live_pages_linking(obj) if p.pk not in known]
    return pages[:MAX_NAMED]


class TooManyPages(Exception):
    """More live pages than `live_pages_linking` reads (MAX_LIVE_PAGES_READ)."""


# Values of the attributes that make a browser fetch or open an address (a link, a picture,
# a frame, an object, a form, a video poster, a srcset's first address).
_ATTR_URL = re.compile(r"""(?:href|src|data|action|poster|srcset)\s*=\s*["']?([^"'\s>]+)""", re.I)
# A string that is itself an address (a URL block, a link field): no space in it.
_BARE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|[/\\])\S*$", re.I)


def _strings(value):
    """Every string in a page's serialised content, StreamField JSON opened up."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            pending.extend(current.values())
        elif isinstance(current, list | tuple):
            pending.extend(current)
        elif isinstance(current, str):
            stripped = current.strip()
            if stripped[:1] in ("[", "{"):
                try:
                    pending.append(json.loads(stripped))
                    continue
                except ValueError:
                    pass
            yield current


def _addresses(page) -> list[str]:
    """The addresses a page's content names (`Page.serializable_data`: its fields, its
    StreamField blocks and inline children, as a revision stores them): attribute values in
    its HTML, strings that are an address, and addresses written as text
    (`cms.compliance.rendered.text_urls`, as the rendered check reads them)."""
    from cms.compliance.rendered import text_urls

    found: list[str] = []
    for text in _strings(page.serializable_data()):
        if _BARE_URL.match(text.strip()):
            found.append(text.strip())
        found.extend(html.unescape(m.group(1)) for m in _ATTR_URL.finditer(text))
        if "." in text:
            found.extend(text_urls(html.unescape(re.sub(r"<[^>]*>", " ", text))))
    return list(dict.fromkeys(found))


def _file_names(obj) -> set[str]:
    """The storage names `obj` is served under: its file, and an image's renditions."""
    names = {obj.file.name} if obj.file else set()
    renditions = getattr(obj, "renditions", None)
    if renditions is not None:
        names |= {r.file.name for r in renditions.all() if r.file}
    return names


def live_pages_linking(obj) -> list[Page]:
    """Live pages whose content links `obj`'s file by a URL, in any form a browser fetches
    (`cms.links.fetched_urls`: with or without our host, `/\\host/…`, a jump page carrying
    it, where a redirect of ours ends) and our file checks read it
    (`cms.compliance.qr.own_file`): a document by its id whatever name the link gives (the
    name becomes right when the new file has it), any file by its /media/ URL. Every live
    page is read (at most MAX_LIVE_PAGES_READ, else TooManyPages); at most MAX_NAMED
    returned. Reads the live content: the page row, which a draft does not change."""
    from wagtail.documents import get_document_model

    from cms.compliance.qr import own_file
    from cms.links import fetched_urls, read_link

    is_document = isinstance(obj, get_document_model())
    names = _file_names(obj)
    live = Page.objects.live()
    count = live.count()
    if count > MAX_LIVE_PAGES_READ:
        raise TooManyPages(TOO_MANY_PAGES.format(count=count))
    document_id = obj.pk if is_document else None
    found: list[Page] = []
    for page in live.specific().iterator(chunk_size=100):
        for address in _addresses(page):
            targets = [own_file(u) for u in fetched_urls(address, read_link(address).target)]
            if any(
                t.name in names or (document_id is not None and t.document_id == document_id)
                for t in targets
            ):
                found.append(page)
                break
        if len(found) >= MAX_NAMED:
            break
    return found


def _pages_or_error(form, field) -> list[Page]:
    """`live_pages_using` of the form's image or document, read once a form."""
    if not hasattr(form, "_live_pages"):
        try:
            form._live_pages = live_pages_using(form.instance)
        except TooManyPages as exc:
            form.add_error(field, forms.ValidationError(str(exc)))
            form._live_pages = []
    return form._live_pages


def _file_swap_error(form, what: str) -> None:
    if form.instance.pk and "file" in form.changed_data:
        pages = _pages_or_error(form, "file")
        if pages:
            names = "、".join(f"「{p.title}」" for p in pages)
            form.add_error("file", forms.ValidationError(IN_USE.format(what=what, pages=names)))


def _focal_point_error(form) -> None:
    moved = [name for name in FOCAL_FIELDS if name in form.changed_data]
    if form.instance.pk and moved:
        pages = _pages_or_error(form, None)
        if pages:
            names = "、".join(f"「{p.title}」" for p in pages)
            form.add_error(None, forms.ValidationError(FOCAL_IN_USE.format(pages=names)))


TEXT_IN_USE = (
    "该{what}正用于已发布的页面（{pages}）：{label}含有「{wording}」（{message}）。"
    "页面合规检查会读取这段文字，保存后夜间复查会下线这些页面；请修改后再保存"
)
# The fields of an image or a document that the compliance check reads as the page's text
# (`cms.compliance.page`: "the images and documents it uses (title, description …)").
CHECKED_TEXT_FIELDS = ("title", "description")


def _text_error(form, what: str) -> None:
    """A changed title or description of a file live pages use, checked as those pages' check
    reads it, before it is saved: the nightly sweep re-checks live 科普 pages and took one down
    for a cover's new title no visitor sees (eighth verification of issue 17, F4), with no word
    to the editor who saved it. Read with the 科普 rules when a health-science page uses it (or
    when the pages named are too many to tell)."""
    from cms.compliance.checker import check_report

    changed = [
        name
        for name in CHECKED_TEXT_FIELDS
        if name in form.changed_data and name in form.fields and form.cleaned_data.get(name)
    ]
    if not form.instance.pk or not changed:
        return
    pages = _pages_or_error(form, changed[0])
    if not pages:
        return
    science = len(pages) >= MAX_NAMED or any(
        getattr(p.specific, "is_health_science", lambda: False)() for p in pages
    )
    scopes = ("science",) if science else ()
    names = "、".join(f"「{p.title}」" for p in pages)
    for name in changed:
        report = check_report(str(form.cleaned_data[name]), field=name, scopes=scopes)
        if report.blocking:
            finding = report.blocking[0]
            form.add_error(
                name,
                forms.ValidationError(
                    TEXT_IN_USE.format(
                        what=what,
                        pages=names,
                        label=form.fields[name].label or name,
                        wording=finding.text,
                        message=finding.message,
                    )
                ),
            )


class GatedImageForm(BaseImageForm):
    def clean(self):
        cleaned = super().clean()
        _file_swap_error(self, "图片")
        _focal_point_error(self)
        _text_error(self, "图片")
        return cleaned


class GatedDocumentForm(BaseDocumentForm):
    """A video file (VideoPage plays a Wagtail document) follows the pictures' rule."""

    def clean(self):
        cleaned = super().clean()
        _file_swap_error(self, "文件")
        _text_error(self, "文件")
        return cleaned
