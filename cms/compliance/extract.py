"""Every public text of a page, as (field path, plain text) pairs.

Generic on purpose: it walks the model's text fields, StreamField values (of any block
structure), images and documents used by the page, chosen snippets and pages, tags and
cluster children (e.g. a landing page's keyword variants), so a new page type or block is
checked without touching this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.db import models
from wagtail import blocks
from wagtail.documents.models import AbstractDocument
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage
from wagtail.models import Page
from wagtail.rich_text import RichText

from cms.html_text import html_text

# Page's own fields that editors write and the public sees; the rest is tree bookkeeping.
PAGE_TEXT_FIELDS = ("title", "seo_title", "search_description")
# Identifiers, codes and addresses: not prose, and full of digits that look like phone numbers.
# (A patient's alias is prose a reader sees: 「王女士（电话13812345678）」 was skipped as an
# identifier until the sixth verification.)
SKIP_FIELD = re.compile(
    r"(^|_)(slug|url|url_path|licence|license|reference|certificate|number|keywords|"
    r"color|colour|code|token|hash|key|ip|email|phone|path)$"
)
SKIP_BLOCKS = (
    blocks.URLBlock,
    blocks.ChoiceBlock,
    blocks.BooleanBlock,
    blocks.DateBlock,
    blocks.IntegerBlock,
)


def rich_text_to_plain(source: str) -> str:
    """Paragraphs, list items and headings on their own lines (parsed, cms.html_text), so a
    rule never reads across two blocks and line numbers point somewhere useful."""
    return html_text(source)


def _skip(field: models.Field) -> bool:
    return (
        bool(getattr(field, "choices", None))
        or SKIP_FIELD.search(field.name) is not None
        or isinstance(field, models.URLField | models.SlugField | models.EmailField)
    )


# Identifiers a page shows to patients as such (a doctor's 执业证书编码, a clinic's licence).
SHOWN_IDENTIFIER = re.compile(r"(^|_)(licence|license|reference|number|code|phone)$")
# What an identifier is written with: letters, digits and the marks codes use. A value with
# anything else (Chinese, 加V, ：) is prose typed into an identifier field: read as text
# (review of issue 17, round 2: 「加微信yl2026预约」 as a 执业证书编码 went live unread).
IDENTIFIER_SHAPE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/.()\s]*")
# A value a patient can dial is a phone number whatever its field is called (fourth
# verification F11: 「同意书编号 400-888-6666」 shown on a patient story): a mobile, a 400/800
# service number, or a landline with its area code, once the marks between digits are gone.
# A 15-digit 执业证书编码 or a code with letters is none of these.
PHONE_SHAPE = re.compile(r"(?:\+?86)?(?:1[3-9]\d{9}|[48]00\d{7}|0[1-9]\d{8,10})")
_PHONE_MARKS = re.compile(r"[\s\-_/.()]")


def reads_as_prose(field: models.Field, value) -> bool:
    """A shown identifier field (`SHOWN_IDENTIFIER`, not the certificate's own fields) whose
    value is not identifier-shaped: the text check reads it, the rendered check does not
    excuse it."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and not field.name.startswith("ad_review_")
        and SHOWN_IDENTIFIER.search(field.name) is not None
        and (
            IDENTIFIER_SHAPE.fullmatch(value.strip()) is None
            or PHONE_SHAPE.fullmatch(_PHONE_MARKS.sub("", value)) is not None
        )
    )


def identifier_values(page) -> set[str]:
    """The page's identifier values (licence numbers, certificates, slugs …: the fields the
    text check skips), so the rendered check does not read a 执业证书编码 shown on the
    page as a phone number either. A value that `reads_as_prose` is not one."""
    values = set()
    for field in page._meta.concrete_fields:
        value = getattr(page, field.attname, None)
        if _skip(field) and isinstance(value, str) and value.strip():
            if not reads_as_prose(field, value):
                values.add(value.strip())
    return values


def image_texts(image: AbstractImage, path: str) -> Iterator[tuple[str, str]]:
    yield f"{path}.title", image.title
    if getattr(image, "description", ""):
        yield f"{path}.description", image.description
    if getattr(image, "contextual_alt_text", ""):
        yield f"{path}.alt_text", image.contextual_alt_text


def _related_texts(obj, path: str) -> Iterator[tuple[str, str]]:
    """A chosen object (image, document, page, snippet): what the page shows of it."""
    if isinstance(obj, AbstractImage):
        yield from image_texts(obj, path)
    elif isinstance(obj, AbstractDocument):
        yield f"{path}.title", obj.title
    elif isinstance(obj, Page):
        yield f"{path}.title", obj.title
    elif isinstance(obj, models.Model):
        yield from model_texts(obj, f"{path}.", follow_relations=False)


def block_texts(block, value, path: str) -> Iterator[tuple[str, str, object]]:
    """(path, text, block) for every text in a StreamField value, at any depth."""
    if value is None or isinstance(block, SKIP_BLOCKS):
        return
    if isinstance(value, models.Model):
        for sub_path, text in _related_texts(value, path):
            yield sub_path, text, block
    elif isinstance(value, blocks.StreamValue):
        for i, child in enumerate(value):
            yield from block_texts(child.block, child.value, f"{path}[{i}].{child.block_type}")
    elif isinstance(block, blocks.StructBlock):
        for name, child_block in block.child_blocks.items():
            yield from block_texts(child_block, value.get(name), f"{path}.{name}")
    elif isinstance(block, blocks.ListBlock):
        for i, item in enumerate(value):
            yield from block_texts(block.child_block, item, f"{path}[{i}]")
    elif isinstance(value, RichText):
        yield path, rich_text_to_plain(value.source), block
    elif isinstance(value, str):
        yield path, value, block


def model_texts(obj, prefix: str = "", *, follow_relations: bool = True):
    """(path, text) for an object's text fields; with `follow_relations`, also images and
    documents it points to, its StreamFields, tags and cluster children."""
    for field in obj._meta.concrete_fields:
        if isinstance(obj, Page) and field.model is Page and field.name not in PAGE_TEXT_FIELDS:
            continue
        path = f"{prefix}{field.name}"
        if isinstance(field, models.ForeignKey):
            if not follow_relations or SKIP_FIELD.search(field.name):
                continue
            target = field.related_model
            if issubclass(target, AbstractImage | AbstractDocument):
                related = getattr(obj, field.name)
                if related is not None:
                    yield from _related_texts(related, path)
            continue
        if _skip(field):
            value = getattr(obj, field.attname, None)
            if reads_as_prose(field, value):
                yield path, value
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, StreamField):
            if follow_relations:
                for sub_path, text, _block in block_texts(field.stream_block, value, path):
                    yield sub_path, text
        elif isinstance(field, RichTextField):
            yield path, rich_text_to_plain(value)
        elif isinstance(field, models.CharField | models.TextField) and value:
            if field.name in getattr(obj, "ITEM_PER_LINE_FIELDS", ()):
                # a list written one item a line (a package's 包含内容, shown as <li>): each
                # line is an item, set off by a blank line as list items are
                # (`cms.html_text.blocks_text`), so no rule reads from one into the next
                # (seventeenth verification B-H3: 「头发不长」「不收费的检查项目」)
                value = "\n\n".join(line for line in value.splitlines() if line.strip())
            yield path, value
    if follow_relations:
        yield from _cluster_texts(obj, prefix)


def _cluster_texts(obj, prefix: str) -> Iterator[tuple[str, str]]:
    from modelcluster.models import get_all_child_relations
    from taggit.models import TaggedItemBase

    tags = getattr(obj, "tags", None)
    if tags is not None and hasattr(tags, "all"):
        names = [tag.name for tag in tags.all()]
        if names:
            # a blank line between tags: each is a label of its own, never read on into
            # the next (the checker joins lines that end no sentence; round 8, M4)
            yield f"{prefix}tags", "\n\n".join(names)
    for relation in get_all_child_relations(obj):
        model = relation.related_model
        if issubclass(model, TaggedItemBase) or model.__module__.startswith("wagtail."):
            continue  # tags are read above; comments and the like are not public text
        name = relation.get_accessor_name()
        for i, child in enumerate(getattr(obj, name).all()):
            yield from model_texts(child, f"{prefix}{name}[{i}].", follow_relations=False)


def page_texts(page) -> Iterator[tuple[str, str]]:
    """(path, text) for every public text of the page: its own fields and blocks
    (`model_texts`), and what it shows from rows outside its tree that are its text all the
    same (`compliance_extra_texts()`, e.g. a landing page's running A/B test's B headline:
    round 13 verification F1), so the check reads them and a certificate's digest covers
    them."""
    yield from model_texts(page)
    extra = getattr(page, "compliance_extra_texts", None)
    if callable(extra):
        yield from extra()
