"""A read-only panel on the content tab: the page's current findings, offending text marked."""

from __future__ import annotations

import re

from wagtail.admin.panels import Panel

# What the served page's findings are found in (`cms.compliance.rendered`: field names
# rendered, rendered.links …), as an editor calls it: the whole page as served, not a field
# of hers (issue 17 re-verification: an FAQ's question and answer joined on the page was
# reported as 「rendered 第10行」)
_RENDERED = {
    "rendered": "发布后的页面文字（模板与各区块合在一起读）",
    "rendered.links": "发布后的页面链接",
    "rendered.text_urls": "发布后页面文字中的网址",
    "rendered.frames": "发布后页面的内嵌框架",
    "rendered.embeds": "发布后页面的嵌入内容",
    "rendered.forms": "发布后页面的表单",
    "rendered.images": "发布后页面的图片",
}
_STEP = re.compile(r"\[(\d+)\]|\.?([A-Za-z_][A-Za-z0-9_]*)")


def field_label(page, path: str) -> str:
    """Where a finding is, in the editor's words: 「正文 › 第2项（常见问题） › 问答 › 第1项 › 问题」
    for `body[1].faq.items[0].question`, a field's verbose name for `hero_body`, a child
    form's name for `keyword_variants[0].headline`, the served page for `rendered…`; `page` a
    page or its class. The path itself stays on the panel (a tooltip) for whoever needs it;
    a path it cannot name is shown as it is (the panel never fails on a label)."""
    if path.startswith("rendered"):
        return _RENDERED.get(path, _RENDERED["rendered"])
    try:
        return _label(page if isinstance(page, type) else type(page), path) or path
    except Exception:  # noqa: BLE001  a label is a courtesy: the finding shows regardless
        return path


def _verbose(field) -> str:
    name = getattr(field, "verbose_name", None)
    if name is None and getattr(field, "related_model", None) is not None:
        name = field.related_model._meta.verbose_name  # a child form (InlinePanel)
    return str(name or getattr(field, "name", ""))


def _label(model, path: str) -> str:
    from wagtail import blocks

    parts: list[str] = []
    block = None  # the block the next step is a child of
    stream_item = False  # the step before was an index into a StreamField's blocks
    for match in _STEP.finditer(path or ""):
        index, name = match.groups()
        if index is not None:
            parts.append(f"第{int(index) + 1}项")
            stream_item = isinstance(block, blocks.StreamBlock)
            if isinstance(block, blocks.ListBlock):
                block = block.child_block
            continue
        if not parts:
            try:
                field = model._meta.get_field(name)
            except Exception:  # noqa: BLE001  not a model field
                parts.append(name)
                continue
            parts.append(_verbose(field))
            block = getattr(field, "stream_block", None)
            related = getattr(field, "related_model", None)
            model = related if related is not None else model
            continue
        if block is None and parts:
            try:
                parts.append(_verbose(model._meta.get_field(name)))  # a child form's field
            except Exception:  # noqa: BLE001
                parts.append(name)
            continue
        child = getattr(block, "child_blocks", {}).get(name)
        label = str(child.label) if child is not None and child.label else name
        if stream_item:
            parts[-1] = f"{parts[-1]}（{label}）"  # the block's kind: 第2项（常见问题）
            stream_item = False
        else:
            parts.append(label)
        block = child
    return " › ".join(parts)


class CompliancePanel(Panel):
    def __init__(self, **kwargs):
        kwargs.setdefault("heading", "合规检查")
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return super().clean_name or "compliance"

    class BoundPanel(Panel.BoundPanel):
        template_name = "cms/compliance/panel.html"

        def get_context_data(self, parent_context=None):
            from cms.compliance.page import check_page

            context = super().get_context_data(parent_context)
            context.update(panel_context(self.instance, check_page(self.instance)))
            return context


def panel_context(page, report) -> dict:
    """The compliance panel's context (`cms/compliance/panel.html`) for `page` and its
    `report`: the editor's panel and the doctor's review dialog (`cms_workflow.review_compliance`)
    alike, so both say what clears a finding (the dialog lacked the 第十九条 counts and told the
    doctor an ad19 finding could be ruled a false match: round-34 tester F10)."""
    from cms.compliance.gate import SCIENCE_ONLY_PREFIX, is_medical_ad, publish_decision

    # 《广告法》第十九条 findings on a 科普 page: no certificate clears them (gate)
    science_ad = [f for f in report.blocking if f.rule.startswith(SCIENCE_ONLY_PREFIX)]
    return {
        "findings": [(f, field_label(page, f.field), *report.context(f)) for f in report.findings],
        "blocking_count": len(report.blocking),
        "science_ad_count": len(science_ad),
        "certifiable_count": len(report.blocking) - len(science_ad),
        # a medical ad's findings are cleared by a certificate, any other page's by a
        # reviewer's ruling that they are false matches (gate.NOT_RULED)
        "is_ad": is_medical_ad(page),
        "decision": publish_decision(page=page, report=report),
        "rules_version": report.rules_version,
    }
