"""A figure cited as someone else's holds only when nothing of ours is in its sentence, and a
block cut after a comma is read with the next one by the second reader too (issue 17
re-verification, point 2)."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report, check_text
from tests.cms.compliance_support import growth_ratio


def _blocking_rules(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    "text",
    [
        "本院研究表明有效率95%。",  # a citing verb after our name
        "在本院，研究报告有效率95%。",  # ours earlier in the sentence, a comma between
        "张主任团队的研究报告有效率95%。",  # ours not written as 本/我
        "我们的研究发现治愈率达98%。",
        "院内数据显示，治愈率96%。",
    ],
)
def test_our_own_study_is_our_result_for_the_rules_alone(text) -> None:
    assert "ad16-rate" in _blocking_rules(text, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "有研究报告米诺地尔的有效率约为40%至60%。",
        "研究表明，失眠认知行为疗法的有效率约为七成。",
        "研究显示，我们每个人的睡眠需求不同，约三成失眠患者同时存在焦虑。",
    ],
)
def test_a_study_cited_with_nothing_of_ours_passes(text) -> None:
    assert _blocking_rules(text) == set()


@pytest.mark.parametrize(
    "head",
    ["院内合格率100%", "张主任团队合格率100%", "本院随访完成率100%"],
)
def test_a_share_of_ours_over_a_cure_reads_on(head) -> None:
    rules = _blocking_rules(f"{head}\n治愈各类失眠", second_reader=False)
    assert rules & {"ad16-cohort", "ad16-guarantee"}


@pytest.mark.parametrize(
    "text",
    ["接诊例数3000例\n治愈各类失眠", "接诊例数3000例治愈各类失眠", "痊愈情况：100%"],
)
def test_counts_and_labelled_shares_of_the_cured(text) -> None:
    assert _blocking_rules(text, second_reader=False)


def test_a_block_cut_after_a_comma_is_read_whole_by_the_second_reader() -> None:
    # given 「交给我们，」 over 「剩下的不用担心」: no rule reads it, nor the model each line alone
    text = "交给我们，\n剩下的不用担心"
    assert _blocking_rules(text, second_reader=False) == set()
    assert _blocking_rules("交给我们，") == _blocking_rules("剩下的不用担心") == set()
    # then the second reader, reading the two as one sentence, stops it on the second line
    found = [f for f in check_text(text) if f.blocking]
    assert [(f.rule, f.line, f.text) for f in found] == [
        ("model-claim", 2, "交给我们，剩下的不用担心")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "失眠的治疗\n认知行为治疗是首选。",
        "提醒大家，\n失眠需要规范治疗。",
        "温馨提示：\n控糖要循序渐进。",
    ],
)
def test_headings_and_lawful_cut_clauses_pass(text) -> None:
    assert [f for f in check_text(text) if f.blocking] == []


def test_the_ours_guard_reads_a_long_line_in_linear_time() -> None:
    assert growth_ratio(lambda n: ("本院研究表明有效率约为95%，" * n)[:n]) < 9


def test_a_heading_of_ours_over_a_share_over_a_cure_reads_on() -> None:
    # 「本院数据」 names whose share 「合格率100%」 is: read on into 「治愈各类失眠」 as 100%治愈
    rules = _blocking_rules("本院数据\n合格率100%\n治愈各类失眠", second_reader=False)
    assert "ad16-cohort" in rules
    # a heading that names nobody leaves the share its measure's
    rules = _blocking_rules("随访数据\n完成率100%\n治愈糖尿病目前还做不到。", second_reader=False)
    assert rules == set()
    # a sentence's end breaks the run
    rules = _blocking_rules("本院数据。\n完成率100%\n治愈糖尿病目前还做不到。", second_reader=False)
    assert rules == set()


@pytest.mark.parametrize(
    "text",
    [
        "本院开展该疗法。研究表明有效率95%。",  # the sentence before presents our treatment
        "本院引进该疗法\n研究表明有效率95%。",  # the block above runs on into this one
        "我院独家采用新方案！数据显示治愈率达98%。",
    ],
)
def test_our_treatment_presented_before_a_cited_figure_makes_it_ours(text) -> None:
    assert "ad16-rate" in _blocking_rules(text, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        # a byline names us but presents nothing: the figure cited stays the study's
        "本院皮肤科李医生提醒：脱发要早治疗。研究表明米诺地尔的有效率约为40%至60%。",
        # a colon before the citation is a clause's start, as a comma is
        "我们需要知道：研究报告米诺地尔的有效率约为40%至60%。",
        "我们来看看数据：研究报告米诺地尔的有效率约为40%至60%。",
    ],
)
def test_a_byline_or_a_colon_before_a_citation_passes(text) -> None:
    assert _blocking_rules(text) == set()


@pytest.mark.parametrize("cut", ["；", ";", "…", "……", "～"])
def test_a_block_cut_after_a_semicolon_or_an_ellipsis_reads_on(cut) -> None:
    assert _blocking_rules(f"我们保证{cut}\n治愈脱发。")


def test_a_list_of_lawful_items_cut_by_semicolons_passes() -> None:
    text = "控糖的三个习惯：\n规律监测血糖；\n按时服药；\n适量运动。"
    assert _blocking_rules(text) == set()


def test_a_sentence_the_second_reader_stops_alone_and_joined_is_told_once() -> None:
    found = [f for f in check_text("来我们这里，\n头发问题交给我们") if f.blocking]
    assert [(f.rule, f.line) for f in found] == [("model-claim", 2)]
