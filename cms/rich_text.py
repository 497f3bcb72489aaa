"""The admin's rich-text editor widget: Wagtail's Draftail, with the posted contentstate's
entity references and structure checked before Wagtail converts it.

Why: Wagtail trusts the editor's JSON. A link entity whose page id is not a number
(`{"type": "LINK", "data": {"id": "x"}}`) was stored as `<a linktype="page" id="x">`, after
which the page's editor answered 500 for everyone (`ValueError` looking the page up) and a
publish with it 500'd; a range naming an entity missing from `entityMap` raised the
exporter's own exception (eighth verification of issue 17, F1); a style repeated 400 times,
overlapping entities or a list depth of thousands crashed the exporter (round 13
verification, F2). A browser's editor never posts any of these. A contentstate that fails
here raises ValueError inside `value_from_datadict`, which
`config.middleware.AdminFormErrorMiddleware` answers with 400 `form_unreadable`, nothing
saved."""

from __future__ import annotations

import json
import re

from wagtail.admin.rich_text import DraftailRichTextArea

# Entity types Draftail posts for the features this project enables (cms.blocks
# RICH_FEATURES: links, documents and images by id, embeds by URL).
ENTITY_TYPES = frozenset({"LINK", "DOCUMENT", "IMAGE", "EMBED"})
# Entities that name a database row by id: the id must be a row id.
_ID_ENTITIES = frozenset({"DOCUMENT", "IMAGE"})
_ROW_ID = re.compile(r"[0-9]{1,18}")
# How deep a list item may sit: Draft.js editors nest lists a few levels (Draftail's
# maxListNesting); the exporter nests one element per level, recursively, so a depth of
# thousands exhausted Python's stack (round 13 verification, F2).
MAX_DEPTH = 8
# Distinct inline styles on one block: Draftail posts at most the few it offers (BOLD,
# ITALIC, SUPERSCRIPT …); the exporter nests one element per style covering a character.
MAX_STYLES = 16


def _is_row_id(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and bool(_ROW_ID.fullmatch(value))


def contentstate_problem(raw: str) -> str:
    """Why `raw` (the Draftail editor's posted JSON) cannot be stored, or "" when it can:
    not JSON, not a contentstate's shape, a range naming a missing entity, an entity of an
    unknown type, or a link, document or image whose id is not a row id."""
    try:
        state = json.loads(raw)
    except ValueError:
        return "not JSON"
    if state is None or state == "":
        return ""
    if not isinstance(state, dict):
        return "not a contentstate"
    blocks, entities = state.get("blocks"), state.get("entityMap", {})
    if not isinstance(blocks, list) or not isinstance(entities, dict):
        return "not a contentstate"
    for key, entity in entities.items():
        if not isinstance(entity, dict) or not isinstance(entity.get("data", {}), dict):
            return f"entity {key!r} is not an entity"
        kind, data = entity.get("type"), entity.get("data", {})
        if kind not in ENTITY_TYPES:
            return f"entity {key!r} of unknown type"
        if (kind in _ID_ENTITIES or (kind == "LINK" and "id" in data)) and not _is_row_id(
            data.get("id")
        ):
            return f"entity {key!r} names no row"
    for block in blocks:
        if not isinstance(block, dict):
            return "a block is not a block"
        if problem := _block_problem(block, entities):
            return problem
    return ""


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _overlap(spans: list[tuple[int, int]]) -> bool:
    """Some of the (offset, length) ranges share a character."""
    end = -1
    for offset, length in sorted(spans):
        if length and offset < end:
            return True
        end = max(end, offset + length)
    return False


def _block_problem(block: dict, entities: dict) -> str:
    """What Draft.js itself never posts in one block and the exporter cannot convert: a depth
    beyond MAX_DEPTH, ranges that are not (offset, length) counts, two ranges of one style
    or two entities over the same character (Draft.js keeps one style set and one entity per
    character: the exporter failed on overlapping entities and recursed once per repeated
    style, round 13 verification F2), more than MAX_STYLES styles."""
    depth = block.get("depth", 0)
    if not _is_count(depth) or depth > MAX_DEPTH:
        return "a block nested too deep"
    styles: dict[str, list[tuple[int, int]]] = {}
    for span in block.get("inlineStyleRanges") or []:
        if not isinstance(span, dict) or not isinstance(span.get("style"), str):
            return "a style range is not a range"
        offset, length = span.get("offset"), span.get("length")
        if not (_is_count(offset) and _is_count(length)):
            return "a style range is not a range"
        styles.setdefault(span["style"], []).append((offset, length))
    if len(styles) > MAX_STYLES:
        return "too many styles"
    if any(_overlap(spans) for spans in styles.values()):
        return "a style repeated over the same characters"
    linked: list[tuple[int, int]] = []
    for span in block.get("entityRanges") or []:
        if not isinstance(span, dict) or str(span.get("key")) not in entities:
            return "a range names a missing entity"
        offset, length = span.get("offset"), span.get("length")
        if not (_is_count(offset) and _is_count(length)):
            return "an entity range is not a range"
        linked.append((offset, length))
    if _overlap(linked):
        return "two entities over the same characters"
    return ""


class CheckedDraftailRichTextArea(DraftailRichTextArea):
    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if isinstance(raw, str) and raw:
            problem = contentstate_problem(raw)
            if problem:
                raise ValueError(f"rich text {name}: {problem}")
        return super().value_from_datadict(data, files, name)
