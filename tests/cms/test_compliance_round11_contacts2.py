"""Issue 17, round 11 (fifth verification): more contacts, promotions and invitations written in a
科普 page's text that published on rules 2026.12.6 after the first round (《广告法》第十九条,
《互联网广告管理办法》第八条: a page that teaches health carries no contact, promotion or call to
come to us). Each finding is written with its siblings, by kind: the QR code by its steps, QQ in
numerals, a phone number in parts, WeChat and e-mail spelled, scarcity and deadlines, a gift for
coming, an invitation to come to us, a price asked and answered. The lawful look-alikes (a saved
report, symptoms to recognise, a clinical trial's places, general advice to see a doctor, counts
and lists of figures) pass with both readers. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


# --- contacts: the QR code by its steps, QQ, phones, WeChat and e-mail spelled --------------


@pytest.mark.parametrize(
    "text",
    [
        # the QR code by its steps: a picture saved, then read by an app
        "保存图片，打开微信识别。",
        "截图后用微信扫一扫就能加我。",
        "长按保存图片，到微信里识别二维码。",
        "把海报存下来，用微信扫描即可。",
        "下载图片后打开支付宝扫一扫。",
        # QQ in numerals of any kind, and by 扣 alone
        "我的扣扣：壹贰叁肆伍陆柒捌。",
        "QQ：一二三四五六七八。",
        "扣1234 5678。",
        "扣扣号：幺二三四五六七八九",
        "企鹅号 壹贰叁肆伍陆",
        "qq是 一 二 三 四 五 六 七 八",
        "扣 12345678",
        # a phone number in parts: any mark between its groups, the contact word before or after
        "电话号码分三段：138；1234；5678。",
        "一三八，一二三四，五六七八，这是张医生的手机。",
        "手机号138*1234*5678",
        "0755.8888.6666",
        "手机：139、8888、6666",
        "张医生的电话：一三八；一二三四；五六七八",
        "139×8888×6666",
        "010.8888.6666",
        "020/8888/6666",
        # WeChat spelled: letters spaced, pinyin, homophones, a heart, one character with a colon
        "wei xin：hair2024",
        "微ｘｉｎ：hair2024",
        "W e C h a t: hair2024",
        "V❤X：hair2024",
        "威芯号hair2024",
        "徽：hair2024",
        "卫心：hair2024",
        "wechat：hair2024",
        "we chat: hair2024",
        "威心号：hair_2024",
        "微xin hair2024",
        "v♥x：hair2024",
        "卫信：hair2024",
        "魏：hair2024",
        # e-mail in full-width marks and in words
        "邮箱 hairclinic＠163．com",
        "邮箱是hairclinic at 163 dot com。",
        "邮箱：hair2024＠qq．com",
        "hair_clinic AT qq DOT com",
        "电子邮箱为 doctor2024@163.com",
    ],
)
def test_a_contact_spelled_another_way_is_a_contact(text: str) -> None:
    assert "ad19-contact" in _blocking(text)


# --- promotions, scarcity and a gift for coming -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "名额仅剩3个，先到先得。",
        "活动截止本周日。",
        "到院即送头皮检测一次。",
        "号源仅剩两个，先到先得。",
        "最后3个名额，报满即止。",
        "优惠名额只剩五位。",
        "优惠活动截至12月31日。",
        "特价活动限本周末。",
        "活动即将结束，抓紧时间。",
        "预约就送头皮护理一次。",
        "首诊即赠毛囊检测。",
        "关注公众号就送控糖食谱。",
    ],
)
def test_scarcity_a_deadline_or_a_gift_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


# --- an invitation to come to us ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "需要的可以约个号，我周二下午出诊。",
        "线下门诊等你来。",
        "带上检查报告来门诊找我。",
        "有需要可以约我，我每周四上午坐诊。",
        "想看的话挂我周三的号。",
        "周二门诊见！",
        "我们医院等你来。",
        "欢迎大家来门诊复查。",
        "拿着化验单到我们这里找我。",
        "有空来门诊找我看看。",
    ],
)
def test_an_invitation_to_come_to_us_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


# --- a price asked and answered ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the checker reads 「…？三千左右」 with its question: a cost word, a question mark, an
        # amount
        "费用大概多少？三千左右。",
        "多少钱？两千左右。",
        "价格贵吗？八百多。",
        "治疗费用是多少？答：三万左右。",
        # the question on one line and its answer on the next are read joined
        "费用大概多少？\n三千左右。",
    ],
)
def test_a_price_asked_and_answered_is_a_price(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


# --- lawful look-alikes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "lawful",
    [
        # general advice to see a doctor, and the hospital's own channels
        "带上检查报告到医院复诊。",
        "及时到正规医院就诊。",
        "出诊时间以医院官网为准。",
        "脱发门诊一般需要预约挂号，可通过医院官方渠道。",
        "复诊时记得带上检查报告给医生看。",
        "冬季床位紧张，轻症请到社区医院就诊。",
        "专家号源紧张，可以在医院官方平台预约。",
        # the clinic told of, not invited to
        "门诊见到的患者多数是雄激素性脱发。",
        "我在门诊见过很多这样的患者。",
        "等你来月经时再测一次。",
        # pictures and recognising things, not a QR code
        "每天睡前放下手机。",
        "保存图片时注意保护患者隐私。",
        "截图保存检查报告，就诊时给医生看。",
        "人脸识别技术可以辅助诊断。",
        "学会识别低血糖的早期症状。",
        "用微信扫码挂号可以减少排队。",
        "打开微信运动，看看今天走了多少步。",
        # numerals, counts and lists of figures
        "一二三四五六七八九十（数数放松法）。",
        "维生素D 1000单位。",
        "138名患者参与了研究。",
        "三组分别纳入138、1234、5678例患者。",
        "扣除医保报销部分12345元后自付。",
        # the words of a WeChat homophone in ordinary use
        "QQ音乐里的助眠白噪音。",
        "微信运动步数。",
        "卫生间。",
        "徽章。",
        "微量元素：zinc2024",
        "维生素：vitaminD",
        "安徽：anhui2024 项目",
        # activities, places and deliveries that are no offer
        "活动后注意补水。",
        "名额有限的临床试验由医院伦理委员会审批。",
        "临床试验的名额有限，入组需符合条件。",
        "器官分配不是先到先得，而是按病情排序。",
        "体育活动截止到睡前两小时为宜。",
        "社区活动时间为每周六上午。",
        "采血后即送检验科检测。",
        "网上下单送药上门，也要核对药品信息。",
        # a question answered with no price
        "费用能报销吗？部分可以。",
        "治疗要多久？三个月左右。",
        "费用高吗？因人而异。",
        "花多长时间？三十分钟左右。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_lawful_look_alikes_pass_both_readers(lawful: str, second_reader: bool) -> None:
    assert _blocking(lawful, second_reader=second_reader) == set()


@pytest.mark.parametrize(
    "text",
    ["很多患者来门诊找我时，头发已经很稀疏了。", "有位患者来门诊找我的时候已经失眠三年。"],
)
def test_a_patient_who_came_is_no_invitation(text: str) -> None:
    # the rules read a story of a visit as no call to come; the second reader's own reading of a
    # story (a claim model, not these rules) is measured elsewhere
    assert _blocking(text, second_reader=False) == set()
    assert not {"ad19-contact", "ad19-cta"} & _blocking(text, second_reader=True)


# --- scope: these are 科普 rules ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["需要的可以约个号，我周二下午出诊。", "周二门诊见！", "带上检查报告来门诊找我。"],
)
def test_a_doctor_page_may_invite_to_its_own_clinic(text: str) -> None:
    # a doctor's page (出诊信息) is not 科普: the 第十九条 rules do not read it
    assert not {"ad19-contact", "ad19-cta"} & _blocking(text, scopes=())


def test_a_found_phone_in_parts_is_highlighted_as_typed() -> None:
    line = "电话号码分三段：138；1234；5678。"
    report = check_report(line, scopes=SCIENCE, second_reader=False)
    finding = next(f for f in report.blocking if f.rule == "ad19-contact")
    assert line[finding.start : finding.end] == finding.text
    assert "138；1234；5678" in finding.text
