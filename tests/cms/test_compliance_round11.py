"""Issue 17, round 11 of the checker (docs/compliance.md): what the closing verification found.
A cure denied in a question and reclaimed for us in the answer (「都说脱发不能根治？我们做到了」),
on one line or the next. Every case goes through the real checker, with the lawful look-alikes
(a denial asked and confirmed, a question answered by advice) that must still pass with both
readers."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


@pytest.mark.parametrize(
    "text",
    [
        "都说脱发不能根治？我们做到了。",
        "没有方法能彻底治愈脱发？张主任用十年证明了相反的结论。",
        "没有药能根治糖尿病？本院的新疗法就是例外。",
        "都说糖尿病治不好？在我们这里不一样。",
        "都说失眠没法根治？张主任偏不信。",
        "失眠治不好？我院的方案打破了这个说法。",
        "都说脱发不能根治?我们做到了",  # ASCII question mark
        "都说脱发不能根治？\n我们做到了。",  # the answer on the next line
        "都说脱发不能根治？我们偏偏做到了。",
        "脱发真的不能根治吗？在我们这里可以。",  # an FAQ answer read with its question
        # the no-cure statement called a myth, outdated, or the fault of the wrong doctor
        "别人说不能根治，那是他们没找对地方。",
        "脱发不能根治？那是你还没遇到张主任。",
        "失眠治不好？那是没找对医生。",
        "很多医生说糖尿病不能根治，我们不这么认为。",
        "所谓“不能根治”，只是你没找到正确的方法。",
        "脱发不能根治是个误区。",
        "“失眠不能根治”是最大的谎言。",
        "“脱发不能根治”的说法已经过时。",
        "糖尿病无法治愈？这种说法早就过时了。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_denial_asked_and_reclaimed_for_us_blocks(text: str, second_reader: bool) -> None:
    assert "ad16-denial-reclaimed" in _blocking(text, second_reader=second_reader)


@pytest.mark.parametrize(
    "text",
    [
        "没有方法能彻底治愈脱发？目前确实没有，但可以控制。",
        "脱发能根治吗？目前还不能，但规范治疗可以长期控制。",
        "都说脱发不能根治？这是真的，但医生可以帮你长期控制。",
        "糖尿病治不好？确实如此，但医生可以帮你把血糖控制好。",
        "失眠治不好？医生说：别急，认知行为治疗可以改善。",
        "糖尿病治不了？医生建议先控制饮食、规律运动。",
        "失眠能不能不吃药改善？很多患者通过认知行为治疗做到了。",
        "糖尿病和糖尿病前期有什么不同？两者的诊断标准不一样。",
        "为什么有些人坚持锻炼能控制血糖？他们做到了饮食和运动的平衡。",
        "脱发不能根治，这是目前医学界的共识。",
        "失眠治不好？那是因为没有坚持规范治疗，需要长期管理。",
        "“脱发能根治”是个误区。",
        "认为糖尿病不能治疗、干脆放弃，是个误区。",
        "有人说糖尿病治不好就不用管了，这是错误的：规范治疗能减少并发症。",
        "脱发真的不能根治吗？是的，但可以控制。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_denial_asked_and_confirmed_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


# An FAQ's question and a short answer are read as one sentence (the answer is what the
# question claims), so the answer's claim is found with its subject.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("来这里治疗后能停胰岛素吗？大部分患者三个月后就停了。", "ad16-question-claim"),
        ("成功率高吗？接近百分之百。", "ad16-rate"),
        ("没效果怎么办？全额退。", "ad16-refund"),
        ("没效果怎么办？\n全额退。", "ad16-refund"),
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_short_answer_is_read_with_its_question(text: str, rule: str, second_reader) -> None:
    assert rule in _blocking(text, scopes=(), second_reader=second_reader)


@pytest.mark.parametrize(
    "text",
    [
        "胰岛素能停吗？要看胰岛功能，须由医生评估后决定。",
        "成功率高吗？因人而异。",
        "没效果怎么办？及时复诊，调整方案。",
        "会复发吗？可能会，需要长期管理。",
        "费用能报销吗？部分项目可以。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_short_lawful_answer_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, scopes=(), second_reader=second_reader) == set()


# Slogans of kinds the rules did not describe: a gain in percent or times, a period that
# witnesses the change, the crowd as proof, the last stop, the ailment made history, a
# homophone in 药到病除.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("睡眠质量提升300%。", "ad16-rate"),
        ("发量增加两倍，看得见的改变。", "ad16-rate"),
        ("28天见证改变。", "mad7-timeline"),
        ("三个疗程见证奇迹。", "mad7-timeline"),
        ("上万患者的共同选择。", "ad16-cohort"),
        ("10万+糖友的信赖。", "ad16-cohort"),
        ("用过的人都说好。", "ad16-cohort"),
        ("谁用谁知道。", "ad16-cohort"),
        ("这里是很多脱发患者的最后一站。", "ad9-absolute"),
        ("让失眠成为历史。", "ad16-permanence"),
        ("脱发从此成为过去式。", "ad16-permanence"),
        ("药倒病除。", "ad16-guarantee"),
        ("药道病除。", "ad16-guarantee"),
    ],
)
def test_slogans_of_new_kinds_block(text: str, rule: str) -> None:
    assert rule in _blocking(text, scopes=())


@pytest.mark.parametrize(
    "text",
    [
        # the fresh verifier's false blocks: a refutation, a guideline's first line, the shock
        # loss after a transplant, a doctor's honest limit
        "有人说脱发能根治，这是不对的。",
        "网上说“白发可以逆转”，目前缺乏可靠证据。",
        "治疗失眠最有效的方法是认知行为治疗，而不是长期吃安眠药。",
        "头发移植术后，移植的头发通常会先脱落，三到四个月后重新长出。",
        "作为医生，我们能做的是帮助患者控制病情，而不是承诺治愈。",
        # look-alikes of the new patterns
        "研究显示，规律运动可使睡眠质量提升约20%。",
        "我国有上万名医生参与了这项糖尿病防治培训。",
        "熬夜的危害不会成为过去，规律作息要坚持。",
        "倒药时请看清剂量。",
        "这种药到底有没有用？没用就别吃了。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_lawful_look_alikes_of_round_11_pass(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("十年脱发，一朝解决。", "mad7-timeline"),
        ("二十多年的老失眠，一个疗程就搞定。", "mad7-timeline"),
        ("院长亲自主刀，万无一失。", "ad16-guarantee"),
        ("植发十拿九稳。", "ad16-guarantee"),
        ("血糖稳如泰山。", "ad16-guarantee"),
        ("谁告诉你脱发不能根治的？", "ad16-question-claim"),
        ("谁跟你说失眠治不好？", "ad16-question-claim"),
    ],
)
def test_idioms_of_certainty_and_years_ended_at_once_block(text: str, rule: str) -> None:
    assert rule in _blocking(text, scopes=())


@pytest.mark.parametrize(
    "text",
    [
        "没有哪种手术是万无一失的，术前要充分沟通。",
        "用药前核对剂量，做到万无一失。",
        "谁告诉你脱发要先看皮肤科？指南是这样建议的。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_their_lawful_look_alikes_pass(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


def test_a_long_illness_not_ended_at_once_passes_the_rules() -> None:
    # the second reader (the model) blocks this lawful sentence already on 1ad62b4: a known
    # false block of the model, left in docs/compliance.md round 11; the rules must pass it
    assert _blocking("二十年的失眠，不是一朝一夕能解决的。") == set()


def test_a_refusal_names_each_wording_once() -> None:
    """A question and its answer on two lines are a finding on each line with the same
    wording; the refusal message says it once (fourth verification LOW)."""
    from cms.compliance.gate import _summary

    report = check_report("都说脱发不能根治？\n我们做到了。", scopes=SCIENCE, second_reader=False)
    assert {f.line for f in report.blocking} == {1, 2}
    assert _summary(report).count("不能根治？我们做到了") == 1


@pytest.mark.parametrize(
    "text", ["手术费多少？一万五千元上下。", "费用大概多少？三千左右。", "多少钱？\n两千块钱左右。"]
)
def test_a_price_asked_and_answered_blocks_on_a_science_page(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


@pytest.mark.parametrize(
    "text", ["治疗要多久？三个月上下。", "要吃几片？一片。", "费用能报销吗？部分可以。"]
)
def test_a_question_answered_with_no_price_passes(text: str) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        # the fifth verification's false blocks
        "目前的治疗目标是延缓进展、改善外观，而不是彻底根除。",
        "在病友群分享经历时，请隐去姓名、住址和联系电话等个人信息。",
        "如发现有人以“包治”“无效退款”为名推销治疗，请提高警惕并向市场监管部门举报。",
        "医保报销比例各地不同，具体请咨询当地医保经办机构。",
        "我们不承诺疗效，也不提供“无效退款”之类的保证。",
        "本文不提供任何联系方式，也不接受线上问诊。",
        "遇到自称医生、要求添加微信的陌生人，请不要透露个人健康信息。",
        "有患者问能不能一次根治，医生的回答是：目前做不到，需要长期管理。",
        # siblings
        "晒化验单时记得给手机号打码。",
        "有人打着“祖传秘方”的旗号兜售生发水，千万别信。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_lawful_sentences_of_the_fifth_verification_pass(text: str, second_reader) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


@pytest.mark.parametrize(
    "text",
    [
        "我们的目标是彻底根除脱发，而不是暂时缓解。",
        "加微信hair2024，发照片时请隐去姓名。",
        "本院提供无效退款保证。",
        "脱发能不能一次根治？能！",
        "具体请咨询我院医生。",
    ],
)
def test_their_claiming_siblings_still_block(text: str) -> None:
    assert _blocking(text) != set()
