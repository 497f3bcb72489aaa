"""Round 14 siblings (Yinliu, issue 17), by kind, each with lawful look-alikes. On a 科普 page,
with both readers: a phone and WeChat said to be one (电话微信同步), a free first visit in money
idioms (首诊一分钱不花), a doctor's own duty hours as an invitation (周三上午我值班，来了直接找我),
stored value (存1000送200), a doctor named in Latin letters as the pass (找Dr. Li聊聊) and
registration urged with no owner (挂号要早，来晚没号). The free first visit and stored value are
promotions on any page (`mad6-promotion`). Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance import load_rules
from tests.cms.compliance_support import blocking_rules, growth_ratio

SCIENCE = ("science",)


_blocking = blocking_rules


PHONE_IS_WECHAT = [
    "电话微信同步，随时找我。",
    "手机微信同步。",
    "我的手机微信同步。",
    "微信电话同步，有事随时联系。",
    "电话和微信同号。",
    "电话微信同号，加我就行。",
    "手机号微信同号，欢迎添加。",
    "微信同手机。",
    "微信与电话同号。",
    "加V同电话。",
    "电话跟微信一个号。",
]

FREE_FIRST_VISIT = [
    "首诊一分钱不花。",
    "第一次看诊一分钱不用花。",
    "初诊不收一分钱。",
    "头一回来看病分文不取。",
    "首次问诊零花费。",
    "首诊一分不收。",
    "第一次来面诊不花一分钱。",
    "新患者首诊一分钱都不用掏。",
    "首次面诊一分钱不用出。",
    "初诊分文不取。",
    "新客户第一次来一分钱都不收。",
    "头一次来医院不收你一分钱。",
]

DUTY_HOURS = [
    "周三上午我值班，来了直接找我。",
    "想调理的话，周末门诊我值班。",
    "本周六我坐诊。",
    "这周我出门诊，欢迎来。",
    "我在二诊室值班。",
    "周五晚上我值夜班，有急事可以来找我。",
    "明天下午我在门诊值班。",
    "周六下午我在皮肤科门诊值班。",
    "下周二我当班，有需要过来。",
    "这周末我在门诊值班。",
    "我一般在三楼诊室坐诊。",
]

STORED_VALUE = [
    "存1000送200，充值更划算。",
    "充3000送800。",
    "预存500元抵800元。",
    "办卡充值享8折。",
    "储值卡赠送护理一次。",
    "存2000返300。",
    "充值更划算。",
    "预存3000送1000。",
    "储值5000元当8000元用。",
    "充值卡充2000返400。",
    "会员卡储值享九折。",
    "办卡最划算。",
]

LATIN_DOCTOR = [
    "有问题可以找Dr. Li聊聊。",
    "找 Dr.Wang 就行。",
    "联系 Doctor Zhang。",
    "预约 Dr Li 的号。",
    "挂Dr. Chen的号。",
    "可以咨询Dr.Liu。",
    "有问题找Dr.Zhou。",
    "加Dr. Wang的微信。",
    "约一下Dr Chen。",
    "请教Doctor Li。",
]

REGISTRATION_URGED = [
    "挂号要早，来晚没号。",
    "号源紧张，早约早看。",
    "专家号一号难求，速约",
    "名医号一放就没，抓紧预约。",
    "来晚了就挂不上号了。",
    "挂号要趁早。",
    "挂号得趁早。",
    "专家号供不应求，赶紧约。",
    "晚来一步就没号了。",
    "名医号秒没，抓紧抢。",
    "号源一放就没，尽快预约。",
    "专家号总是一号难求，赶紧约。",
]

BLOCKED = (
    PHONE_IS_WECHAT
    + FREE_FIRST_VISIT
    + DUTY_HOURS
    + STORED_VALUE
    + LATIN_DOCTOR
    + REGISTRATION_URGED
)

LAWFUL = [
    # a free first visit: insurance, public programmes, a belief corrected
    "医保报销后个人一分钱不用花的说法不准确",
    "公共卫生服务项目免费，居民一分钱不用花",
    "很多人以为首诊一分钱不花，其实挂号费还是要交的。",
    "首诊时请带上既往病历。",
    "第一次服药剂量只用一半",
    # duty hours: the system, the nurses, a story of the shift
    "医生值班制度保证夜间急诊有人处理",
    "值班护士会定时巡视病房",
    "周三晚上我值班时来了一位失眠的患者。",
    "我在急诊值班，经常遇到低血糖的老人。",
    "昨晚我值夜班，一夜没合眼。",
    "那天我值班，接诊了一位年轻人。",
    # stored value: a balance, a warning, storage, a count
    "医保卡余额可以查询",
    "不建议为减肥预存大额费用",
    "不要轻信美容院的充值办卡套路",
    "预存的胰岛素要放在冰箱冷藏",
    "胰岛素开封后可以在室温下存放28天。",
    "样本存3天送检",
    "补充500毫克维生素C",
    # a Latin-letter name cited, not sent to
    "Dr. Li等人的研究发现，规律运动可以改善睡眠。",
    # phone and WeChat named as things, not as one contact
    "手机微信同步登录有风险，注意保护隐私。",
    "电话和微信都是常用的沟通方式。",
    # registration advice about hospitals in general, an official channel
    "大医院专家号紧张时，可以先在社区医院就诊",
    "挂号可通过医院官方渠道",
    "三甲医院专家号一号难求，可以先到社区医院首诊。",
    "去大医院看病，挂号要早。",
    "专家号很难挂，建议提前在医院官方平台预约。",
    "来晚了也不要紧，急诊24小时开放。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", BLOCKED)
def test_a_round14_sibling_is_blocked_on_a_science_page(sentence: str, second_reader: bool) -> None:
    assert _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", LAWFUL)
def test_a_round14_lawful_look_alike_passes(sentence: str, second_reader: bool) -> None:
    assert not _blocking(sentence, second_reader), sentence
    assert not _blocking(sentence, second_reader, scopes=()), sentence


@pytest.mark.parametrize("sentence", FREE_FIRST_VISIT + STORED_VALUE[:6])
def test_free_first_visits_and_stored_value_are_promotions_on_any_page(sentence: str) -> None:
    assert "mad6-promotion" in _blocking(sentence, False, scopes=())


@pytest.mark.parametrize("sentence", FREE_FIRST_VISIT[:2] + STORED_VALUE[:1])
def test_on_a_science_page_they_are_also_disguised_ads(sentence: str) -> None:
    # a 第十九条 finding on a 科普 page is beyond any certificate or ruling
    assert "ad19-cta" in _blocking(sentence, False)


@pytest.mark.parametrize(
    "sentence", PHONE_IS_WECHAT[:1] + DUTY_HOURS[:1] + LATIN_DOCTOR[:1] + REGISTRATION_URGED[:1]
)
def test_contacts_and_invitations_are_science_only(sentence: str) -> None:
    assert not _blocking(sentence, False, scopes=())


def test_the_rules_version_is_round_14_or_later() -> None:
    # (round 15) later rounds bump the version; the round 14 rules stay in it
    version = tuple(int(part) for part in load_rules().version.split("."))
    assert version >= (2026, 12, 9)


@pytest.mark.parametrize(
    "word",
    [
        "周三上午我值班",
        "我在诊室",
        "存1000",
        "首诊一分",
        "Dr. Li",
        "找Dr",
        "挂号要",
        "号一号难求，",
        "电话微信",
        "来晚",
    ],
)
def test_a_long_line_of_a_trigger_word_checks_in_linear_time(word: str) -> None:
    # 4x the characters takes about 4x the time (quadratic reading would take 16x); a ratio
    # measured in the same run, not a wall-clock bound (a loaded runner slowed the old one)
    ratio = growth_ratio(lambda n: (word * (n // len(word) + 1))[:n])
    assert ratio < 9, ratio
