"""Issue 17 point 2, round 28: the evasions the round-2 claims tester left open are refused
(a rival's denial, a promise a sentence of its own, slogans in any bracket or after a dash, a
question mark or an arrow, the impossible cure reclaimed in ASCII marks, from others or after
a full stop, the cured as a group reaching a share, ten and nine, our treatment on the next
line after a figure, consultations offered on 科普 in other words), and their lawful siblings
pass."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from tests.cms.compliance_support import growth_ratio


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a rival's denial says we do: the clause after it is our claim
        ("别家不敢保证，每位患者都能长出头发", "ad16-cohort"),
        ("其他医院都不能保证，每位患者都能长出头发", "ad16-cohort"),
        ("别的医院不敢承诺，一定能治好", "ad16-guarantee"),
        ("别家医院不敢保证，每位患者都能长出头发", "ad16-cohort"),
        ("别家不敢保证，我们敢。", "ad16-comparison"),
        ("别的医院不能保证，本院可以。", "ad16-comparison"),
        # the promise a sentence of its own, the outcome the next
        ("我们保证！您的头发会重新长出来", "ad16-guarantee"),
        ("我们保证。您的头发会重新长出来", "ad16-guarantee"),
        # slogans in any bracket, after a dash, a question mark or an arrow
        ("（治愈脱发）", "ad16-guarantee"),
        ("《脱发治愈》", "ad16-guarantee"),
        ("脱发——治愈！", "ad16-guarantee"),
        ("脱发？治愈！", "ad16-guarantee"),
        ("脱发→治愈", "ad16-guarantee"),
        ("脱发->治愈", "ad16-guarantee"),
        ("〈治愈脱发〉", "ad16-guarantee"),
        ("失眠……治愈！", "ad16-guarantee"),
        ("脱发能根治吗？根治！", "ad16-guarantee"),
        # the impossible cure reclaimed: ASCII marks, others set aside, after a full stop
        ("根治脱发是不可能的?错!我院可以.", "ad16-denial-reclaimed"),
        ("都说脱发不能根治？那是别人，我院可以。", "ad16-denial-reclaimed"),
        ("脱发无法根治？那是过去。现在我院可以。", "ad16-denial-reclaimed"),
        ("脱发不能根治？那是别人。我院可以。", "ad16-denial-reclaimed"),
        ("根治脱发是不可能的？本院早已做到。", "ad16-denial-reclaimed"),
        # the cured as a group reaching a share or a count, a half or more cured, ten and nine
        ("痊愈者达九成", "ad16-cohort"),
        ("治愈者达三千", "ad16-cohort"),
        ("九成以上痊愈", "ad16-cohort"),
        ("八成患者治愈", "ad16-cohort"),
        ("十人九愈", "ad16-cohort"),
        ("十之八九痊愈", "ad16-cohort"),
        # our treatment on the next line of the paragraph after a figure
        ("研究显示米诺地尔有效率约60%。\n本院提供米诺地尔治疗。", "ad16-rate"),
        ("研究显示米诺地尔有效率约60%。\n欢迎来本院用米诺地尔治疗。", "ad16-rate"),
    ],
)
def test_the_round_28_evasions_are_refused(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "王主任帮您面诊。",
        "王主任替您面诊。",
        "王主任为您做面诊。",
        "王主任为您进行面诊。",
        "王主任为您提供面诊。",
        "在线为您答疑。",
        "给您看看头皮。",
        "与您面对面交流病情。",
        "在线为你免费答疑。",
        "主任可以帮您看一下头皮。",
        "欢迎与我们面对面交流。",
    ],
)
def test_consultations_offered_in_other_words_are_refused_on_science(text) -> None:
    assert "ad19-cta" in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        # our own or anyone's denial stays lawful
        "我们无法保证，每位患者的头发都能长出来。",
        "任何医院都不能保证，每位患者都能长出头发。",
        "我们不保证。头发能否长出因人而异。",
        # titles and questions that only name a treatment
        "《脱发治疗指南》",
        "（治疗脱发）",
        "不要相信“治愈脱发”。",
        "脱发能根治吗？目前不能。",
        "脱发能根治吗？那是过去的说法。",
        "脱发无法根治？那是过去。现在医生更重视长期管理。",
        # a study's shares, said roughly or naturally recovering
        "研究显示，约九成患者治愈。",
        "斑秃患者中约八成能在一年内自行恢复。",
        "急性失眠九成以上可以自行缓解。",
        "十之八九的失眠与情绪有关。",
        "任何一家医院都不能保证，每位患者都能长出头发。",
        "脱发……治疗要坚持。",
        "我们不敢保证，我们能做的是规范治疗。",
        "我们无法保证，但我们可以帮您控制病情。",
        # a figure and our offer in separate paragraphs, or a figure and advice
        "研究显示米诺地尔有效率约60%。\n\n本院提供米诺地尔治疗。",
        "研究显示米诺地尔有效率约60%。\n坚持用药三个月后再评估。",
        # a byline of ours reporting a study
        "本院李医生说，研究发现米诺地尔有效率约为40%~60%。",
    ],
)
def test_their_lawful_siblings_pass(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "王主任为您诊断的思路是先看头皮。",
        "面诊时医生会给你看看头皮。",
        "复诊时医生会与您面对面交流病情。",
        "医生会在复诊时一对一解答您的疑问。",
        "面诊时医生会帮你看一下头皮。",
        "患者可以与医生面对面交流病情。",
    ],
)
def test_a_visit_told_passes_on_science(text) -> None:
    assert _blocking(text, scopes={"science"}) == set()


@pytest.mark.parametrize(
    "text",
    [
        "本院李医生说，本院疗法有效率约为95%。",
        "本院李医生说，我们的疗法有效率95%。",
    ],
)
def test_a_reported_byline_does_not_excuse_our_result(text) -> None:
    assert "ad16-rate" in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    "unit",
    ["研究显示米诺地尔有效率约60%。\n", "脱发？治愈！", "那是过去。", "别家不敢保证，"],
)
def test_the_round_28_readings_stay_linear(unit) -> None:
    assert growth_ratio(lambda n: (unit * n)[:n]) < 9
