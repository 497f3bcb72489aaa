"""Round 13 siblings (a fresh verifier past round 13's 科普 text fixes), by kind. On a 科普 page,
with both readers: a name and a channel split by a vertical bar's look-alike (丨 U+4E28, 〡, ∣,
│, ┃, ︱, ︳, ¦, ǀ, ⎮, ❘, ⼁ …), comment bait in other verbs (想了解的评论1, 想要的打个1), a
name searched in other wordings or on a disguised platform (某音搜“引流健康”), the way to us
asked and a place that has it (如何找到我？图里有), a phone that is WeChat in other words
(手机号就是微信), a named doctor in and bookable or scarce slots urged (号源紧张，早挂早看), a
free first visit (初诊零费用), a cure called hard then reclaimed (根治很难？我们可以) and a
sign-up (想参加的朋友可报名) are refused; the lawful look-alikes pass. Every case goes through
the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = ("science",)


def _blocking(text: str, second_reader: bool) -> set[str]:
    report = check_report(text, scopes=SCIENCE, second_reader=second_reader)
    return {f.rule for f in report.blocking}


# one bar look-alike per case, named by its code point
BARS = {
    "U+4E28 丨": "丨",
    "U+3021 〡": "\u3021",
    "U+2223 ∣": "\u2223",
    "U+2502 │": "\u2502",
    "U+2503 ┃": "\u2503",
    "U+FE31 ︱": "\ufe31",
    "U+FE33 ︳": "\ufe33",
    "U+00A6 ¦": "\u00a6",
    "U+01C0 ǀ": "\u01c0",
    "U+23AE ⎮": "\u23ae",
    "U+2758 ❘": "\u2758",
    "U+2759 ❙": "\u2759",
    "U+2F01 ⼁": "\u2f01",
    "U+258F ▏": "\u258f",
    "U+23D0 ⏐": "\u23d0",
}

BARRED = [
    "引流健康{}微信咨询",
    "引流健康{}电话咨询",
    "睡眠课堂{}在线问",
    "周医生讲睡眠{}微信咨询",
    "引流健康{}电话预约",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("template", BARRED)
@pytest.mark.parametrize("bar", list(BARS.values()), ids=list(BARS))
def test_name_and_channel_split_by_a_bar_is_blocked(
    template: str, bar: str, second_reader: bool
) -> None:
    assert _blocking(template.format(bar), second_reader)


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("bar", ["丨", "\u3021", "\ufe33", "\u01c0", "\u2f01"])
def test_a_word_hidden_by_a_bar_is_read(bar: str, second_reader: bool) -> None:
    assert _blocking(f"七天根{bar}治脱发", second_reader)


BLOCKED = [
    # T2 comment bait in other verbs
    "想了解的评论1。",
    "想要的评论区留个1。",
    "想要的打个1。",
    "需要的评论“要”。",
    "想要资料的扣个“要”。",
    "想了解的评论区扣个要字。",
    "需要资料的留言“要”。",
    "想领取的评论“666”。",
    "感兴趣的打个“想要”。",
    "想了解的留个1。",
    "想了解的评论区敲个1。",
    "想要的在评论区打“要”。",
    "想要食谱的评论666。",
    # T3 our name searched in other wordings, or on a platform disguised
    "搜一下“引流健康”。",
    "某音搜“引流健康”。",
    "搜索引流健康四个字。",
    "去搜“周医生讲睡眠”。",
    "直接搜“引流健康”看我主页。",
    "搜“引流健康”，找到我。",
    "某书搜“周医生讲睡眠”。",
    "某红书搜一下引流健康。",
    "搜搜“引流健康”就能找到。",
    "在某音搜索“周医生”。",
    "搜一搜“周医生讲睡眠”就能找到。",
    # T4 the way to us asked, then a place
    "如何找到我？图里有。",
    "联系方式？见图。",
    "怎么找我？图片里有。",
    "想联系我？头像有。",
    "联系方式？图里。",
    "怎么找到我？主页有。",
    "想找我们？简介里有。",
    "咨询方式？见图片。",
    "咨询方式？看主页。",
    # T5 the phone is WeChat, in other words
    "手机号就是微信。",
    "电话也是微信。",
    "手机=微信。",
    "微信就是这个手机号。",
    "微信号=手机号。",
    "手机和微信一个号。",
    "电话就是微信。",
    "手机号同时也是微信。",
    "微信也是这个手机号。",
    # T6 a named doctor in, bookable; scarce slots urged
    "本周三周医生在院，可预约。",
    "周主任每周二在院，可以预约。",
    "号源紧张，早挂早看。",
    "号少，请提前约。",
    "专家号很抢手，建议提前预约。",
    "号很难挂，要趁早。",
    # T7 a free first visit, a cure reclaimed, a sign-up
    "初诊零费用。",
    "首诊零收费。",
    "根治很难？我们可以。",
    "根治很难？在我们这里不难。",
    "根治不容易？我们做得到。",
    "治愈很难？在本院不难。",
    "想参加的朋友可报名。",
    "有兴趣的朋友可以报名。",
    "想参加的请报名。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", BLOCKED)
def test_sibling_is_blocked(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader)


LAWFUL = [
    # a bar in a title, a stroke named
    "高血压丨怎样正确测血压",
    "睡眠科普│失眠的常见原因",
    "这个字读作“丨”，是汉字的笔画。",
    # the comments invited to discuss, a reader's question reported, an emergency number
    "欢迎在评论区留言讨论。",
    "评论区有人问，血糖多少算正常？",
    "有读者在评论区留言说自己失眠多年。",
    "评论区留下你的问题，我们下期解答。",
    "想了解更多的，可以阅读国家卫健委发布的指南。",
    "有需要的请打120。",
    "有需要的打110报警。",
    "需要的朋友可以打12320咨询。",
    # a guideline, a public body or a topic searched
    "可以搜索“中国2型糖尿病防治指南”。",
    "在“健康中国”公众号搜索相关内容。",
    "搜一下“中国居民膳食指南”就能看到推荐量。",
    "去搜“失眠认知行为治疗”，会看到很多研究。",
    "在网上搜“脱发”，会看到很多广告。",
    "搜一下“心理健康”。",
    "不要轻信网上搜到的偏方。",
    # a quiz, a figure pointed at
    "你的睡眠合格吗？答案见文末。",
    "正确答案？见下图。",
    "怎么测血压？见图。",
    "哪种姿势最好？图里有。",
    "测量方式？见下图。",
    "联系方式等个人信息不要发在评论区。",
    # privacy advice about a phone and WeChat
    "不要把手机号当作微信号随便告诉陌生人。",
    "很多人的微信号就是手机号，这容易泄露隐私。",
    "手机和微信都要设置安全密码。",
    "睡前别刷手机微信。",
    # hospitals in general, slots scarce
    "三级医院的专家门诊通常号源紧张，可先到社区医院首诊。",
    "号源紧张时，可以先到社区医院首诊。",
    "大医院专家号难挂，轻症可以先去社区医院。",
    "很多医院号源紧张，建议通过官方渠道预约。",
    "复诊前记得提前预约，避免白跑一趟。",
    # a cure called hard and not reclaimed, a first visit described, a public event
    "很多慢性病很难根治，需要长期管理。",
    "根治很难？其实控制好就够了。",
    "根治很难？医生可以帮你控制病情。",
    "首诊时医生会详细询问病史。",
    "新患者零基础也能学会胰岛素注射。",
    "有兴趣的读者可以参加社区组织的健康讲座。",
    "想参加临床试验的患者，请咨询主治医生。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) == set()
