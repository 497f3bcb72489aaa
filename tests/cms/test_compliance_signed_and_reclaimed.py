"""The second round of fresh testers on issue 17 point 2: a byline names who signs a text, not
our result; a denied promise governs the clause after its comma; and the evasions they found
(a rate said roughly, the cured counted after a label, a promise across a semicolon or a dash,
cure slogans in banners, the impossible cure reclaimed after 错！ or as our reply, a named
doctor offering a consultation on 科普) are refused."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from tests.cms.compliance_support import growth_ratio


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    "text",
    [
        # a byline before its colon, the study after it: one sentence, then over two lines
        "本院皮肤科李医生提醒：研究表明米诺地尔的有效率约为40%至60%。",
        "本院皮肤科李医生提醒：\n研究表明米诺地尔的有效率约为40%至60%。",
        "我院内分泌科王主任介绍：研究显示，二甲双胍的有效率约为七成。",
        # a label's value names us, the study on the next line
        "作者：本院睡眠医学中心 周主任医师\n研究表明，失眠认知行为疗法的有效率约为七成。",
    ],
)
def test_a_byline_of_ours_over_a_study_cited_passes(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "李医生提醒：本院数据显示有效率95%。",  # ours after the colon is our result
        "本院专家团队研究发现：研究表明有效率95%。",  # ours that researched is no signature
        "来源：本院数据\n研究表明有效率95%。",  # a source is no byline
        "研究表明有效率95%。本院开展该疗法。",  # our treatment presented after the figure
    ],
)
def test_ours_outside_a_byline_still_voids_the_study_excuse(text) -> None:
    assert "ad16-rate" in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        # written for this test, not in the corpus the second reader learns from
        "作者：本院皮肤科 王晓梅 副主任医师",
        "专家简介：陈思远，本院内分泌科主任医师，从事糖尿病诊疗二十余年。",
        "糖尿病不可怕，及早干预效果更好。",
        "临床上我们发现，不少脱发患者同时有睡眠问题。",
        "失眠不可怕，可怕的是乱吃偏方加重了病情。",
    ],
)
def test_bylines_bios_and_encouragement_pass_both_readers(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "我们无法保证，每位患者的头发都能长出来。",
        "我们不承诺，治疗一定有效。",
        "谁也不能保证：每个人都能治好。",
        "医生不敢保证，每个人都能停药。",
        "我们无法保证；每位患者都能治愈。",  # a semicolon (second tester)
    ],
)
def test_a_denied_promise_governs_the_clause_after_its_comma(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "我们不敢保证，但一定有效。",  # the clause turns the denial round
        "我们不承诺，我们保证治愈。",
        "我们不能保证每个人都有效，但我们保证治愈脱发。",
    ],
)
def test_a_denied_promise_turned_round_is_still_a_promise(text) -> None:
    assert "ad16-guarantee" in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("本院开展该疗法。研究表明有效率约95%。", "ad16-rate"),
        ("有效率约95%。", "ad16-rate"),
        ("治愈率大约九成。", "ad16-rate"),
        ("约九成患者痊愈。", "ad16-cohort"),
        ("大约80%的患者都治好了。", "ad16-cohort"),
        ("累计治愈：3000例", "ad16-cohort"),
        ("治愈 3000 例", "ad16-cohort"),
        ("康复：2000例", "ad16-cohort"),
        ("痊愈三千余例", "ad16-cohort"),
        ("我们保证；您的头发会重新长出来。", "ad16-guarantee"),
        ("我们保证……您的头发会重新长出来。", "ad16-guarantee"),
        ("我们保证——您的头发会重新长出来。", "ad16-guarantee"),
        ("我们保证~您的头发会重新长出来", "ad16-guarantee"),
        ("【治愈脱发】", "ad16-guarantee"),
        ("脱发治愈", "ad16-guarantee"),
        ("脱发，治愈！", "ad16-guarantee"),
        ("白癜风治好了！", "ad16-guarantee"),
        ("根治脱发是不可能的？错！我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？错！\n我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？那是过去，现在我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？\n那是过去，现在我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？我们的回答：可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？我们说：能。", "ad16-denial-reclaimed"),
        # the second tester's siblings
        ("别家不敢保证，在我院每位患者都能长出头发。", "ad16-cohort"),
        ("他们不能保证，咱们的患者个个都能长出头发。", "ad16-cohort"),
        ("累计治愈 3,000 例", "ad16-cohort"),
        ("根治脱发是不可能的？大错特错！我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？错了！我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？错！！我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？过时了，我院可以。", "ad16-denial-reclaimed"),
    ],
)
def test_the_round_two_evasions_are_refused_by_the_rules(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "约三成失眠患者同时存在焦虑。",
        "停药后一年内复发率约50%。",
        "改善情况：约30%的患者睡眠有所改善",
        "康复20天后可以恢复运动。",
        "一项研究纳入120名患者，治愈80例。",
        "要保证；每天睡够七个小时。",
        "脱发治愈需要时间。",
        "如何让脱发治愈？",
        "【脱发的治疗】",
        "根治脱发是不可能的吗？错！目前确实不能根治。",
        "脱发能根治吗？不！\n目前还不能，需要长期管理。",
        "脱发能根治吗？错了！目前还不能。",
    ],
)
def test_their_lawful_look_alikes_pass(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text", ["王主任为您面诊。", "李医生将亲自为您看诊", "周明医生，一对一为您问诊"]
)
def test_a_named_doctor_offering_a_consultation_is_a_call_to_action_on_science(text) -> None:
    assert "ad19-cta" in _blocking(text, scopes={"science"}, second_reader=False)
    assert "ad19-cta" not in _blocking(text, second_reader=False)  # an ad may offer it


@pytest.mark.parametrize(
    "text",
    ["王主任为您讲解脱发的原因。", "李医生为您解答常见问题。", "王医生给您面诊时会先看头皮。"],
)
def test_a_named_doctor_explaining_passes_on_science(text) -> None:
    assert _blocking(text, scopes={"science"}) == set()


@pytest.mark.parametrize(
    "unit",
    ["本院李医生提醒：", "我们保证；", "？错！", "作者：本院李主任 "],
)
def test_the_new_readings_are_linear(unit) -> None:
    assert growth_ratio(lambda n: (unit * n)[:n]) < 9
