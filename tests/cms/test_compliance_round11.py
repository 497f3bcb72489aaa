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
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_denial_asked_and_confirmed_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()
