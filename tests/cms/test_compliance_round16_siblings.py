"""Round 16 siblings (Yinliu, issue 17), by kind, each with lawful look-alikes: other
hospitals pointed at (那家医院, 某些专科医院) or asked about and run down in the answer
(别家医院？都是老一套), money back in plain words (钱还你, 如数奉还), and on a medical ad a free
first visit (首诊免费) or a stored-value card offered in words (可以办张储值卡). Every case goes
through the real checker, with the rules alone and with both readers."""

from __future__ import annotations

import pytest

from cms.compliance import load_rules
from cms.compliance.checker import check_report
from tests.cms.compliance_support import blocking_rules, growth_ratio

SCIENCE = ("science",)


_blocking = blocking_rules


POINTED_AT = [
    "那家医院的医生根本不懂失眠。",
    "那几家诊所都是瞎治。",
    "某些医院只会开激素。",
    "有家医院用的还是老一套。",
    "某诊所的医生水平不行。",
    "那家诊所的技术早就过时了。",
    "某些专科医院根本不懂糖尿病。",
    "好几家医院都是乱开药。",
]

ASKED_AND_RUN_DOWN = [
    "别家医院？都是老一套。",
    "其他诊所？只会开安眠药。",
    "外面的医生？根本不懂脱发。",
    "公立医院？技术早就过时了。",
    "别的大夫？只知道开激素。",
    "那些小诊所？全是瞎治。",
]

MONEY_BACK = [
    "治疗没效果，钱还你。",
    "如果没有效果，治疗费如数奉还。",
    "睡不好的话，钱全还你。",
    "效果不好，疗程费原封不动还给您。",
    "血糖降不下来，费用我们全部退还给您。",
    "没改善，诊金如数退还。",
    # already caught before round 16: kept as guards
    "没效果钱退给你。",
    "头发没长出来，钱如数退还。",
]

# any page (《医疗广告管理办法》第六条: an ad states only the listed facts; a promotion is none)
FREE_FIRST_VISIT = [
    "首诊免费。",
    "初诊免费，欢迎来院。",
    "首次面诊免费。",
    "第一次来看诊不收费。",
    "新患者首诊全免。",
    "免费首诊，名额有限。",
    "初诊不要钱。",
    "首诊0元。",
]

CARD_OFFERED = [
    "可以办张储值卡。",
    "欢迎办理会员卡。",
    "来了可以开张疗程卡。",
    "建议办张年卡。",
    "现场办理次卡更方便。",
]

ANY_PAGE = POINTED_AT + ASKED_AND_RUN_DOWN + MONEY_BACK + FREE_FIRST_VISIT + CARD_OFFERED

LAWFUL = [
    # hospitals in general, medicine moving on, an answer that runs no one down
    "一些医院已经淘汰了这种设备。",
    "很多医院已经不再使用这种检查。",
    "那家医院的检查结果也可以带来参考。",
    "别家医院？也可以，选正规医院就行。",
    "其他诊所？只要正规就可以。",
    "你之前在哪家医院？是三甲医院吗？",
    # goods returned under consumer law, money that is not a refund
    "网购的血糖仪不满意，可以七天无理由退货。",
    "血糖仪不合适，可以在七天内退换。",
    "医保报销的钱会退还到你的账户。",
    "借的钱要按时还你朋友。",
    "钱还你这种承诺不可信。",
    # a first visit without a price, a public programme, a warning
    "首诊时请带上既往病历。",
    "这家医院首诊需要挂号。",
    "社区卫生服务中心为老人提供免费体检。",
    "首诊免费的宣传要当心。",
    "免费面诊往往是推销的幌子。",
    # cards: advice, the hospital's registration card
    "不要轻信美容院的办卡套路。",
    "不建议办张储值卡。",
    "办会员卡前要看清退款条款。",
    "第一次就诊可以先办张就诊卡。",
    "储值卡消费要保留凭证",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", ANY_PAGE)
def test_a_round16_sibling_is_blocked_on_any_page(sentence: str, second_reader: bool) -> None:
    assert _blocking(sentence, second_reader, scopes=()), sentence
    assert _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize("sentence", POINTED_AT + ASKED_AND_RUN_DOWN)
def test_rivals_run_down_are_comparisons(sentence: str) -> None:
    assert "ad16-comparison" in _blocking(sentence, False, scopes=())


@pytest.mark.parametrize("sentence", MONEY_BACK)
def test_money_back_is_a_refund_guarantee(sentence: str) -> None:
    assert "ad16-refund" in _blocking(sentence, False, scopes=())


@pytest.mark.parametrize("sentence", FREE_FIRST_VISIT + CARD_OFFERED)
def test_free_first_visits_and_cards_are_promotions_on_an_ad(sentence: str) -> None:
    assert "mad6-promotion" in _blocking(sentence, False, scopes=())


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", LAWFUL)
def test_a_round16_lawful_look_alike_passes(sentence: str, second_reader: bool) -> None:
    assert not _blocking(sentence, second_reader), sentence
    assert not _blocking(sentence, second_reader, scopes=()), sentence


def test_a_rival_asked_about_is_one_sentence_with_its_answer_only_when_run_down() -> None:
    # the join is what lets the rule see both halves; a lawful answer still ends the question
    joined = check_report("别家医院？都是老一套。", second_reader=False).blocking
    assert joined
    assert joined[0].text.startswith("别家医院？")
    assert not check_report("别家医院？也可以。", second_reader=False).blocking


def test_the_rules_version_is_round_16_or_later() -> None:
    version = tuple(int(part) for part in load_rules().version.split("."))
    assert version >= (2026, 12, 11)


@pytest.mark.parametrize(
    "word",
    [
        "别家医院？都是",
        "那家医院的医生根本不懂",
        "没效果，钱还你",
        "如数奉还",
        "首诊免费",
        "办张储值卡",
    ],
)
def test_a_long_line_of_a_round16_word_checks_in_linear_time(word: str) -> None:
    ratio = growth_ratio(lambda n: (word * (n // len(word) + 1))[:n])
    assert ratio < 9, ratio
