"""The second reader (`cms.compliance.classifier`): what it learns from, where it reads, and
its honest figures. Figures are cross-validated (the model trained without what it is measured
on), so a change that makes it memorise instead of generalise fails here; the unseen part's
figure is in test_compliance_labelled.py."""

from __future__ import annotations

import random

import pytest

from cms.compliance import check_report, check_text, classifier
from cms.compliance.checker import MODEL_RULE
from cms.compliance.rules import load_rules
from cms.textnorm import normalize


def _readable_sentences(texts: list[str]) -> list[str]:
    from cms.compliance.checker import _sentences

    out = []
    for text in texts:
        folded = normalize(text)
        out += [folded[lo:hi].strip() for lo, hi in _sentences(folded)]
    return [s for s in out if classifier.readable(s)]


def test_corpus_parts_parse_and_no_sentence_is_both_lawful_and_a_violation() -> None:
    examples = classifier.training_examples()
    violations = {e.text for e in examples if e.violation}
    background = [e for e in examples if e.source.startswith("background")]

    assert len(background) >= 2500  # thousands of ordinary sentences, the reason it may block
    assert {e.category.split(":")[1] for e in background} >= {
        "science", "heading", "qa", "story", "assistant", "patient", "doctor", "notice", "ops",
    }  # fmt: skip
    assert not violations & {e.text for e in background}
    # the 科普-only kind is left to the page check: lawful on a landing page
    assert not [e for e in examples if e.violation and e.scope == "science"]


def test_a_malformed_corpus_row_names_its_file_and_line(tmp_path) -> None:
    bad = tmp_path / "part.tsv"
    bad.write_text(
        "# comment\n1\t-\tguarantee\t包治百病。\n1\tguarantee\t少一列\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"part.tsv:3"):
        classifier.read_labelled(bad)
    lone = tmp_path / "bg.tsv"
    lone.write_text("science\t熬夜之后容易失眠。\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bg.tsv:2"):
        classifier.read_background(lone)


def test_false_block_rate_on_ordinary_text_cross_validated() -> None:
    # Five folds over the background corpus: each fold is read by a model that never saw it.
    # Measured in round 7 (C 30, threshold 0.8): 4 of 2353 readable sentences (0.17 %).
    examples = classifier.training_examples()
    labelled = [e for e in examples if not e.source.startswith("background")]
    background = [e for e in examples if e.source.startswith("background")]
    order = list(range(len(background)))
    random.Random(7).shuffle(order)
    blocked, read = [], 0
    for fold in range(5):
        held = [background[i] for i in order[fold::5]]
        held_ids = {id(e) for e in held}
        model = classifier.ClaimModel(labelled + [e for e in background if id(e) not in held_ids])
        sentences = _readable_sentences([e.text for e in held])
        read += len(sentences)
        blocked += [
            s
            for s, p in zip(sentences, model.probabilities(sentences), strict=True)
            if p >= classifier.THRESHOLD
        ]
    print(f"\nfalse blocks {len(blocked)} of {read}: {blocked}")

    assert read >= 2000
    assert len(blocked) / read <= 0.005


def test_round6_part_read_by_a_model_that_never_saw_it() -> None:
    # heldout5 was measured once on the rules alone (0.900 / 0.750); a model trained without it
    # and OR-ed with the rules read it at 0.919 / 0.947 in round 7.
    parts = [p for p in classifier.LABELLED_PARTS if p != "compliance_heldout5.tsv"]
    model = classifier.ClaimModel(classifier.training_examples(labelled=parts))
    rows = classifier.read_labelled(classifier.CORPUS / "compliance_heldout5.tsv")
    tp = fp = 0
    for row in rows:
        scopes = {row.scope} if row.scope else set()
        flagged = check_report(row.text, scopes=scopes, second_reader=False).has_blocking
        if not flagged:
            sentences = _readable_sentences([row.text])
            flagged = (
                bool(sentences) and max(model.probabilities(sentences)) >= classifier.THRESHOLD
            )
        tp += flagged and row.violation
        fp += flagged and not row.violation
    violations = sum(r.violation for r in rows)

    assert tp / (tp + fp) >= 0.91
    assert tp / violations >= 0.94


WORDINGS_NO_RULE_NAMES = [
    # kinds the rules know, worded as no rule is written (each read by the model alone)
    "这套调理办法让上千位失眠朋友重新睡上了踏实觉。",
    "坚持用我们的生发液，发缝明显变窄，发量肉眼可见地回来了。",
]


@pytest.mark.parametrize("text", WORDINGS_NO_RULE_NAMES)
def test_it_blocks_a_claim_the_rules_do_not_name(text: str) -> None:
    assert not check_report(text, second_reader=False).has_blocking  # the rules miss it
    findings = check_text(text)

    assert [f.rule for f in findings if f.blocking] == [MODEL_RULE]
    (finding,) = findings
    assert finding.text == text.strip()
    assert "模型判读" in finding.message
    assert "审查人员复核" in finding.message
    assert finding.reference.startswith("广告法第十六条")


LAWFUL = [
    "熬夜之后容易失眠。",
    "您好，我是您的专属医助，已收到您的咨询。",
    "米诺地尔一般需要连续使用3到6个月才能判断效果，期间出现短暂的脱发增多不必惊慌。",
    "不要相信“包治”“根治”之类的宣传，正规医生不会向你保证疗效。",
    "血糖控制平稳后也不要自行停药，调整方案请与医生商量。",
    "头顶",
    "专家说",
]


@pytest.mark.parametrize("text", LAWFUL)
def test_plain_health_facts_and_short_headings_are_not_blocked(text: str) -> None:
    assert not check_report(text).has_blocking


def test_a_sentence_the_rules_already_found_is_not_reported_twice() -> None:
    text = "我院治愈率高达98%，三个月保证长出新发，无效全额退款。"
    rules_only = check_report(text, second_reader=False)
    both = check_report(text)

    assert rules_only.has_blocking
    assert [f.rule for f in both.findings] == [f.rule for f in rules_only.findings]


def test_the_highlight_is_the_sentence_as_the_editor_typed_it() -> None:
    # traditional characters, full-width spaces around: folded for the model, reported as written
    line = "　熬夜之后容易失眠。這套調理辦法讓上千位失眠朋友重新睡上了踏實覺。 "
    findings = [f for f in check_text(line) if f.rule == MODEL_RULE]

    assert len(findings) == 1
    finding = findings[0]
    assert line[finding.start : finding.end] == finding.text
    assert finding.text == "這套調理辦法讓上千位失眠朋友重新睡上了踏實覺。"
    assert finding.line == 1


def test_rules_alone_when_asked_and_the_version_names_both_readers() -> None:
    text = WORDINGS_NO_RULE_NAMES[0]
    version = load_rules().version

    assert check_report(text, second_reader=False).rules_version == version
    assert check_report(text).rules_version == f"{version}+{classifier.MODEL_VERSION}"
    assert not check_report("", second_reader=True).findings
    assert not check_report("\n \n", second_reader=True).findings


def test_the_model_is_trained_once_per_process() -> None:
    assert classifier.model() is classifier.model()


@pytest.mark.django_db
def test_a_page_report_names_both_readers_version() -> None:
    # Review of issue 17 (round 2): the gate and the editor panel showed the rules' version
    # alone although the second reader had read the page.
    from cms.compliance import check_page
    from cms.models import ArticlePage

    page = ArticlePage(title="睡眠卫生", slug="v", layer="science", body=[])

    assert check_page(page, rendered=False).rules_version == (
        f"{load_rules().version}+{classifier.MODEL_VERSION}"
    )
