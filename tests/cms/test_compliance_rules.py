"""The rules file and check_text: one violation per legal provision, the context exceptions
that keep ordinary language clean, offsets and the rules-file validation."""

from __future__ import annotations

import dataclasses

import pytest

from cms.compliance import Finding, check_report, check_text, load_rules
from cms.compliance.rules import RulesFileError, parse_rules


def _blocking_rules(text: str, **kwargs) -> list[str]:
    return [f.rule for f in check_text(text, **kwargs) if f.severity == "block"]


@pytest.mark.parametrize(
    ("sentence", "rule", "matched"),
    [
        # 《广告法》第九条: absolute terms
        ("本院拥有全市最先进的检测设备", "ad9-absolute", "最先进"),
        ("我们是华南地区最好的植发医院", "ad9-absolute", "最好的"),
        ("失眠调理行业第一，口碑爆棚", "ad9-absolute", "行业第一"),
        ("顶级专家一对一面诊", "ad9-absolute", "顶级"),
        ("全国唯一获批的生发技术", "ad9-absolute", "全国唯一"),
        ("国家级专家坐诊", "ad9-national", "国家级"),
        # 第十六条 (一): guarantees of efficacy and safety
        ("三个月根治脱发", "ad16-guarantee", "根治"),
        ("保证疗效，放心选择", "ad16-guarantee", "保证疗效"),
        ("纯植物配方无副作用", "ad16-guarantee", "无副作用"),
        ("药到病除，立竿见影", "ad16-guarantee", "药到病除"),
        ("包治各种失眠", "ad16-guarantee", "包治"),
        # 第十六条 (二) / 管理办法第七条 (三): rates
        ("治愈率95%", "ad16-rate", "治愈率95%"),
        ("有效率达98%以上", "ad16-rate", "有效率达98%"),
        ("控糖成功率高达九成", "ad16-rate", "成功率高达九成"),
        # 第十六条 (三): comparisons
        ("疗效比其他医院更好", "ad16-comparison", "比其他医院"),
        # 第十六条 (四): patient testimonials and endorsements
        ("患者现身说法：半年长出浓密头发", "ad16-testimonial", "患者现身说法"),
        ("多位教授推荐的睡眠方案", "ad16-endorsement", "教授推荐"),
        # 第十七条: non-medical products claiming treatment
        ("这款养生茶可以降血糖", "ad17-nonmedical", "养生茶可以降血糖"),
        # 医疗广告管理办法第七条: time-boxed promises, superstition, the army's name
        ("3天见效", "mad7-timeline", "3天见效"),
        ("三个疗程痊愈", "mad7-timeline", "三个疗程痊愈"),
        ("宫廷秘方调理失眠", "mad7-superstition", "宫廷秘方"),
        ("武警医院退休专家", "mad7-military", "武警"),
    ],
)
def test_each_provision_has_a_blocking_rule(sentence: str, rule: str, matched: str) -> None:
    findings = [f for f in check_text(sentence) if f.rule == rule]

    assert len(findings) == 1
    assert findings[0].severity == "block"
    assert findings[0].text == matched
    assert findings[0].reference.startswith("《")


@pytest.mark.parametrize(
    "sentence",
    [
        "第一次复诊时带上血糖记录",
        "第一步：记录一周的睡眠日记",
        "这个药最好在睡前服用",
        "最近半年掉发明显",
        "最后一次用药后两周复查",
        "每次最多不超过2片",
        "参考国家级诊疗指南调整方案",
        "国家卫健委发布的糖尿病防治指南",
        "目前还不能根治，需要长期管理",
        "警惕号称能根治脱发的广告",
        "没有哪种药是完全无副作用的",
        "不要轻信偏方",
        "喝茶不能降血糖",
        "这不是失眠的唯一原因",
        "外用药一般需要3个月才开始见效",
        "失眠认知行为疗法是指南推荐的一线方法",
    ],
)
def test_ordinary_language_is_not_flagged(sentence: str) -> None:
    assert check_text(sentence) == []


def test_national_level_is_judged_by_what_it_qualifies() -> None:
    assert _blocking_rules("国家级诊疗指南") == []
    assert _blocking_rules("国家级专家") == ["ad9-national"]
    assert _blocking_rules("国家级重点专科") == ["ad9-national"]


def test_science_rules_apply_only_in_the_science_scope() -> None:
    text = "更多问题请加微信 hair2026 或拨打 13812345678"

    assert _blocking_rules(text) == []
    assert _blocking_rules(text, scopes={"science"}) == ["ad19-contact", "ad19-contact"]


def test_finding_carries_field_line_and_offsets_of_the_original_text() -> None:
    text = "第一行没有问题\n我们的治愈率达９５％，值得信赖"

    (finding,) = check_text(text, field="body[0].paragraph")

    assert finding == Finding(
        rule="ad16-rate",
        severity="block",
        reference=finding.reference,
        message=finding.message,
        field="body[0].paragraph",
        line=2,
        start=3,
        end=10,
        text="治愈率达９５％",  # full-width digits matched, original characters reported
    )
    assert text.splitlines()[1][finding.start : finding.end] == finding.text
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.rule = "other"  # type: ignore[misc]


def test_warn_rules_do_not_block() -> None:
    findings = check_text("无痛检查，十分钟完成")

    assert [(f.rule, f.severity) for f in findings] == [("warn-safety-wording", "warn")]


def test_rules_file_is_versioned_and_every_rule_is_complete() -> None:
    ruleset = load_rules()

    assert ruleset.version
    assert len(ruleset.rules) >= 14
    assert {r.severity for r in ruleset.rules} == {"block", "warn"}
    assert all(r.reference and r.message and r.patterns for r in ruleset.rules)
    assert {r.id for r in ruleset.rules if r.scope == "science"} == {"ad19-contact", "ad19-cta"}
    assert all(r.category and r.examples and r.clean for r in ruleset.rules)


VALID = {
    "id": "x",
    "category": "guarantee",
    "severity": "block",
    "reference": "r",
    "message": "m",
    "patterns": ["a"],
    "examples": ["a"],
    "clean": ["b"],
}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"severity": "fatal"}, "severity"),
        ({"patterns": ["("]}, "bad regex"),
        ({"reference": ""}, "reference"),
        ({"patterns": []}, "pattern"),
        ({"category": ""}, "category"),
        ({"examples": []}, "examples"),
        ({"clean": []}, "clean"),
    ],
)
def test_a_malformed_rules_file_is_refused(change: dict, error: str) -> None:
    with pytest.raises(RulesFileError, match=error):
        parse_rules({"version": "1", "rules": [VALID | change]})


def test_duplicate_rule_ids_and_missing_version_are_refused() -> None:
    assert [r.id for r in parse_rules({"version": "1", "rules": [VALID]}).rules] == ["x"]
    with pytest.raises(RulesFileError, match="duplicated"):
        parse_rules({"version": "1", "rules": [VALID, VALID]})
    with pytest.raises(RulesFileError, match="version"):
        parse_rules({"rules": [VALID]})


RULES = load_rules().rules


@pytest.mark.parametrize(
    ("rule_id", "sentence"),
    [(rule.id, sentence) for rule in RULES for sentence in rule.examples],
)
def test_each_rule_finds_its_own_examples(rule_id: str, sentence: str) -> None:
    rule = next(r for r in RULES if r.id == rule_id)

    findings = [f for f in check_text(sentence, scopes={"science"}) if f.rule == rule_id]

    assert findings
    assert {f.severity for f in findings} == {rule.severity}
    assert all(sentence[f.start : f.end] == f.text for f in findings)


@pytest.mark.parametrize(
    ("rule_id", "sentence"),
    [(rule.id, sentence) for rule in RULES for sentence in rule.clean],
)
def test_each_rule_leaves_its_look_alikes_alone(rule_id: str, sentence: str) -> None:
    assert [f.text for f in check_text(sentence, scopes={"science"}) if f.rule == rule_id] == []


def test_every_legal_basis_the_catalogue_promises_is_cited() -> None:
    references = " ".join(rule.reference for rule in RULES)

    for basis in (
        "《广告法》第九条",
        "第十六条第一款第（一）项",
        "第十六条第一款第（二）项",
        "第十六条第一款第（三）项",
        "第十六条第一款第（四）项",
        "《广告法》第十七条",
        "《广告法》第十九条",
        "第二十八条",
        "《医疗广告管理办法》第七条",
        "《互联网广告管理办法》第八条",
        "《医疗广告认定指南》（2025）",
    ):
        assert basis in references, basis


def test_a_match_never_spans_two_sentences() -> None:
    # a rule whose gap would read across 。 and ！ if the checker let it
    ruleset = parse_rules({"version": "1", "rules": [VALID | {"patterns": ["患者.{0,6}好了"]}]})

    within = check_report("这位患者的病好了", ruleset=ruleset).findings
    across = check_report("门诊患者很多。病好了就停药！患者，好了", ruleset=ruleset).findings

    assert [f.text for f in within] == ["患者的病好了"]
    assert [(f.start, f.text) for f in across] == [(14, "患者，好了")]


def test_chinese_punctuation_is_not_folded_so_clause_gaps_hold() -> None:
    # ，is not folded to "," (a rule's [^，。；！？] gap stops at it); ％ and digits are
    assert _blocking_rules("治愈率达９５％") == ["ad16-rate"]
    assert _blocking_rules("有效率因人而异，约30%") == []


# --- claims spelled to slip past the rules (cms/textnorm.py) -------------------------------
@pytest.mark.parametrize(
    ("sentence", "rule", "written"),
    [
        ("三个月根\u200b治脱发", "ad16-guarantee", "根\u200b治"),  # zero-width space
        ("三个月根\u200d治脱发", "ad16-guarantee", "根\u200d治"),  # zero-width joiner
        ("三个月根\ufeff治脱发", "ad16-guarantee", "根\ufeff治"),  # BOM
        ("三个月根\u00ad治脱发", "ad16-guarantee", "根\u00ad治"),  # soft hyphen
        ("三个月根 治脱发", "ad16-guarantee", "根 治"),
        ("三个月根\u3000治脱发", "ad16-guarantee", "根\u3000治"),
        ("三个月根 · 治脱发", "ad16-guarantee", "根 · 治"),
        ("三个月根＊治脱发", "ad16-guarantee", "根＊治"),
        ("三個月根治脫髮", "ad16-guarantee", "根治"),  # traditional characters
        ("療效顯著，保證療效", "ad16-guarantee", "保證療效"),
        ("治癒率９５％", "ad16-rate", "治癒率９５％"),
        ("全市最\u200b先进的设备", "ad9-absolute", "最\u200b先进"),
        # issue 17 review: hyphens, slashes and bars of any width, emoji, symbols and
        # combining marks between two Chinese characters
        ("三个月根-治脱发", "ad16-guarantee", "根-治"),
        ("三个月根－治脱发", "ad16-guarantee", "根－治"),
        ("三个月根‐治脱发", "ad16-guarantee", "根‐治"),
        ("三个月根–治脱发", "ad16-guarantee", "根–治"),
        ("三个月根—治脱发", "ad16-guarantee", "根—治"),  # one em dash inside a word
        ("三个月根/治脱发", "ad16-guarantee", "根/治"),
        ("三个月根／治脱发", "ad16-guarantee", "根／治"),
        ("三个月根\\治脱发", "ad16-guarantee", "根\\治"),
        ("三个月根|治脱发", "ad16-guarantee", "根|治"),
        ("三个月根｜治脱发", "ad16-guarantee", "根｜治"),
        ("三个月根😊治脱发", "ad16-guarantee", "根😊治"),
        ("三个月根👍🏻治脱发", "ad16-guarantee", "根👍🏻治"),  # emoji with a skin tone
        ("三个月根★治脱发", "ad16-guarantee", "根★治"),
        ("三个月根^治脱发", "ad16-guarantee", "根^治"),
        ("三个月根\u034f治脱发", "ad16-guarantee", "根\u034f治"),  # combining grapheme joiner
        ("三个月根\u0301治脱发", "ad16-guarantee", "根\u0301治"),  # combining acute
        ("三个月根 - / 😊 治脱发", "ad16-guarantee", "根 - / 😊 治"),
    ],
)
def test_a_claim_spelled_oddly_is_found_and_reported_as_written(sentence, rule, written):
    findings = [f for f in check_text(sentence) if f.rule == rule]

    assert [f.text for f in findings] == [written]
    assert sentence[findings[0].start : findings[0].end] == written


@pytest.mark.parametrize(
    "sentence",
    [
        "头发 治疗需要耐心",  # a space between two ordinary words joins nothing forbidden
        "糖尿病患者 · 饮食要点",
        "有效率因人而異，約30%",
        "2型/1型糖尿病的区别",
        "血糖/血压都要定期监测",
        "不能根治——但可以长期控制",  # a 破折号 (two dashes) ends a clause
        "熬夜|作息|饮食",
    ],
)
def test_normalising_does_not_make_clean_sentences_blocking(sentence):
    assert _blocking_rules(sentence) == []


# --- round 5: the lexicon, shared exceptions, grammar rules -------------------------------
def test_a_lexicon_entry_stands_for_its_words_wherever_a_pattern_names_it() -> None:
    ruleset = parse_rules(
        {
            "version": "1",
            "lexicon": {"commit": ["一定", "保准"], "outcome": ["长出", "睡好"]},
            "rules": [VALID | {"patterns": ["{commit}能{outcome}"], "exceptions": ["不{commit}"]}],
        }
    )

    found = [
        f.text
        for s in ("一定能长出", "保准能睡好", "不一定能长出")
        for f in check_report(s, ruleset=ruleset).findings
    ]

    assert found == ["一定能长出", "保准能睡好"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"rules": [VALID | {"patterns": ["{missing}能"]}]}, "unknown lexicon entry"),
        ({"lexicon": {"Bad": ["a"]}, "rules": [VALID]}, "lexicon"),
        ({"lexicon": {"empty": []}, "rules": [VALID]}, "lexicon"),
    ],
)
def test_a_lexicon_mistake_is_refused_at_load_time(data: dict, error: str) -> None:
    with pytest.raises(RulesFileError, match=error):
        parse_rules({"version": "1"} | data)


def test_a_regex_quantifier_is_not_read_as_a_lexicon_entry() -> None:
    ruleset = parse_rules({"version": "1", "rules": [VALID | {"patterns": ["患者[^，]{0,2}好了"]}]})

    assert [f.text for f in check_report("患者都好了", ruleset=ruleset).findings] == ["患者都好了"]


def test_shared_exceptions_apply_to_every_rule_unless_it_opts_out() -> None:
    ruleset = parse_rules(
        {
            "version": "1",
            "common_exceptions": ["警惕[^。]{0,8}"],
            "rules": [
                VALID | {"id": "shares", "patterns": ["根治"]},
                VALID | {"id": "own", "patterns": ["根治"], "common_exceptions": False},
            ],
        }
    )

    assert [f.rule for f in check_report("警惕根治广告", ruleset=ruleset).findings] == ["own"]


@pytest.mark.parametrize(
    "sentence",
    [
        "看到“包治百病”“七天根治”的广告，一定要提高警惕",
        "某些机构宣传“无效退款”，患者应理性看待",
        "不要相信“一次植发，终身受益”的说法",
        "网上流传的“三天停掉胰岛素”说法是错误的",
    ],
)
def test_a_claim_quoted_to_warn_against_it_is_not_the_pages_claim(sentence: str) -> None:
    assert _blocking_rules(sentence) == []


def test_a_quoted_keyword_to_send_is_still_a_call_to_act_on_a_science_page() -> None:
    assert "ad19-cta" in _blocking_rules("后台回复“失眠”领取助眠方案", scopes={"science"})


def test_a_quote_and_its_attribution_dash_are_one_sentence() -> None:
    sentence = "“以前吃多少降糖药都没用，在这里调了两个月就稳了。”——糖友老周"

    findings = [f for f in check_text(sentence) if f.rule == "ad16-testimonial"]

    assert findings
    assert findings[0].text.endswith("糖友老周")


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        # a commitment word x an outcome
        ("放心交给我们，您的头发一定能回来", "ad16-guarantee"),
        # a peer institution x a comparative, told as two clauses
        ("人家医院需要做三次，我们一次就够", "ad16-comparison"),
        # an endorser class x a verify/visit verb
        ("北京三甲医院的主任医师每周来我院坐诊", "ad16-endorsement"),
        # a whole-group quantifier x recovery, by double negation
        ("在我院植发的顾客，没有一位不长出新发的", "ad16-cohort"),
        # a drug class x stop
        ("失眠调好后，安眠药自然就可以不用了", "ad16-stop-medicine"),
        # a time span of days x an effect
        ("用了喷雾，掉发当天就少了一大半", "ad16-instant"),
        # a treatment period x a promised outcome
        ("坚持十天，血糖轻松回到正常范围", "mad7-timeline"),
        # two time points x an outcome state
        ("三个月前头顶稀疏，三个月后已经看不出来了", "ad16-before-after"),
        # (2026.11.8) a treatment or drug as the yardstick; a failure elsewhere, then success here
        ("草本调理胜过西药控糖", "ad16-comparison"),
        ("在别家医院调了两年没效果，来我们这里三周就睡踏实了", "ad16-comparison"),
        # a region x only we
        ("这项微针生发技术全市只有我们能做", "ad9-absolute"),
        # measured values before and after; a picture offered as proof
        ("减肥前160斤，用了我们的代餐后只剩110斤", "ad16-before-after"),
        ("植发一年后的效果如下图", "ad16-before-after"),
        # the same day twice x an effect; a period x kilos lost
        ("当天植发当天就能长头发", "ad16-instant"),
        ("一个月瘦15斤，不用节食", "mad7-timeline"),
        # long-term use x no harm at all
        ("这款降压贴长期使用也没有任何副作用", "ad16-safety"),
        # our patients as a whole x an outcome; an average gain in percent
        ("在本中心调理的糖友都达标了", "ad16-cohort"),
        ("患者深睡眠平均提高了45%", "ad16-rate"),
        # word of mouth introducing an outcome
        ("糖友口碑推荐：在这里调了两个月，血糖稳住了", "ad16-testimonial"),
    ],
)
def test_each_grammar_finds_a_wording_no_keyword_names(sentence: str, rule: str) -> None:
    assert rule in _blocking_rules(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "规律作息可能有助于减少复发",  # hedge
        "没有哪家医院能保证植发后头发一定长回来",  # negation
        "与磺脲类药物相比，二甲双胍较少引起低血糖",  # a drug comparison from the guidelines
        "指南由多家三甲医院的专家共同制定",  # guideline mention
        "能否停药要由医生根据复查结果判断",  # advice
        "术后第二天就能恢复正常工作",  # a fact about recovery from surgery
        "三个月前开始用药，三个月后需要复查肝功能",  # two time points, no outcome
        "研究显示约七成患者经认知行为治疗后睡眠改善",  # a population statistic
        # (2026.11.8)
        "任何医院都不能承诺植发百分之百成活",  # a promise nobody can make
        "明星为保健品代言的，依法要承担连带责任",  # the law's verdict
        "网传偏方不能替代正规治疗",  # no substitute for proper care
        "不要期望植发当天就能看到效果",  # a wait warned against
        "慢性病谈不上“根治”，重在长期控制",  # a quoted claim denied
        "没有哪种降糖药是唯一正确的选择，要看个体情况",  # a negated 唯一
        "研究显示，认知行为疗法的长期效果优于安眠药",  # research reported
        "控糖目标是把糖化从9%降到7%以下",  # a target, not a story
        "银屑病很难做到零复发",  # a negated zero recurrence
    ],
)
def test_each_grammar_leaves_hedged_negated_and_factual_twins_alone(sentence: str) -> None:
    assert _blocking_rules(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "blocked"),
    [
        ("出现意识不清时请立即拨打120急救电话", False),  # an emergency number is no clinic's
        ("遇到心理危机可拨打12356心理援助热线", False),
        ("对医疗服务有疑问可拨打12320卫生热线", False),
        ("警惕“扫码领取免费体检”之类的骗局", False),  # a warning against a contact scam
        ("不要轻信短信里“加微信免费问诊”的邀请", False),
        ("请拨打120以外的本院热线预约", True),  # the clinic's own line is still a contact
        ("当心错过优惠，扫码立即领取", True),  # 当心错过 is a call to act, not a warning
        ("后台回复“失眠”领取助眠方案", True),
    ],
)
def test_public_numbers_and_scam_warnings_are_not_a_clinics_contact(
    sentence: str, blocked: bool
) -> None:
    assert bool(_blocking_rules(sentence, scopes={"science"})) is blocked


# (2026.12.1) found by the background corpus of lawful clinic text (docs/compliance.md, round 7)
QUESTIONS_AND_THEIR_CLAIMS = [
    ("血糖正常了可以停药吗", "血糖正常了就可以停药了"),
    ("米诺地尔能停吗？停了会不会又掉？", "用了三个月，米诺地尔就能停了"),
    ("生物制剂打了就不会复发了吧？", "生物制剂打了就不会复发了"),
    ("尿酸降下来了药能停吗？", "尿酸降下来，药就都能停了"),
]


@pytest.mark.parametrize(("question", "claim"), QUESTIONS_AND_THEIR_CLAIMS)
def test_a_patients_question_is_not_a_claim_but_its_answer_as_a_promise_is(
    question: str, claim: str
) -> None:
    def blocked(text: str) -> bool:
        return check_report(text, second_reader=False).has_blocking

    assert not blocked(question)
    assert blocked(claim)
    # a question before a claim does not excuse the claim
    assert blocked(f"{question}？{claim}。")


@pytest.mark.parametrize("text", ["我们的疗效好着呢", "效果好得很吧"])
def test_an_emphatic_ending_is_not_a_question(text: str) -> None:
    assert check_report(f"三天见效，{text}", second_reader=False).has_blocking


def test_the_emergency_number_by_its_name_is_not_the_clinics_contact() -> None:
    science = {"science"}

    assert not check_report("如有紧急情况请立即拨打急救电话", scopes=science).has_blocking
    assert not check_report("胸痛不缓解时请呼叫急救中心", scopes=science).has_blocking
    assert check_report("夜间不适可拨打我院急救电话", scopes=science).has_blocking
