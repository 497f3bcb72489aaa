"""One source, many channels: pure text generation from an article's plain parts.

No database here: `cms.services.drafts.article_source` reads the page into an ArticleSource,
these functions shape it for each channel within the channel's limits. Lengths are counted
in characters (a Chinese character, a letter and a punctuation mark each count one), which
is how Xiaohongshu and Baidu count them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

XHS_TITLE_MAX = 20
XHS_BODY_MAX = 1000  # the whole note as posted: text and the hashtag line
XHS_TAGS_MIN, XHS_TAGS_MAX = 3, 10
HASHTAG_MAX = 15
# A calm, clear Mandarin reading pace for short health videos; 60 s at 4 characters/s.
DOUYIN_CHARS_PER_SECOND = 4
DOUYIN_SECONDS_MAX = 60
DOUYIN_SPOKEN_MAX = DOUYIN_CHARS_PER_SECOND * DOUYIN_SECONDS_MAX
BAIDU_TITLE_MAX = 30
BAIDU_DESCRIPTION_MAX = 120
DISCLAIMER = "以上内容仅供健康科普参考，不能替代医生面诊。"

SENTENCE_END = "。！？!?"
CLAUSE_END = "。！？；!?;"
TITLE_BREAK = re.compile(r"(?<=[？?！!])|[：:｜|，,]")
LABEL = re.compile(r"【[^】]*】")


@dataclass(frozen=True)
class ArticleSource:
    """What an article says, as plain text (no HTML)."""

    title: str
    specialty: str
    layer_label: str = ""
    seo_title: str = ""
    summary: str = ""
    description: str = ""
    # (heading, text) per section of the body; heading may be empty
    sections: list[tuple[str, str]] = field(default_factory=list)
    faqs: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DraftText:
    kind: str
    title: str
    body: str
    hashtags: list[str] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------
def squash(text: str) -> str:
    return " ".join((text or "").split())


def sentences(text: str) -> list[str]:
    parts = re.split(f"(?<=[{SENTENCE_END}])", squash(text))
    # a fragment of punctuation alone (the "；" after a list's last "。") is no sentence
    return [p.strip(" ；;") for p in parts if re.search(r"\w", p)]


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a sentence end when one falls in the second
    half, else cut with an ellipsis."""
    text = squash(text)
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark) for mark in CLAUSE_END)
    if cut >= limit // 2:
        return head[: cut + 1]
    return text[: limit - 1].rstrip("，,、：: ") + "…"


def short_title(title: str, limit: int) -> str:
    """The first meaningful clause of a title when the whole does not fit ("每天掉多少头发
    算正常？先分清…" → "每天掉多少头发算正常？")."""
    title = squash(title)
    if len(title) <= limit:
        return title
    parts = [p.strip(" ：:｜|，,") for p in TITLE_BREAK.split(title)]
    fitting = [p for p in parts if 6 <= len(p) <= limit]
    questions = [p for p in fitting if p.endswith(("？", "?"))]
    if questions:  # a question is the better hook
        return questions[0]
    if fitting:
        return max(fitting, key=len)
    return clip(title, limit)


def hashtag(text: str) -> str:
    return re.sub(r"[\s#＃]+", "", text)[:HASHTAG_MAX]


def spoken_length(script: str) -> int:
    """Characters read aloud: labels like 【开头】 and whitespace are not spoken."""
    return len(re.sub(r"\s+", "", LABEL.sub("", script)))


def read_seconds(script: str) -> float:
    return spoken_length(script) / DOUYIN_CHARS_PER_SECOND


def key_points(source: ArticleSource, per_section: int = 1) -> list[str]:
    """One point per section (heading and first sentences), then the FAQ; when that makes
    fewer than three, the sections' further sentences and the summary fill in."""
    points: list[str] = []
    spare: list[str] = []
    for heading, text in source.sections:
        said = sentences(text)
        first = "".join(said[:per_section])
        spare.extend(said[per_section:])
        point = f"{heading}：{first}" if heading and first else heading or first
        if point:
            points.append(point)
    points.extend(f"{q}{''.join(sentences(a)[:1])}" for q, a in source.faqs)
    for extra in [*spare, *sentences(source.summary)]:
        if len(points) >= 3:
            break
        if extra not in points:
            points.append(extra)
    return points


# --- channels -----------------------------------------------------------------------------
def hashtags_for(source: ArticleSource) -> list[str]:
    """3–10 topics: the article's tags, its specialty, then generic science topics. Not the
    layer's name: 科普, 专家IP, 互动 are the site's own filing, not a topic (round 13
    verification, F4: a 转化 article's note carried #转化)."""
    wanted = [
        *source.tags,
        source.specialty,
        f"{source.specialty}科普" if source.specialty else "",
        "健康科普",
        "医生科普",
        "健康生活",
    ]
    tags: list[str] = []
    for raw in wanted:
        tag = hashtag(raw)
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:XHS_TAGS_MAX]


def xiaohongshu_note(source: ArticleSource) -> DraftText:
    tags = hashtags_for(source)
    tag_line = " ".join(f"#{t}" for t in tags)
    opening = source.summary or source.description
    closing = DISCLAIMER
    # the note as posted is body + blank line + tag line; keep it within the limit
    room = XHS_BODY_MAX - len(tag_line) - 2
    parts = [clip(opening, 200)] if opening else []
    points = [p for p in key_points(source, per_section=2) if p not in opening]
    numbered = [f"{n}. {clip(p, 160)}" for n, p in enumerate(points, start=1)]
    for line in numbered:
        if len("\n\n".join([*parts, line, closing])) > room:
            break
        parts.append(line)
    parts.append(closing)
    body = "\n\n".join(parts)
    return DraftText("xiaohongshu", short_title(source.title, XHS_TITLE_MAX), body, tags)


def douyin_script(source: ArticleSource) -> DraftText:
    """Hook, three points, call to action; spoken text ≤ DOUYIN_SPOKEN_MAX characters."""
    question = next((q for q, _ in source.faqs), "")
    short = short_title(source.title, 24)
    hook = short if short.endswith(("？", "?")) else question or short
    points = [p for p in key_points(source) if not p.startswith(hook)][:3]
    cta = (
        f"关注我，下期继续聊{source.specialty}的日常管理。"
        if source.specialty
        else ("关注我，下期继续聊健康科普。")
    )
    labels = ["【要点一】", "【要点二】", "【要点三】"]
    for point_limit in (60, 50, 40, 32, 26, 20, 14):
        lines = [f"【开头】{clip(hook, 40)}"]
        lines += [
            f"{label}{clip(p, point_limit)}" for label, p in zip(labels, points, strict=False)
        ]
        lines.append(f"【结尾】{cta}")
        script = "\n".join(lines)
        if spoken_length(script) <= DOUYIN_SPOKEN_MAX:
            break
    return DraftText("douyin", short_title(source.title, 30), script, hashtags_for(source)[:5])


def baidu_snippet(source: ArticleSource) -> DraftText:
    title = short_title(source.seo_title or source.title, BAIDU_TITLE_MAX)
    description = source.description or source.summary
    if not description:
        description = " ".join(text for _, text in source.sections)
    return DraftText("baidu", title, clip(description, BAIDU_DESCRIPTION_MAX))


GENERATORS = {"xiaohongshu": xiaohongshu_note, "douyin": douyin_script, "baidu": baidu_snippet}


def drafts_generate(source: ArticleSource) -> list[DraftText]:
    return [generate(source) for generate in GENERATORS.values()]
