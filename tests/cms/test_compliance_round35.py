"""Round 35 (rules 2027.1.8), what the third tester of round 34 left, as kinds: a claim denied
in one line (or block) and made ours in the next (…药到病除。⏎在本院可以。), or in English
(但 we can 做到); 未必治不好; numbers after other words for a call (找我们：, call), with the
trunk prefix in brackets ((0)21), QQ as 球球, a public short number called ours
(我院咨询热线12320); and counts shaped like a number to dial (13812345678个样本) that were
blocked."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report


def _blocking(text: str, *, science: bool = True, second_reader: bool = False) -> set[str]:
    scopes = {"science"} if science else ()
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.findings if f.blocking}


# -- a claim made ours in the next line --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除。\n在本院可以。",
        "按时吃药不等于药到病除。\n\n在本院可以。",
        "按时吃药不等于药到病除。\n但我们可以。",
        "按时吃药不等于药到病除，\n但在本院可以。",
        "很多人认为一次见效不可能。\n我们做到了。",
        "立竿见影听起来像一种美好愿望。\n在本院，这是现实。",
    ],
)
@pytest.mark.parametrize("science", [True, False])
def test_a_claim_denied_then_made_ours_in_the_next_line_is_blocked(text, science) -> None:
    assert "ad16-guarantee" in _blocking(text, science=science)


def test_the_claim_across_two_lines_is_told_on_both() -> None:
    report = check_report("按时吃药不等于药到病除。\n在本院可以。", second_reader=False)
    lines = {f.line for f in report.findings if f.rule == "ad16-guarantee"}
    assert lines == {1, 2}


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除。\n在本院可以改善症状，但仍需复诊。",
        "按时吃药不等于药到病除。\n我们能做的是长期管理。",
        "按时吃药不等于药到病除，\n仍需定期复诊。",
        "一次见效不可能。\n\n我们能做的是坚持随访。",
    ],
)
def test_a_denial_over_what_we_do_instead_passes(text) -> None:
    assert _blocking(text) == set()
    assert _blocking(text, second_reader=True) == set()


# -- the claim in English, and 未必治不好 ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除，但 we can 做到。",
        "按时吃药不等于药到病除，but we can.",
        "按时吃药不等于药到病除。But we can.",
        "吃药不代表能根治，但our clinic can.",
        "脱发未必治不好。",
        "失眠不一定治不好，本院有办法。",
    ],
)
def test_the_claim_in_english_or_as_a_double_denial_is_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text, science=False)


@pytest.mark.parametrize(
    "text",
    [
        "We can help you understand hair loss.",
        "脱发是不是治不好？",
        "斑秃并不是治不好的病，多数可以自行恢复。",
    ],
)
def test_their_look_alikes_pass(text) -> None:
    assert _blocking(text, science=False) == set()


# -- numbers and ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "找我们：62345678",
        "call 62345678",
        "Tel: 6234 5678",
        "联系我们 6234-5678",
        "电话(0)21-62345678",
        "+86 (0)21 6234 5678",
        "球球 12345678",
        "我院咨询热线12320",
        "我们的电话是120",
        "本中心热线：12345",
        "13812345678个人微信",
        "电话13812345678天天在线",
        "电话13812345678次日回复",
    ],
)
def test_a_number_given_as_ours_in_these_shapes_is_blocked(text) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "共纳入13812345678例样本。",
        "数据库收录13812345678个样本。",
        "全年门诊量有62345678人次。",
        "电话随访62345678人次。",
        "足球球迷12345人参加了调查。",
        "出现危险请拨打12320。",
        "我们建议拨打全国心理援助热线400-161-9995。",
    ],
)
def test_counts_and_public_lines_pass(text) -> None:
    assert _blocking(text) == set()


# -- a cure rate of 100%, cited --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "据《中华皮肤科杂志》报道，该药的治愈率为100%。",
        "研究显示，该疗法治愈率100%。",
        "一项随机对照试验显示，痊愈率达到百分之百。",
        "研究显示，本药治愈率100%，不可能有假。",
    ],
)
def test_a_cure_rate_of_100_percent_is_blocked_even_cited(text) -> None:
    assert "ad16-rate" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "声称治愈率100%的诊所往往存在虚假宣传。",
        "不要相信号称治愈率100%的广告。",
        "没有任何疗法的治愈率是100%。",
        "治愈率不可能是100%。",
        "一项研究显示，幽门螺杆菌根除率为100%。",
    ],
)
def test_a_cure_rate_of_100_percent_warned_against_or_refuted_passes(text) -> None:
    assert "ad16-rate" not in _blocking(text)
