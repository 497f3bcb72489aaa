"""Issue 17, round 11 (fourth verification): contacts, prices and promotions written in a 科普
page's text (《广告法》第十九条, 《互联网广告管理办法》第八条: a page that teaches health carries
no contact, price, promotion or call to come to us). Each finding is written with its siblings,
by kind: a channel named with an id, a contact by reference, our address and directions, a price
(an amount with a money unit or a cost word), a promotion word, an invitation to come. The
lawful look-alikes (public prices, doses, counts, privacy advice, the state's accounts, general
advice to see a doctor) pass with both readers. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


# --- a channel named with an id, in more shapes -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # QQ after 是 / 为, and in letters NFKC does not fold
        "我的扣扣是 12345678，欢迎交流。",
        "我的QQ号码是123456789。",
        "企鹅号为 98765432",
        "扣扣 1234 5678",
        "🆀🆀 88886666",
        "🆀 88886666",
        # a mobile split by commas after a contact word
        "号码是138，1234，5678。",
        "手机号是139，8888，6666。",
        "电话：一三八，一二三四，五六七八",
        # the label spaced as well as the id (the label's spaces are folded away first)
        "微 信 号 h a i r 2 0 2 4。",
        "微 信 h a i r 2 0 2 4",
        "vx h a i r 2 0 2 4",
        # an e-mail spelled out
        "邮件请寄 hair_clinic（在）qq（点）com。",
        "hairclinic艾特一六三点康姆",
        "邮箱 doctor（at）163（dot）com",
        "hair_clinic【在】qq【点】com",
        "yisheng艾特扣扣点康姆",
        "简历请投 hr@clinic.cn",
        # a handle on a platform, and an account by name
        "小红书@引流健康 每周更新",
        "抖音@引流健康",
        "视频号@引流健康 每晚直播",
        "抖音号 yinliu2024",
        "小红书号 yinliu_2024",
        "抖音号是yinliu2024",
        "我们的公众号叫“引流健康”",
        "我们的公众号叫引流健康。",
        # a channel's search with our name after it
        "想了解更多，企微搜 引流小助手。",
        "微信小程序搜“引流健康”即可查看。",
        "企业微信搜“引流小助手”",
        "抖音搜“引流健康”就能找到我",
    ],
)
def test_a_channel_named_with_an_id_is_a_contact(text: str) -> None:
    assert "ad19-contact" in _blocking(text)


# --- a contact by reference, our address and directions ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "头像就是我的微信，可以直接加。",
        "我的名字就是微信号",
        "微信号就是我的名字。",
        "头像就是二维码，可以直接扫。",
        "昵称即微信号。",
        "我们在评论区置顶了医生的联系方式。",
        "评论区置顶有医生微信。",
        "文末附了门诊电话。",
        "文末小卡片可以直接添加医生。",
        "点击下方小卡片即可添加医生。",
        "点击文末“阅读原文”即可找到医生",
        "点击链接可以直接联系医生。",
        "阅读原文即可预约专家。",
        "可以直接加我微信。",
        "来院路线：地铁三号线体育西路站B出口，步行五分钟即到。",
        "乘车路线：公交12路到人民医院站下车。",
        "地铁二号线纪念堂站C出口，步行三分钟即到。",
        "需要的话可以到我们门诊找我，地点在天河区。",
        "我们诊所就在天河区体育西路。",
        "本院地址在越秀区中山二路。",
        "全网同名：引流健康",
        "各平台同名，搜索即可找到我。",
        "加我好友领取资料。",
    ],
)
def test_a_contact_by_reference_or_our_address_is_a_contact(text: str) -> None:
    assert "ad19-contact" in _blocking(text)


# --- prices, promotions and invitations to come -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a promotion word
        "今天下单立减五百。",
        "新客下单立减三百。",
        "现在下单送头皮护理一次。",
        "两人同行一人免单。",
        "三人同行一人免单。",
        "第二个疗程半价。",
        "前20名到店享八折。",
        "前十名报名享七折。",
        "检测费用低至8.8折。",
        "全场五折优惠。",
        # an amount with a money unit after a unit of treatment or a cost word
        "收费标准：每毛囊单位6元。",
        "每个毛囊5块钱。",
        "每株毛囊7元。",
        "每根3块钱。",
        "每次理疗八十元。",
        "植发费用1.5w左右。",
        "费用8k左右",
        "手术费大概2.5w。",
        "疗程费用3k左右。",
        "价位在两三千之间。",
        "价格在一两万之间。",
        "花费两万多块。",
        "本院挂号一九九元起。",
        "挂号一百元起。",
        "体验价一九九元起。",
        "疗程费用四位数以内",
        "治疗费用五位数。",
        "只收99大洋",
        "一次检查只收五十大洋。",
        # a bound or a figure per time in words, spend-and-save, a few yuan for a service, 拼团
        "植发两万以内搞定。",
        "三千八一次，包含术后护理。",
        "满1000减200。",
        "0元体验头皮检测。",
        "九块九测毛囊。",
        "拼团更划算。",
        # a price measured against something cheap
        "一杯奶茶钱就能做一次头皮检测。",
        "一顿早餐钱就能做一次检测。",
        "费用不到一顿火锅钱",
        "花费还不到一杯咖啡钱。",
        # an invitation to come to us (a doctor's own hours with it)
        "周一到周五上午我都在门诊，可以来找我面诊。",
        "有需要可以到我们医院找我。",
        "欢迎来门诊找我复查。",
        "每周三下午出诊，可以挂我的号。",
    ],
)
def test_a_price_a_promotion_or_an_invitation_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's four that only the second reader caught: the rules catch them now
        "一个疗程下来花不了两千块",
        "价格方面，一个疗程三千出头",
        "整套方案只需三千八百八十八",
        "每单位毛囊八元，一千单位起做",
        # and their siblings
        "整个疗程只需两千九百九十九。",
        "植发一万出头就能搞定。",
        "价格方面，整套方案八千左右。",
        "两千株起植。",
    ],
)
def test_prices_in_words_are_read_by_the_rules_alone(text: str) -> None:
    assert "ad19-cta" in _blocking(text, second_reader=False)


# --- lawful look-alikes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "lawful",
    [
        # public prices: not the clinic's offer
        "医保报销后自付约三百元。",
        "公立医院挂号费一般在几十元。",
        "集采后胰岛素每支几十元。",
        "我国糖尿病直接医疗费用超过一千亿元。",
        "糖尿病患者每年的医疗花费约三千元。",
        "胰岛素泵的价格因品牌而异，医保可部分报销。",
        "买药时认准药店的价格公示。",
        "费用问题请以医院收费处公示为准。",
        # doses, counts and durations told with the same numerals
        "每次5毫克，每天一次。",
        "每天掉100根头发属于正常范围。",
        "学会计算食物的交换份。",
        "辅酶Q10 100毫克每天一次。",
        "每次千万不要空腹服用。",
        "每次注射1万单位肝素要在医生指导下进行。",
        "每天只要走一万步就够了。",
        "每天步数只要走够一万就行。",
        "每天只需三十分钟运动。",
        "本研究共治疗三千左右患者。",
        "治疗三千多例患者的数据显示有效率有限。",
        "纳入研究的患者总共两千多人。",
        "一个疗程三个月，一般需要两到三个疗程。",
        "一个疗程通常是三到六个月。",
        "每个毛囊单位含有一到四根头发。",
        "每单位胰岛素可降低血糖约2mmol/L。",
        "胰岛素每支300单位。",
        "二甲双胍每片0.5克，每天最多不超过2克。",
        "发病率只有三千分之一。",
        "花一分钟了解糖尿病的早期信号。",
        "花了三个月时间，血糖才逐渐平稳。",
        "在花园里每天散步三千米有益健康。",
        "头皮有一块起皮了，可能是脂溢性皮炎。",
        # 打折扣, 骨折, 折算 and an offer warned against
        "长期熬夜会让睡眠质量大打折扣。",
        "骨折后三个月才能负重。",
        "按一折算，误差很小。",
        "打九折的说法来自商家，不要轻信。",
        "省下一杯奶茶钱，不如多喝水。",
        "前3名死因分别是心脏病、脑卒中和癌症。",
        "国内同行普遍采用免费筛查。",
        "现在网上下单买药很方便，但处方药需要处方。",
        "网上下单送药上门，也要核对药品信息。",
        # general advice to see a doctor names no one to come to
        "及时到正规医院皮肤科就诊。",
        "建议到内分泌科门诊复查。",
        "建议到三甲医院找主任医师诊治。",
        "有问题要及时找医生，不要自己乱用药。",
        "到医院找好医生，比自己上网搜索更可靠。",
        "门诊时间一般为上午8点到下午5点，可以提前预约。",
        "医院门诊时间各不相同，请到医院官网查询。",
        "请到医院官网查看专家出诊时间。",
        "可以添加医生建议的食物到食谱中。",
        "参加医生组织的健康讲座有助于了解疾病。",
        "阅读原文可以找到医生写的完整综述的文章。",
        "下方表格列出了需要咨询医生的情况。",
        # the public's hotlines and accounts
        "可拨打12320卫生热线咨询。",
        "关注国家卫健委公众号获取权威信息。",
        "可以关注微博@健康中国 获取权威信息。",
        "文末附上了各地急救电话。",
        # privacy advice names a channel without giving one
        "不要在评论区留下你的电话号码。",
        "头像和微信昵称不要用真实姓名。",
        "手机号和名字都属于个人隐私。",
        "邮件里不要透露身份证号。",
        "小程序搜索药品说明书要认准官方来源。",
        "医院的公众号叫什么？可以在挂号单上找到。",
        "医院的公众号是获取信息的渠道之一。",
        "视频号2020年上线后，健康科普内容越来越多。",
        # places and routes that are not ours
        "上班可以提前一站下车，步行回家。",
        "公交提前一站下车，步行到单位，每天可以多走两千步。",
        "有患者在地铁站出口突然晕倒。",
        "提前规划好去医院的就诊路线，可以减少焦虑。",
        "脱发的位置在头顶区域。",
        "我们在临床上区分雄激素性脱发和斑秃。",
        "我们在门诊经常见到这样的患者。",
        "运动地点在公园或绿地区域更好。",
        # numbers and words beside the new promotion shapes
        "用一块检测试纸就能测血糖。",
        "二十一次随访的结果显示血糖稳定。",
        "两百一次性注射器要正确丢弃。",
        "治疗一万以内的费用由医保报销一部分。",
        "同名药物可能有不同剂型。",
        "满18岁后才能献血。",
        "满三个月减量一次。",
        "每年检查一次血脂。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_lawful_look_alikes_pass_both_readers(lawful: str, second_reader: bool) -> None:
    assert _blocking(lawful, second_reader=second_reader) == set()


def test_a_price_in_a_story_warned_against_is_no_offer() -> None:
    # the rules read the warning (毫无效果，千万别上当) and find no price; the second reader's
    # own reading of the story (a claim model, not these rules) is measured elsewhere
    text = "有人花了两万块买所谓的生发液，结果毫无效果，千万别上当。"
    assert _blocking(text, second_reader=False) == set()
    assert not {"ad19-contact", "ad19-cta"} & _blocking(text, second_reader=True)


# --- scope: these are 科普 rules ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "每周三下午出诊，可以挂我的号。",
        "周一到周五上午我都在门诊，可以来找我面诊。",
        "来院路线：地铁三号线体育西路站B出口，步行五分钟即到。",
        "本院挂号一九九元起。",
    ],
)
def test_a_doctor_page_may_give_its_own_hours_address_and_fee(text: str) -> None:
    # a doctor's page (出诊信息) is not 科普: the 第十九条 rules do not read it
    assert not {"ad19-contact", "ad19-cta"} & _blocking(text, scopes=())


def test_a_found_price_is_highlighted_as_typed() -> None:
    line = "植发费用1.5w左右。"
    report = check_report(line, scopes=SCIENCE, second_reader=False)
    finding = next(f for f in report.blocking if f.rule == "ad19-cta")
    assert line[finding.start : finding.end] == finding.text
    assert "1.5w" in finding.text
