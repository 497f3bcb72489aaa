"""Round 12, seventh verification: contacts and invitations that published on 科普 pages
after the sixth round's fixes (《广告法》第十九条, 《互联网广告管理办法》第八条), and five lawful
warnings that were blocked. Each finding is written with its siblings, by kind: a consultation
invited through a channel, a way to us pointed at a picture, one contact the same as another
given above, WeChat by a nickname; come and find me on a day, come to the room for a talk, our
event welcomed, a named doctor's day and room, a quoted password for a discount; site names
split by marks. The lawful look-alikes (a scammer's words reported and judged, an offer seen and
checked, scanning advice, public hotlines, a story of a day at the clinic) pass with both
readers. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=SCIENCE, second_reader=second_reader)
    return {f.rule for f in report.blocking}


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's
        "微信咨询",
        "不懂的可以微信咨询",
        "微信号咨询",
        "有问题可以微信咨询我",
        "可电话咨询",
        "加人微信号咨询",
        "加微信号咨询",
        # siblings
        "微信咨询。",
        "vx咨询",
        "威信咨询",
        "可QQ咨询。",
        "有问题可以电话咨询我们。",
        "需要的话可以微信联系我。",
        "不清楚的可以短信咨询。",
        "也可以手机预约。",
        # a way to us pointed at a picture, a contact the same as another, WeChat by a nickname
        "想联系我看第二张图",
        "要找我请看置顶。",
        "加我见简介。",
        "联系作者看文末。",
        "想预约我看最后一张图。",
        "wei信号同上",
        "电话同上。",
        "微信号同下。",
        "qq号同上",
        "绿色软件搜：yinliu2024",
        "绿泡泡搜“引流健康”",
        "某信：hair2024",
        "在绿色软件上找我。",
        "绿色app里搜 yinliu2024",
    ],
)
def test_a_channel_or_a_contact_by_reference_is_a_contact(text: str) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's
        "想面诊的话，周二来找我",
        "看完文章还有疑问的，来诊室聊聊",
        "这周六我们在社区有义诊，欢迎来",
        "每周五上午王医生在三号诊室",
        "报“头发”两个字有优惠",
        # siblings
        "有疑问微信找我就行。",
        "想复诊的，周四下午过来找我。",
        "明天上午来找我。",
        "有空来找我。",
        "有不懂的，来门诊聊一聊。",
        "来我这儿聊聊吧。",
        "下周三我们医院有免费筛查。",
        "本月底我院举办健康讲座，欢迎大家来。",
        "欢迎来！",
        "周二下午李主任在二楼门诊。",
        "星期三张医生坐诊。",
        "到前台说“睡眠”有优惠。",
        "报“控糖”三个字。",
        "挂号时报“引流”可以打折。",
    ],
)
def test_an_invitation_to_come_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


@pytest.mark.parametrize(
    ("name", "wording"),
    [("引流健康｜微信咨询", "微信咨询"), ("引流健康·想面诊周二来找我", "周二来找我")],
)
def test_a_site_name_split_by_marks_is_read_part_by_part(name: str, wording: str) -> None:
    from cms.site_forms import site_name_problems

    problems = site_name_problems(name)
    # one problem or more (a channel to consult is a contact and a call to act: both rules)
    assert problems
    assert all(f"「{wording}」" in problem for problem in problems), problems


@pytest.mark.parametrize(
    "name", ["引流健康", "引流健康 - 科普", "睡眠健康·科普", "仁心皮肤科门诊部"]
)
def test_a_plain_site_name_with_marks_is_allowed(name: str) -> None:
    from cms.site_forms import site_name_problems

    assert site_name_problems(name) == []


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's: a scammer's words reported and judged, an offer checked, scanning advice
        "扫码前要看清楚，不扫来历不明的二维码",
        "网上流传的“加群领取免费生发液”，其实是推销陷阱",
        "如果有人说加微信就能领取免费药品，多半是骗局",
        "如果对方让你“到了医院前台说找王医生”，这可能是医托",
        "看到“名额有限，欢迎报名”的免费筛查，先核实主办方",
        # their siblings
        "扫码之前先确认是不是医院官方账号。",
        "加群前问清是谁建的群，防止被骗。",
        "有人在朋友圈说扫码就送体检，这是常见的诈骗套路。",
        "陌生人让你加微信领药，要提高警惕。",
        "如果有人说“报我的名字有优惠”，多半是医托。",
        "收到“周六社区义诊，欢迎来”的短信，先打电话核实。",
        "网传“加微信咨询专家免费”，其实是推销。",
        # passing before, kept passing
        "预约挂号请认准医院官网和官方公众号，谨防假冒",
        "扫码支付前，请确认收款方是医院官方账户",
        "周三下午的门诊，我遇到一位脱发十年的患者",
        "在微信群里卖药的“专家”，多半不是真医生",
        "出现胸痛请拨打120。",
        "心理困扰可拨打12356热线。",
        "可拨打12320电话咨询。",
        "12320卫生热线提供电话咨询服务。",
        # channels and days in longer clauses, stories, advice
        "很多医院开通了电话咨询。",
        "微信咨询医生时，不要发送身份证照片。",
        "不要只靠微信咨询，症状加重要到医院就诊。",
        "网上问诊和电话咨询不能代替面诊。",
        "上周二来找我时，她已经失眠三个月。",
        "很多老病人喜欢来诊室聊聊家常。",
        "家庭医生每周二在社区坐诊。",
        "每周三我在门诊都会遇到不少失眠患者。",
        "去年我们在社区办义诊时遇到一位老人。",
        "周末带老人去参加社区的免费筛查。",
        "很多社区每周三都有健康讲座。",
        "医生常说“熬夜”两个字是脱发的大敌。",
        "电话随访结果见下表。",
        "手机对睡眠的影响见下文。",
        "想面诊的话，建议到正规医院皮肤科。",
        "有问题可以咨询你的主治医生。",
        "欢迎来稿。",
        "联系医生前先准备好检查报告。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_lawful_look_alikes_pass(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


def test_a_story_of_who_came_passes_the_rules() -> None:
    # the second reader alone blocks it (it did before this round too)
    assert _blocking("周二来找我的那位患者，头发已经很稀疏了。") == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # our own invitation carries no verdict: the reported-speech exception does not reach it
        ("有人说想来面诊，周二来找我就行。", "ad19-cta"),
        ("扫码后即可添加医生。", "ad19-contact"),
        ("看到这篇文章的朋友，可以微信咨询。", "ad19-contact"),
    ],
)
def test_the_violations_they_resemble_stay_blocked(text: str, rule: str) -> None:
    assert rule in _blocking(text)
