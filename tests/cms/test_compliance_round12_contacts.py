"""Round 12: contacts by reference, invitations to come and site names that published on 科普
pages on rules 2026.12.6 (《广告法》第十九条, 《互联网广告管理办法》第八条: a page that teaches
health carries no contact or invitation to come to us), and eight lawful sentences that were
blocked. Each finding is written with its siblings, by kind: a contact said to be somewhere on
the page or picture, one channel said to be another, a platform searched for by name, a group
joined; a doctor named as the pass at the desk, a password, the doctor's own hours and room,
come and I will see you, a sign-up welcomed. The lawful look-alikes (scam warnings, consumer
advice, general advice to see a doctor, a story of a day at the clinic) pass with both readers,
and the violations they resemble stay blocked. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


# --- contacts by reference ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # where on the page or picture the contact is
        "电话在文章配图右下角",
        "微信号藏在最后一张图的水印里。",
        "我的手机号就在视频片尾。",
        "联系电话印在封面图左下角。",
        "邮箱写在正文第三段。",
        "微信号见配图。",
        "电话看图片右下角。",
        "号码见图。",
        # one channel that is another
        "我的微信就是我的手机号",
        "微信就是我手机号。",
        "我的vx同手机。",
        "我电话也是微信。",
        "医生的QQ就是他的手机号。",
        "我的微信和手机号一样。",
        # the digits elsewhere on the page
        "我的电话就是文章标题里那串数字",
        "手机号就是封面上那串数字。",
        "微信号是标题里那串字母。",
        "联系方式就是文末那几个数字。",
        # a way to reach us that is somewhere
        "加我的方式在第一张图里",
        "联系我的方式见配图。",
        "找我的方法在主页。",
        "预约我的途径放在评论区。",
        # a platform searched for by name, the verb first
        "搜公众号引流健康",
        "搜一下小红书周医生聊睡眠。",
        "搜我们的公众号：引流健康",
        "搜视频号“周医生讲睡眠”就能找到我。",
        # a group joined by its verb alone
        "欢迎加群交流",
        "加个群，大家一起控糖。",
        "拉你进群。",
        "群里见！",
        "加入我们的粉丝群。",
        "群聊：控糖互助",
    ],
)
def test_a_contact_by_reference_is_a_contact(text: str) -> None:
    assert "ad19-contact" in _blocking(text)


# --- invitations to come -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a doctor named as the pass at the desk
        "到了医院前台说找王医生就行",
        "到分诊台说找张主任。",
        "挂号时说找李大夫就可以。",
        "报张主任的名字。",
        "就说是李医生介绍的。",
        "就说是看了周医生文章来的。",
        # a password
        "报暗号“睡眠”",
        "到前台说暗号“脱发”可优先安排。",
        "暗号：控糖。",
        "跟护士说口令“引流”。",
        "挂号时报公众号名字。",
        # the doctor's own hours and room
        "周三上午我在三楼诊室",
        "我每周二下午出诊。",
        "每周四上午我在门诊。",
        "周末我都在诊所。",
        "星期三下午我坐诊。",
        "我们周三全天在五楼。",
        "王医生每周三上午在三楼诊室。",
        "张主任周二下午坐诊。",
        "有事来医院找王医生。",
        # come, and I will see you
        "有空就过来坐坐，我给你看看",
        "方便的话来一趟，我帮你看看。",
        "来门诊我给你好好看看。",
        "有时间过来，我帮你把把脉。",
        "不舒服就来医院，我给你开点药。",
        "有空来聊聊。",
        "周末来诊室坐坐。",
        # a sign-up welcomed
        "免费筛查，欢迎报名",
        "免费讲座，欢迎报名",
        "健康讲座本周六开讲，欢迎大家踊跃报名。",
        "控糖训练营开班，欢迎加入我们。",
        "义诊活动欢迎参加。",
        "名额不多，抓紧报名。",
        "报名从速。",
        "免费筛查火热报名中。",
        "欢迎加群交流",
    ],
)
def test_an_invitation_to_come_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


# --- the eight lawful sentences, their siblings, and general advice ----------------------

LAWFUL = [
    # the eight the verifier found blocked
    '如遇到以"祖传秘方"为名推销药品的，可向当地市场监管部门举报，电话12315',
    "有些机构以免费检测为名吸引顾客，随后推销高价产品，请提高警惕",
    "二维码来源不明时，不要随意扫码，以免泄露个人信息",
    "如果医生说可以根治，你可以要求他出示依据",
    "收到含有二维码的陌生短信，不要扫码，直接删除",
    '骗子常以"免费领取药品"为由索要手机号，请勿提供',
    '对于"扫码领红包""加群领福利"的推广，请保持警惕',
    "一次治疗终身受益的说法没有科学依据",
    # scam warnings and consumer advice of the same kinds
    "有些诊所以“免费测毛囊”为名拉人，随后推销生发套餐，请提高警惕。",
    "不法商家常以“免费体检”为由骗取老人的个人信息。",
    "街头以免费量血压为幌子推销保健品的，要当心。",
    "如果有人以“祖传秘方”为名推销药品，可以拨打12315举报。",
    "骗子常以“免费送药”为由索要身份证号。",
    "陌生二维码不要扫，以免手机中毒。",
    "来路不明的二维码可能暗藏诈骗链接。",
    "不要随便扫描药品包装外的二维码。",
    "收到陌生人发来的加群邀请，直接拒绝。",
    "遇到“加微信领药”的推销电话，直接挂断。",
    "对于“免费领鸡蛋”的健康讲座，老人要提高警惕。",
    "不要随便加群，群里推销的药品来源不明。",
    "如果商家说能根治，请让对方出示依据。",
    "有医生承诺包治，你可以要求查看他的执业证。",
    "如果机构保证治愈，要提高警惕。",
    "终身有效的说法缺乏科学依据。",
    "一次治疗终身受益的宣传没有依据。",
    "七天根治脱发的说法属于虚假宣传。",
    # general advice that names no one to come to
    "出现以下情况请及时到医院就诊",
    "就诊时带上既往检查报告",
    "三甲医院皮肤科每周都有专病门诊",
    "到医院后可以先到导诊台咨询挂哪个科。",
    "挂号时说明症状，分诊护士会帮你安排。",
    "医院一般周一到周五上午都有专家门诊，具体以医院公布为准。",
    "门诊时间以医院官网公布为准。",
    "社区卫生服务中心为65岁以上老人提供免费体检。",
    "符合条件的居民可以参加国家免费两癌筛查。",
    "家庭医生每周二在社区卫生服务中心坐诊。",
    "主治医生每周三在门诊。",
    "来医院找专科医生明确诊断。",
    "到医院找好医生很重要。",
    "正在报名的临床试验须经伦理审查。",
    # a day at the clinic told as a story, a patient's words
    "周二我出诊时来了一位年轻患者。",
    "每周三我在门诊都会遇到不少失眠患者。",
    "上周三我在诊室接诊了一位老人。",
    "每周二下午我在门诊，会遇到大量脱发患者。",
    "我周末一般在医院值班。",
    "有位患者跟我说找了三个医生都没用。",
    "患者过来后，我给他看了看片子。",
    # channels, groups and pictures named without giving one
    "搜公众号文章时要注意甄别来源。",
    "在微信里搜小程序挂号很方便。",
    "可以搜公众号健康中国查看权威科普。",
    "不要搜公众号买药。",
    "微信号和手机号一样要保护好。",
    "微信是很多老人获取健康信息的渠道。",
    "参加群体活动有助于改善情绪。",
    "加入群体心理治疗可以改善失眠。",
    "血糖数值在图中用红色标出。",
    "有空多陪父母聊聊天。",
    "欢迎转发给身边需要的人。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_look_alikes_pass_with_both_readers(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


# --- the violations the lawful sentences resemble stay blocked ---------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("祖传秘方，专治脱发。", "mad7-superstition"),
        ("本院提供免费检测。", "ad19-cta"),
        ("扫码领红包。", "ad19-contact"),
        ("加群领福利。", "ad19-contact"),
        ("我们可以根治脱发。", "ad16-guarantee"),
        ("医生说可以根治，放心来。", "ad16-guarantee"),
        ("一次治疗终身受益。", "ad16-permanence"),
        ("一次治疗终身受益，这个说法有大量病例支持。", "ad16-permanence"),
        ("以根治为目标，三个月见效。", "ad16-guarantee"),
        # a warning word after a contact does not excuse it
        ("对于我们的二维码，不要犹豫，扫就对了。", "ad19-contact"),
        ("不要忘了扫码加我。", "ad19-contact"),
        ("不明白的地方扫描二维码问我。", "ad19-contact"),
    ],
)
def test_the_violations_they_resemble_stay_blocked(text: str, rule: str) -> None:
    assert rule in _blocking(text)


# --- site names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "wording"),
    [("引流健康 搜公众号引流健康", "搜公众号引流健康"), ("引流健康｜加群交流", "加群")],
)
def test_a_site_name_with_a_contact_by_reference_is_refused(name: str, wording: str) -> None:
    from cms.site_forms import site_name_problems

    (problem,) = site_name_problems(name)
    assert f"「{wording}」" in problem


def test_a_plain_site_name_is_allowed() -> None:
    from cms.site_forms import site_name_problems

    assert site_name_problems("引流健康") == []
    assert site_name_problems("仁心皮肤科门诊部") == []
