"""Channel drafts: read an article into plain parts, generate the three drafts, check each
with the compliance checker and store them (one row per article and channel)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from typing import Any

from django.db import transaction

from cms import drafts
from cms.compliance import check_text
from cms.compliance.ours import own_names
from cms.compliance.page import page_scopes
from cms.errors import DRAFTS_OF_AN_AD
from cms.html_text import Block, html_blocks, html_sections
from cms.models import ArticlePage, ChannelDraft, SpecialtyPage

CLAUSE_END = ("；", ";", "。", "！", "？", "!", "?", "，", ",", "：", ":")
# A block that ends so ends a sentence (an English one may end with a full stop).
SENTENCE_END = ("。", "！", "？", "!", "?", ".", "…")
# The cells of a table: one row's cells read as clauses of one sentence.
CELL_TAGS = ("td", "th")


def _ends_a_sentence(block: Block, after: Block | None) -> bool:
    """Whether `block` closes a sentence in the draft: always, except a list item followed by
    another item of a list and a table cell followed by another cell (they read as clauses)."""
    if after is None:
        return True
    if block.list_tag:
        return not after.list_tag
    if block.tag in CELL_TAGS:
        return after.tag not in CELL_TAGS
    return True


def _joined(blocks: list[Block]) -> str:
    """Blocks as draft prose. Every block keeps its own sentence: a paragraph, a `<br>` line, a
    quote that ends without punctuation gets 「。」 (two short lines were one sentence joined
    by a space: 「少吃精制碳水 多吃蔬菜」, eighteenth verification B-F9); list items and a
    row's cells read as clauses («…；» / «…，») and the last of them ends the sentence, so
    what follows a list starts a new one instead of running on from its last item."""
    parts: list[str] = []
    for i, block in enumerate(blocks):
        text = block.text.strip()
        if not text:
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if _ends_a_sentence(block, after):
            if text.endswith(("；", ";", "，", ",", "、", "：", ":")):
                text = text[:-1]
            if not text.endswith(SENTENCE_END):
                # an English sentence ends with its own full stop, anything else with 「。」
                latin = text.isascii() and any(c.isalpha() for c in text)
                text += "." if latin else "。"
        elif not text.endswith(CLAUSE_END):
            text += "；" if block.list_tag else "，"
        if parts and parts[-1][-1:].isascii() and text[:1].isascii():
            text = " " + text  # English sentences keep their space
        parts.append(text)
    return drafts.squash("".join(parts))


def _plain(html: str) -> str:
    return _joined(html_blocks(html))


def _sections(html: str) -> list[tuple[str, str]]:
    """Split a rich-text block at its headings: [(heading, plain text), …]; the parsed
    blocks keep list items apart, so a list reads as clauses, not one glued word."""
    return [(heading, _joined(blocks)) for heading, blocks in html_sections(html)]


def article_source(*, article: ArticlePage) -> drafts.ArticleSource:
    sections: list[tuple[str, str]] = []
    faqs: list[tuple[str, str]] = []
    for block in article.body:
        if block.block_type == "paragraph":
            sections.extend(_sections(block.value.source))
        elif block.block_type == "callout":
            sections.append(("", drafts.squash(block.value["text"])))
        elif block.block_type == "faq":
            faqs.extend(
                (item["question"], _plain(item["answer"].source)) for item in block.value["items"]
            )
    hub = (
        SpecialtyPage.objects.select_related("specialty")
        .filter(path=article.path[: -article.steplen])
        .first()
    )
    return drafts.ArticleSource(
        title=article.title,
        specialty=hub.specialty.name if hub else "",
        layer_label=article.get_layer_display(),
        seo_title=article.seo_title,
        summary=article.summary,
        description=article.search_description,
        sections=sections,
        faqs=faqs,
        tags=[tag.name for tag in article.tags.all()],
    )


def draft_findings(
    *, title: str, body: str, hashtags: str, scopes: Collection[str] = ()
) -> list[dict[str, Any]]:
    """Compliance findings of a draft's visible text, each with the field it was found in.
    `scopes` are the source article's (科普 articles add the 第十九条 rules); the clinic's
    names are read as ours (`cms.compliance.ours.own_names`)."""
    findings: list[dict[str, Any]] = []
    ours = own_names()
    for field, text in (("title", title), ("body", body), ("hashtags", hashtags)):
        findings.extend(asdict(f) for f in check_text(text, field=field, scopes=scopes, ours=ours))
    return findings


class DraftsOfAnAd(ValueError):
    """Channel drafts were asked of a medical ad (`errors.DRAFTS_OF_AN_AD`)."""

    code = DRAFTS_OF_AN_AD
    message = (
        "转化文章属于医疗广告，不生成渠道稿：小红书笔记、抖音口播等渠道内容以健康科普的面貌发布，"
        "由广告改写而成即是变相发布医疗广告（《广告法》第十四条、第十九条；《互联网广告管理办法》"
        "第九条）。渠道推广请使用平台的广告投放，附医疗广告审查证明；或从科普文章生成渠道稿。"
    )


def channel_drafts_refresh(*, article: ArticlePage) -> list[ChannelDraft]:
    """(Re)generate the article's three drafts; hand edits to earlier drafts are replaced.
    Raises DraftsOfAnAd for a 转化 article (`is_medical_ad`): its drafts would be an ad
    posted as health science, with no 审查证明 and labelled 科普 (round 13 verification,
    F4); its earlier drafts (made while it was 科普) are deleted, not left to be copied."""
    if article.is_medical_ad():
        ChannelDraft.objects.filter(article=article).delete()
        raise DraftsOfAnAd(DraftsOfAnAd.message)
    source = article_source(article=article)
    scopes = page_scopes(article)
    stored = []
    with transaction.atomic():
        for text in drafts.drafts_generate(source):
            hashtags = " ".join(text.hashtags)
            draft, _ = ChannelDraft.objects.update_or_create(
                article=article,
                kind=text.kind,
                defaults={
                    "title": text.title,
                    "body": text.body,
                    "hashtags": hashtags,
                    "compliance": draft_findings(
                        title=text.title, body=text.body, hashtags=hashtags, scopes=scopes
                    ),
                },
            )
            stored.append(draft)
    return stored


def channel_draft_check(*, draft: ChannelDraft) -> ChannelDraft:
    """Re-check a hand-edited draft and store its findings."""
    draft.compliance = draft_findings(
        title=draft.title,
        body=draft.body,
        hashtags=draft.hashtags,
        scopes=page_scopes(draft.article),
    )
    draft.save(update_fields=["compliance", "updated_at"])
    return draft
