"""Issue 17 review round 2, round 8 of the checker (docs/compliance.md): look-alike characters,
words spelled out with marks, rates in words (M2), short slogans (M3), claims split across
lines (M4) and the checker's time on a long line (L7). Every case goes through the real
checker (`check_text` / `check_report` / `check_page`), with the siblings of each reported
input beside it and the lawful look-alikes that must still pass."""

from __future__ import annotations

import opencc
import pytest

from cms.compliance import check_page
from cms.compliance.checker import _overlaps, _sentences, check_report, check_text
from cms.compliance.extract import rich_text_to_plain
from cms.compliance.rules import load_rules
from cms.models import ArticlePage
from cms.textnorm import _RADICAL_SUPPLEMENT, _VARIANTS, normalize, normalize_map
from tests.cms.compliance_support import draft, growth_ratio, hub, rich


def _blocked(text: str) -> bool:
    return check_report(text, second_reader=False).has_blocking


def _rules(text: str) -> set[str]:
    return {f.rule for f in check_report(text, second_reader=False).blocking}


# --- M2: look-alike characters ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spelled", "plain"),
    [
        ("⾒效", "见效"),  # Kangxi radical SEE (U+2F92) is 見 before it is 见
        ("⽆效退款", "无效退款"),  # Kangxi radical NOT (U+2F46)
        ("⼼", "心"),
        ("⻅效", "见效"),  # radicals supplement C-SIMPLIFIED SEE (U+2EC5), NFKC leaves it
        ("⻢上见效", "马上见效"),  # C-SIMPLIFIED HORSE (U+2EE2)
        ("⻓期有效", "长期有效"),
        ("痊\ufa88", "痊愈"),  # compatibility ideographs: U+FA88 is 愈, U+FA0A 見, U+F9C1 療
        ("\uf9f7竿\ufa0a影", "立竿见影"),
        ("\uf9c1效", "疗效"),
    ],
)
def test_radicals_and_compatibility_ideographs_read_as_the_character(spelled, plain) -> None:
    assert normalize(spelled) == normalize(plain)


@pytest.mark.parametrize(
    "claim",
    [
        "保证⽆效退款",
        "⽴竿⾒影",
        "保证根治⼼脏病",
        "针到病除，⼀针⾒效",
        "⻢上⻅效",
        "保证痊\ufa88",
    ],
)
def test_a_claim_written_in_radicals_is_blocked_like_the_plain_wording(claim) -> None:
    plain = normalize(claim)
    assert _blocked(plain), plain  # the plain wording is a claim
    assert _blocked(claim)
    # the highlight is on the characters the editor typed
    finding = check_report(claim, second_reader=False).blocking[0]
    assert claim[finding.start : finding.end] == finding.text


def test_every_supplement_radical_in_the_table_is_one_han_character() -> None:
    for radical, han in _RADICAL_SUPPLEMENT.items():
        assert 0x2E80 <= ord(radical) <= 0x2EFF
        assert normalize(radical) == opencc.OpenCC("t2s").convert(han)


@pytest.mark.parametrize(
    ("variant", "plain"), [("痊瘉", "痊愈"), ("治瘉", "治愈"), ("効果", "效果"), ("傚果", "效果")]
)
def test_variants_opencc_leaves_are_folded(variant, plain) -> None:
    assert normalize(variant) == plain


@pytest.mark.parametrize(
    "claim", ["保证痊瘉", "包您痊瘉", "保证治癒", "一次見効", "療効显著，一针見効"]
)
def test_a_claim_in_variant_characters_is_blocked(claim) -> None:
    assert _blocked(claim)


def test_the_variant_table_holds_only_what_t2s_misses_and_agrees_with_opencc() -> None:
    t2s, jp2t = opencc.OpenCC("t2s"), opencc.OpenCC("jp2t")
    retired_1955 = {"瘉": "愈", "傚": "效"}  # 《第一批异体字整理表》
    for variant, plain in _VARIANTS.items():
        assert t2s.convert(variant) == variant  # t2s does not already do it
        expected = retired_1955.get(variant) or t2s.convert(jp2t.convert(variant))
        assert plain == expected, variant


# --- M2: words spelled out one character at a time --------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "彻.底.治.好",
        "彻.底.治.愈.脱.发",
        "根,治",
        "根，治脱发".replace("，", ","),
        "根、治",
        "根、治脱发",
        "【根】【治】",
        "「根」「治」",
        "(根)(治)",
        "（根）（治）",
        "根 , 治",
        "“根”“治”失眠",
        "保.证.治.愈",
        "立;竿;见;影",
    ],
)
def test_a_word_spelled_out_with_marks_is_blocked(claim) -> None:
    assert _blocked(claim)
    finding = check_report(claim, second_reader=False).blocking[0]
    assert claim[finding.start : finding.end] == finding.text


@pytest.mark.parametrize(
    "lawful",
    [
        "头皮、毛囊、发根都需要检查",
        "好的,我们明天见",
        "常见诱因有:熬夜、压力、饮食",
        "早、中、晚三餐定时",
        "血糖3.5 mmol/L以下为低血糖",
        "心、肝、肾功能检查",
    ],
)
def test_punctuation_between_words_is_kept(lawful) -> None:
    assert not _blocked(lawful)
    if "、" in lawful and "早" not in lawful and "心" not in lawful:
        assert "、" in normalize(lawful)


def test_a_mark_between_two_words_is_punctuation_and_stays() -> None:
    assert normalize("头皮、毛囊、发根") == "头皮、毛囊、发根"
    assert normalize("好的,我们明天见") == "好的,我们明天见"
    # only a lone character is spelled: 彻.底 glued, 我们.治疗 kept
    assert normalize("我们.治疗") == "我们.治疗"
    folded, origin = normalize_map("彻.底.治.好")
    assert folded == "彻底治好"
    assert origin == [0, 2, 4, 6, 7]


# --- M2: rates in words and per mille ---------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "治愈率九十五%",
        "治愈率九十五％",
        "治愈率百分之九十五",
        "有效率95‰",
        "有效率九百五十‰",
        "有效率千分之九百五",
        "有效率九成",
        "有效率达九成五",
        "九成患者治愈",
        "九成五的患者都治愈了",
        "95‰的患者已经康复",
    ],
)
def test_a_rate_in_words_or_per_mille_is_read(claim) -> None:
    assert "ad16-rate" in _rules(claim) or "ad16-cohort" in _rules(claim), claim


@pytest.mark.parametrize(
    "lawful",
    ["我国成人糖尿病患病率约为百分之十二", "研究显示，约九成失眠与作息有关", "血糖达标率因人而异"],
)
def test_population_figures_in_words_stay_lawful(lawful) -> None:
    assert not _blocked(lawful)


# --- M3: short slogans the second reader does not read ----------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "告别秃顶",
        "告别秃顶！",
        "从此告别失眠",
        "摆脱脱发",
        "好消息，告别秃顶！",
        "沾枕就睡",
        "沾枕头就睡",
        "倒头就睡",
        "一觉到天亮",
        "夜夜一觉睡到大天亮",
        "秒睡",
        "血糖不再高",
        "头发再也不掉了",
        "失眠不再复发",
    ],
)
def test_a_short_slogan_is_blocked(claim) -> None:
    assert _blocked(claim)
    assert check_report(claim).has_blocking  # both readers: the rules say it


@pytest.mark.parametrize(
    "lawful",
    [
        "告别熬夜",  # a habit, not a disease: lawful advice
        "告别熬夜，从今晚开始",
        "如何告别失眠？",
        "怎样才能一觉睡到天亮",
        "规律作息有助于摆脱失眠困扰",
        "专家说",
        "血糖高怎么办",
        "周末一觉睡到天亮的习惯会打乱生物钟",
    ],
)
def test_short_lawful_headings_pass(lawful) -> None:
    assert not check_report(lawful).has_blocking


# --- M4: a claim split across lines -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("保证\n治愈", {1, 2}),
        ("彻底\n治愈", {1, 2}),
        ("我们保证\n治愈脱发", {1, 2}),
        ("开头一句话。我们保证\n治愈脱发，效果好", {1, 2}),
        ("三天\n见效", {1, 2}),
        ("治愈率\n95%", {1, 2}),
        ("保证\n\n治愈", set()),  # a blank line ends the paragraph
        ("请保证睡眠。\n治愈需要时间", set()),  # a sentence ended on line 1
        ("保证？\n治愈", set()),
    ],
)
def test_a_claim_split_across_lines_is_read_joined(text, lines) -> None:
    report = check_report(text, second_reader=False)
    joined = [f for f in report.blocking if f.line in (1, 2, 3)]
    assert {f.line for f in joined} == lines
    for finding in joined:
        # each finding highlights its own line's half of the claim
        line = text.splitlines()[finding.line - 1]
        assert line[finding.start : finding.end]
        assert line[finding.start : finding.end] in finding.text


@pytest.mark.parametrize(
    "html",
    [
        "<p>保证<br>治愈</p>",
        "<p>保证</p><p>治愈脱发</p>",
        "<h2>一次治疗</h2><p>终身不再脱发</p>",
        "<h2>三天</h2><p>见效</p>",
        "<blockquote>彻底</blockquote><p>治愈</p>",
        # a lead-in over a list's first item (twentieth re-verification D-7)
        "<h2>我们保证</h2><ul><li>治愈脱发</li></ul>",
        "<p>我们承诺</p><ol><li>根治失眠</li><li>定期随访</li></ol>",
        # a promise's items read on, as one clause (twenty-first verification A)
        "<p>我院承诺：</p><ul><li>无效</li><li>全额退款</li></ul>",
        "<p>我院郑重承诺：</p><ul><li>定期随访</li><li>无效</li><li>全额退款</li></ul>",
        "<h3>我们保证：</h3><ol><li>三个月</li><li>长出新发</li></ol>",
    ],
)
def test_rich_text_split_across_blocks_is_read_joined(html) -> None:
    assert any(f.blocking for f in check_text(rich_text_to_plain(html)))


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>头发不长</li><li>不收费的检查项目</li></ul>",
        "<ul><li>保证</li><li>治愈</li></ul>",  # list items are items, never one sentence
        "<table><tr><td>保证</td><td>治愈</td></tr></table>",
        "<p>保证睡眠。</p><p>治愈需要时间</p>",
        # advice with its object, or no promise: the items stay items
        "<p>保证充足睡眠：</p><ul><li>头发不长</li><li>不收费的检查项目</li></ul>",
        "<p>常见误区：</p><ul><li>头发不长</li><li>不收费的检查项目</li></ul>",
        "<p>我院承诺：</p><ul><li>定期随访</li></ul><p>注意事项。</p>"
        "<ul><li>头发不长</li><li>不收费的检查项目</li></ul>",
    ],
)
def test_items_and_ended_sentences_are_not_joined(html) -> None:
    assert not [f for f in check_text(rich_text_to_plain(html)) if f.blocking]


@pytest.mark.parametrize(
    "html",
    [
        # twentieth verification C: 病根 over 治疗 read as 根治 refused a clean article
        "<h2>先找准病根</h2><p>治疗要从评估开始：医生会先问诊，再用毛囊镜观察头皮。</p>",
        "<blockquote>找准病根</blockquote><p>治疗才有方向。</p>",
        "<p>找准病根<br>治脱发才有方向。</p>",
        "<h3>三天</h3><p>见效果的办法并不存在，坚持最重要。</p>",  # 三天见效 only across 见效果
    ],
)
def test_a_match_joining_two_word_fragments_is_no_claim(html) -> None:
    assert not [f for f in check_text(rich_text_to_plain(html), scopes=("science",)) if f.blocking]


@pytest.mark.parametrize(
    "html",
    [
        "<h2>100%保证根</h2><p>治脱发</p>",  # whole words either side: still one claim
        "<h2>专家</h2><p>保证治愈</p>",
        "<p>我们保证</p><p>根治脱发</p>",
        "<p>彻底</p><p>治愈失眠</p>",
    ],
)
def test_a_claim_split_between_whole_words_is_still_read_joined(html) -> None:
    assert any(f.blocking for f in check_text(rich_text_to_plain(html), scopes=("science",)))


@pytest.mark.django_db
def test_a_page_whose_claim_is_split_across_paragraphs_is_flagged() -> None:
    # given an article whose body splits a cure guarantee over two paragraphs
    parent = hub()
    page = draft(
        parent,
        ArticlePage(
            title="睡眠卫生",
            slug="split",
            layer="science",
            body=[{"type": "paragraph", "value": rich("规律作息很重要。我们保证", "治愈失眠")}],
        ),
    )
    # when the page is checked, then the guarantee is found on both lines
    found = [f for f in check_page(page).blocking if f.rule == "ad16-guarantee"]
    assert {f.line for f in found} == {1, 2}
    # line 1 tells the promise with the cure; 「治愈失眠」 standing alone on line 2 is a
    # slogan of its own (issue 17 re-verification)
    assert [f.text for f in found if f.line == 1] == ["保证治愈"]


# --- L7: findings on a long line, near-linear ------------------------------------------


def _reference_spans(rule, folded: str, sentences) -> list[tuple[int, int]]:
    """The checker's reading before round 8, with the linear `_overlaps` scans (quadratic)."""
    matches = [
        (m.span(), lo, hi)
        for pattern in rule.patterns
        for lo, hi in sentences
        for m in pattern.finditer(folded, lo, hi)
    ]
    hit = sorted({(lo, hi) for _, lo, hi in matches})
    excepted = [
        m.span()
        for pattern in rule.exceptions
        for lo, hi in hit
        for m in pattern.finditer(folded, lo, hi)
    ]
    taken: list[tuple[int, int]] = []
    for (start, end), _, _ in matches:
        if start == end or _overlaps(start, end, excepted) or _overlaps(start, end, taken):
            continue
        taken.append((start, end))
    return taken


@pytest.mark.parametrize(
    "line",
    [
        "保证治愈" * 300,
        "保证治愈，" * 200 + "根治脱发吗？保证治愈",
        "我们保证治愈，不要相信“保证治愈”的说法，" * 60,
        ("彻底治好失眠，秒睡，治愈率95%，" + "立竿见影" * 3) * 40,
    ],
)
def test_long_line_findings_equal_the_reference_reading(line) -> None:
    folded, _ = normalize_map(line)
    sentences = _sentences(folded)
    expected = {
        (rule.id, s, e)
        for rule in load_rules().rules
        if not rule.scope
        for s, e in _reference_spans(rule, folded, sentences)
    }
    # the line folds one for one here, so offsets in the line are offsets in the fold
    assert folded == line
    found = {(f.rule, f.start, f.end) for f in check_report(line, second_reader=False).findings}
    assert found == expected
    assert found


def test_a_very_long_line_is_read() -> None:
    # 200,000 characters: the quadratic reading did not finish; this one takes about two seconds
    findings = check_report("保证治愈" * 50_000, second_reader=False).findings
    assert len(findings) == 50_000


# --- issue 17 verification, point 2: a block's own figure does not read on -------------------


@pytest.mark.parametrize(
    "html",
    [
        # a rate's value ends a block; the next block names what cannot be done
        "<p>血糖记录完整率100%</p><p>治愈糖尿病目前还做不到，但控制得好可以正常生活。</p>",
        "<h2>随访数据：记录完整率100%</h2><p>治愈糖尿病目前还做不到。</p>",
        "<p>复诊覆盖率达到百分之百</p><p>治愈需要时间，请耐心配合。</p>",
        "<h3>用药依从率95%</h3><ul><li>治愈不是短期目标</li></ul>",
        "<p>随访完成度九成</p><p>康复训练每天坚持。</p>",
        # the claim is the topic and its own clause says it cannot be done
        "<p>100%治愈糖尿病目前还做不到。</p>",
        "<p>根治脱发是不可能的，雄激素性脱发需要长期用药。</p>",
    ],
)
def test_a_rate_ending_a_block_or_a_denied_topic_is_no_claim(html) -> None:
    assert not [f for f in check_text(rich_text_to_plain(html), scopes=("science",)) if f.blocking]


@pytest.mark.parametrize(
    "html",
    [
        "<p>我们100%</p><p>治愈脱发</p>",  # no rate before the figure: it reads on
        "<h2>治愈率</h2><p>95%</p>",  # the rate over its value
        "<p>有效率100%</p><p>治愈</p>",  # the rate is the claim, in its own block
        "<p>100%治愈糖尿病别人做不到。</p>",  # who cannot is named: a comparison
        "<p>本院保证治愈，这是别家做不到的。</p>",
        "<p>本疗法可以保证治愈失眠。</p>",  # 可以, not the 以 of 以保证睡眠
    ],
)
def test_claims_beside_those_shapes_are_still_blocked(html) -> None:
    assert [f for f in check_text(rich_text_to_plain(html), scopes=("science",)) if f.blocking]


# --- issue 17 re-verification of point 2 ------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        # a share of any measure ends the block (性, 情况, 完成, 占)
        "<h2>服药依从性100%</h2><p>治愈不是目标，控制才是。</p>",
        "<p>用药准确性100%</p><p>治愈不是目标。</p>",
        "<p>随访完成情况：100%</p><p>治愈需要时间。</p>",
        "<p>坚持记录的糖友占100%</p><p>治愈不是目标。</p>",
        # a study cited, no one of ours in the sentence
        "<p>北京某医院的研究报告米诺地尔有效率约为50%。</p>",
        "<p>国外研究报告米诺地尔有效率约为50%。</p>",
    ],
)
def test_measures_shares_and_outside_studies_pass(html) -> None:
    assert not [f for f in check_text(rich_text_to_plain(html), scopes=("science",)) if f.blocking]


@pytest.mark.parametrize(
    "html",
    [
        "<h2>本院合格率100%</h2><p>治愈各类失眠</p>",  # a share of ours still reads on
        # a rival named in the sentence or the block above: a comparison, not a denial
        "<h2>其他医院</h2><p>根治脱发目前还做不到。</p>",
        "<p>普通医院根治脱发目前还做不到。</p>",
        "<p>其他医院保证治愈是做不到的。</p>",
        "<p>其他醫院根治脫髮目前還做不到。</p>",
        "<p>在其他医院，根治脱发目前还做不到。</p>",
        "<p>外院100%治愈糖尿病都做不到</p>",
        "<p>同行根治失眠至今还做不到</p>",
        # the denial taken back by us
        "<p>根治脱发目前还做不到，但我们做到了。</p>",
        # a study of ours
        "<p>本门诊研究报告有效率95%</p>",
        "<p>本科室研究报告有效率95%</p>",
        "<p>院内研究报告有效率95%</p>",
        "<p>有研究报告本院疗法有效率95%</p>",
        "<p>有研究报告，本院有效率95%</p>",
    ],
)
def test_rivals_reclaims_and_our_own_studies_stay_blocked_by_the_rules(html) -> None:
    report = check_report(rich_text_to_plain(html), scopes=("science",), second_reader=False)
    assert report.has_blocking


@pytest.mark.parametrize("mark", ["？", "?", "？！", "吗？"])
def test_a_line_of_question_marks_checks_in_linear_time(mark) -> None:
    # a paragraph of 100,000 ？ held a server worker for minutes (each run re-read shorter)
    ratio = growth_ratio(lambda n: (mark * (n // len(mark) + 1))[:n])
    assert ratio < 9, ratio


# --- issue 17 second re-verification of point 2 -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "根治脱发是不可能的，但我们做到了。",
        "普通医院根治脱发是不可能的。",
        "在其他医院，根治脱发是不可能的。",
        "根治脱发是不可能的，我们能。",
        "普通医院无副作用是不可能的。",
    ],
)
def test_is_impossible_said_of_rivals_or_taken_back_stays_blocked(text) -> None:
    assert check_report(text, scopes=("science",), second_reader=False).has_blocking


@pytest.mark.parametrize(
    "text",
    ["完全无副作用是不可能的。", "药物100%有效是不可能的。", "根治脱发是不可能的，需要长期用药。"],
)
def test_is_impossible_said_of_a_claim_itself_passes(text) -> None:
    assert not check_report(text, scopes=("science",), second_reader=False).has_blocking


@pytest.mark.parametrize(
    ("claim", "fill"), [("根治脱发", "，"), ("有效率95%", "，"), ("根治脱发", " x")]
)
def test_a_claim_then_thousands_of_commas_checks_in_linear_time(claim, fill) -> None:
    # each clause start looked to the sentence's end for a rival: 32,000 commas took 75 s
    ratio = growth_ratio(lambda n: claim + fill * (n // len(fill)))
    assert ratio < 9, ratio
