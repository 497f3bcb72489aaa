"""Issue 17, round 13 (eighth verification): contacts and invitations on 科普 pages in any
wording (《广告法》第十九条), a cure claimed by a rhetorical question, and lawful sentences refused.

Kinds, each with the siblings an editor or an advertiser would write: a phone that is also
WeChat in short (电话同微), something sent in private (私信发你方法), a digit or word left in
the comments (想了解的扣1), come and find me (有需要直接过来找我), a slot of mine
(约我的门诊号), a name and a channel split by a mark in body text (「引流健康｜微信咨询」), a
quoted name searched with no platform (搜“引流健康”三个字就行), the way to us asked and
pointed at a picture (想找我？答案在图里), our own event's sign-up (社区免费筛查，欢迎居民报名),
and 谁说很难一次根治？我们就能. Lawful: the best time to treat missed (错过了最佳治疗时机), a
heading that invites reading (了解失眠，从这里开始), a doctor's case told by the day the
patient came (周二来找我的那位患者…). Every case goes through the real checker; each case here
was refused or passed wrongly before this round (already-passing look-alikes are the rules'
`clean` lists in rules.toml)."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = ("science",)


def _blocking(text: str, second_reader: bool, scopes=SCIENCE) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


BOTH = [False, True]

# contacts and invitations: blocked on a 科普 page by the rules (the second reader reads no
# 第十九条 kind)
CONTACTS = [
    # a phone that is also WeChat, in short
    "电话同微",
    "手机同微",
    "V同号",
    "电话同薇",
    "微同号",
    "有事打电话，电话同微。",
    # something sent to the reader in private
    "关注我，私信发你方法",
    "私信发你",
    "关注后私信你资料",
    "后台留言，我发你食谱",
    "评论区扣“脱发”，我私信发你",
    # a digit or a word left in the comments
    "想了解的扣1",
    "需要的扣1",
    "扣1我发你",
    "扣个1",
    "想要食谱的扣“控糖”",
    "扣“脱发”领取方法",
    "想要完整版的回复1",
    # come and find me; a slot of mine
    "有需要直接过来找我",
    "不舒服就过来找我吧",
    "家里老人睡不好的，可以过来找我。",
    "头发掉得厉害的，过来找我吧。",
    "约我的门诊号",
    "约我号",
    "抢我的号",
    "预约我的门诊",
    "想系统调理的，约我周四的号。",
    # a name and a channel split by a mark, in body text
    "「引流健康｜微信咨询」",
    "引流健康｜微信咨询",
    "睡眠课堂｜电话咨询",
    "引流健康·在线问",
    "周医生讲睡眠／微信咨询",
    "本文作者：引流健康 | 微信咨询",
    # a quoted name searched with no platform
    "搜“引流健康”三个字就行",
    "搜“引流健康”就能找到我",
    "搜索“周医生讲睡眠”即可",
    "搜一搜“引流健康”就行",
    "直接搜我名字就行",
    "搜“引流健康”四个字",
    # the way to us asked, then pointed at a place on the page
    "想找我？答案在图里",
    "怎么联系我？看简介",
    "想加我？方法在评论区",
    "怎么找到我？看主页",
    "想找我，答案在图里",
    "想加我？看置顶。",
    "想联系我？答案在评论区置顶。",
    # our own event's sign-up
    "社区免费筛查，欢迎居民报名",
    "本周末免费筛查，欢迎居民报名",
    "社区义诊，欢迎中老年朋友报名参加",
    "免费筛查进社区，居民可报名",
    "骨密度筛查，欢迎附近居民报名。",
]


@pytest.mark.parametrize("second_reader", BOTH)
@pytest.mark.parametrize("text", CONTACTS)
def test_contacts_and_invitations_are_refused_on_science(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) & {"ad19-contact", "ad19-cta"}


def test_a_name_and_channel_split_by_a_mark_inside_a_paragraph() -> None:
    body = "脱发的原因有很多，规范治疗是关键。\n更多问题：引流健康｜微信咨询\n注意作息。"
    report = check_report(body, scopes=SCIENCE, second_reader=False)
    found = [f for f in report.blocking if f.rule == "ad19-contact"]
    assert found
    assert found[0].line == 2
    assert "微信咨询" in found[0].text


# a cure claimed by a rhetorical question answered for us: blocked by the rules
CURE_CLAIMS = [
    "谁说很难一次根治？我们就能",
    "谁说一次根治不可能？我们就可以",
    "谁说脱发很难一次根治？我们做到了。",
    "谁说失眠难以彻底治愈？",
]


@pytest.mark.parametrize("second_reader", BOTH)
@pytest.mark.parametrize("text", CURE_CLAIMS)
def test_a_cure_claimed_by_a_rhetorical_question_is_refused(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) & {
        "ad16-question-claim",
        "ad16-denial-reclaimed",
        "ad16-guarantee",
    }


# a hard cure asked, then answered by us: the rules find it now (the second reader found these
# already, so only the rules are tested here)
@pytest.mark.parametrize(
    "text",
    [
        "很难一次根治？我们就能",
        "都说很难一次根治？我们做到了",
        "难以根治？在我们这里可以做到。",
        "很难治好？我们就能。",
    ],
)
def test_a_hard_cure_answered_for_us_is_found_by_the_rules(text: str) -> None:
    assert _blocking(text, False) & {"ad16-question-claim", "ad16-denial-reclaimed"}


# lawful: refused by the rules before this round (ad9-absolute read 最佳 in 最佳治疗时机)
LAWFUL_RULES = [
    "很多患者拖到秃顶才就诊，错过了最佳治疗时机。",
    "不少糖友确诊时已经错过最佳治疗时机。",
    "拖得越久，越容易错过最佳治疗窗口期。",
    "发现得早，才能把握最佳治疗时机。",
    "斑秃要抓住最佳治疗时间，及早就医。",
    "别让拖延耽误了最佳干预时机。",
    "脑卒中患者常因延误最佳救治时间而留下后遗症。",
    "电话同微信一样，都不要随便告诉陌生人。",
]


@pytest.mark.parametrize("second_reader", BOTH)
@pytest.mark.parametrize("text", LAWFUL_RULES)
def test_lawful_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) == set()


# lawful: refused by the second reader alone before this round (fixed by lawful lines of the same
# kinds in background_science.tsv; none of these sentences is in it)
LAWFUL_MODEL = [
    "了解失眠，从这里开始",
    "认识脱发，从这里开始",
    "科学控糖，从这里开始",
    "周二我出诊时来了一位患者，头发已经很稀疏了。",
    "周二来找我的那位患者，头发已经很稀疏了。",
    "上周五来找我的那位患者，头发已经很稀疏了。",
]


@pytest.mark.parametrize("text", LAWFUL_MODEL)
def test_lawful_passes_the_second_reader(text: str) -> None:
    assert _blocking(text, True) == set()
