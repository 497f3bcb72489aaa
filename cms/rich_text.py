"""The admin's rich-text editor widget: Wagtail's Draftail, with the posted contentstate's
entity references checked before Wagtail converts it.

Why: Wagtail trusts the editor's JSON. A link entity whose page id is not a number
(`{"type": "LINK", "data": {"id": "x"}}`) was stored as `<a linktype="page" id="x">`, after
which the page's editor answered 500 for everyone (`ValueError` looking the page up) and a
publish with it 500'd; a range naming an entity missing from `entityMap` raised the
exporter's own exception (eighth verification of issue 17, F1). A browser's editor never
posts either. A contentstate that fails here raises ValueError inside `value_from_datadict`,
which `config.middleware.AdminFormErrorMiddleware` answers with 400 `form_unreadable`,
nothing saved."""

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
        for span in block.get("entityRanges") or []:
            if not isinstance(span, dict) or str(span.get("key")) not in entities:
                return "a range names a missing entity"
    return ""


class CheckedDraftailRichTextArea(DraftailRichTextArea):
    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if isinstance(raw, str) and raw:
            problem = contentstate_problem(raw)
            if problem:
                raise ValueError(f"rich text {name}: {problem}")
        return super().value_from_datadict(data, files, name)
