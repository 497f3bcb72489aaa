"""Issue 17, round 10 of the checker (docs/compliance.md): the second verification's leftovers.
科普 contacts spelled another way (e-mail, QQ, WeChat by nickname, numbers in 大写/幺 numerals,
prices in words, contacts "on my home page"), claim words spelled as homophones, look-alikes or
pinyin (`cms.compliance.spelling`), zero side effects after the word, stopping a drug with 可,
a disease said to be reversible, a Nobel name behind a product, a question answered in other
words or on the next line, and our own service as "one of the best". Every case goes through
the real checker, with the siblings of each input beside it and the lawful look-alikes that
must still pass (with both readers: the second reader must not block them either)."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from cms.compliance.spelling import read_spellings
from cms.textnorm import normalize_map

SCIENCE = {"science"}


def _blocking(text: str, scopes=(), second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


@pytest.mark.parametrize(
    "text",
    [
        # e-mail, plain and disguised
        "有问题发邮箱yisheng@qq.com",
        "邮件联系 doctor@clinic.cn",
        "来信请寄 zhou.doctor(at)163.com",
        "zhouys＠163点com",
        "yisheng#qq.com（#换成@）",
        "联系邮箱见文末",
        "请发邮件至编辑部",
        # QQ and groups
        "Q:123456789",
        "QQ群：87654321",
        "加q 12345678",
        "想交流的可以加扣扣群",
        "扫码进病友群，每天打卡控糖",
        "进群领取食谱",
        # WeChat by nickname
        "有需要可以加作者v",
        "加薇了解",
        "加微咨询",
        "＋V咨询",
        "+vx领取",
        "ⓥ：zhouys88",
        "V：zhouys88",
        "（微）zhouys88",
        "【v】zhouys88",
        "微信同号",
        "手机同微信",
        # numbers in other numerals
        "壹叁捌零零壹叁捌零零零",
        "请拨幺三八零零一三八零零零",
        "一三八 零零一三 八零零零",
        "四零零八八八六六六六",
        "肆零零-捌捌捌-陆陆陆陆",
        "热线两零两零两零两零",
        # contacts by reference, private messages, accounts
        "联系方式见主页",
        "电话在简介里",
        "主页有联系方式",
        "简介留了微信",
        "点击头像私信",
        "私信小编领取",
        "有问题私信咨询",
        "搜索“XX医院”公众号",
        "微信搜索“周医生谈脱发”即可",
        "抖音号：zhouys2026",
        "公众号：周医生谈睡眠",
        # prices in words and lists
        "检测199元起",
        "首单仅需一块钱",
        "体验价九十九元",
        "新人只要一元",
        "毛囊检测50元/次",
        "评论区留言“1”领取控糖食谱",
    ],
)
def test_science_contacts_spelled_another_way_are_blocked(text) -> None:
    assert _blocking(text, SCIENCE) & {"ad19-contact", "ad19-cta"}, text


@pytest.mark.parametrize(
    "text",
    [
        "邮箱注册时请注意保护隐私",
        "不要加入陌生人拉的“病友群”买药",
        "研究纳入群体为2型糖尿病患者",
        "可以在“健康中国”公众号搜索权威科普",
        "搜索“国家医保服务平台”小程序查询报销政策",
        "增加微量元素摄入要适量",
        "参加微创手术前需要空腹",
        "维生素A、C、E都有抗氧化作用",
        "作者简介：周医生，皮肤科主治医师",
        "小编薇薇整理了三条建议",
        "医保起付线一般为1300元起付",
        "血糖仪一般199元左右，可以在药店购买",
        "以上内容仅供科普参考，具体情况请咨询医生",
        "好了，今天的分享就到这里，有问题可以在评论区留言",
        "Q：脱发会遗传吗？A：雄激素性脱发与遗传有关",
        "血糖记录：空腹六点一，餐后七点八",
        "全国心理援助热线400-161-9995",
        "不要回复陌生人的私信，谨防诈骗",
        "医生的V型切口缝合后一周拆线",
    ],
)
def test_science_lawful_look_alikes_of_contacts_pass(text) -> None:
    assert not _blocking(text, SCIENCE, second_reader=True), text


def test_contacts_stay_science_rules() -> None:
    # an ad page (a landing page) shows its contact: 第十九条 governs 科普 only
    assert not _blocking("咨询邮箱：zhou@clinic.cn，QQ：123456789")


@pytest.mark.parametrize(
    "claim",
    [
        "我们根冶脱发",
        "跟治脱发不是梦",
        "艮治脱发",
        "亘治失眠",
        "根zhi脱发",
        "根 zhi 脱发",
        "genzhi脱发",
        "gen治失眠",
        "三个月冶愈",
        "保证zhi好失眠",
        "三个月quan愈",
        "保证全愈",
        "zui好的生发医院",
        "本疗法副作用为0",
        "不良反应率0%",
        "风险几乎为零",
        "用了这个方法可停用胰岛素",
        "调理半年可停用降压药",
        "糖尿病可逆转",
        "2型糖尿病完全可以逆转",
        "脱发能被彻底逆转",
        "我们能让糖尿病得到逆转",
        "诺贝尔奖团队研发",
        "诺奖得主推荐的助眠方案",
        "脱发能根治吗？答案是肯定的",
        "失眠能治愈吗？没错，可以",
        "我们的疗法是最有效的方法之一",
        "本院的植发技术堪称国内最先进的之一",
    ],
)
def test_round10_claims_are_blocked(claim) -> None:
    assert _blocking(claim), claim


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("脱发能根治吗？", "能！"),
        ("失眠可以彻底治好吗？", "当然可以！"),
        ("糖尿病能逆转吗？", "答案是肯定的。"),
    ],
)
def test_a_question_answered_on_the_next_line_is_one_claim(question, answer) -> None:
    report = check_report(f"{question}\n{answer}", second_reader=False)
    assert {f.line for f in report.blocking} == {1, 2}
    assert "ad16-question-claim" in {f.rule for f in report.blocking}


@pytest.mark.parametrize(
    "text",
    [
        "脱发能根治吗？\n目前不能，但可以控制。",
        "脱发能根治吗？\n\n能！",
        "失眠能治好吗？\n先说说失眠的原因。",
    ],
)
def test_a_question_not_answered_yes_stays_a_question(text) -> None:
    assert not _blocking(text), text


@pytest.mark.parametrize(
    "lawful",
    [
        "跟治疗方案有关的问题请遵医嘱",
        "这跟治愈率的统计口径有关",
        "伤口完全愈合需要两周",
        "陶冶好心情有助于睡眠",
        "规律作息是改善睡眠最有效的方法之一",
        "二甲双胍是最常用的降糖药之一",
        "早期2型糖尿病通过减重有可能缓解，但并非逆转",
        "糖尿病前期可以逆转，关键在生活方式",
        "诺贝尔奖得主班廷发现了胰岛素",
        "不良反应发生率为0.5%，多为轻度",
        "风险不为零，需要权衡利弊",
        "减重后部分患者在医生评估下可停用胰岛素",
        "血糖平稳不等于可停药",
        "头发再也不掉了？别信这种说法",
        "吃黑芝麻能让白发变黑？别信，缺乏依据",
    ],
)
def test_round10_lawful_look_alikes_pass_both_readers(lawful) -> None:
    assert not _blocking(lawful, SCIENCE, second_reader=True), lawful


def test_a_debunk_still_reads_what_follows_the_denial() -> None:
    # the second reader skips the denied question, not a claim after the denial
    report = check_report("头发再也不掉了？别信别人，来我们这里三个月保证长出来", scopes=SCIENCE)
    assert report.has_blocking


def test_a_spelling_is_highlighted_as_typed() -> None:
    line = "我们gen zhi脱发"
    report = check_report(line, second_reader=False)
    finding = next(f for f in report.blocking if f.rule == "ad16-guarantee")
    assert line[finding.start : finding.end] == finding.text
    assert finding.text.startswith("gen")


def test_read_spellings_keeps_the_origin_map_in_step() -> None:
    folded, origin = normalize_map("先genzhi后冶愈")
    text, mapped = read_spellings(folded, origin)
    assert text == "先根治后治愈"
    assert len(mapped) == len(text) + 1  # the end sentinel stays
    assert mapped[-1] == len("先genzhi后冶愈")
    assert [mapped[i] for i in range(len(text))] == sorted(mapped[: len(text)])


@pytest.mark.parametrize(
    "text",
    [
        "邮箱 zhouys艾特qq点com",
        "加绿泡泡详聊",
        "扫一下就能加上",
        "薇❤：zhouys88",
        "138/1234/5678",
        "1三8 0013 8000",
        "1\ufe0f\u20e33\ufe0f\u20e38\ufe0f\u20e30\ufe0f\u20e30\ufe0f\u20e31\ufe0f\u20e33\ufe0f\u20e38"
        "\ufe0f\u20e30\ufe0f\u20e30\ufe0f\u20e30\ufe0f\u20e3",
        "欢迎咨询",
        "左下角小黄车有同款",
        "打开“周医生”小程序预约",
        "滴滴我",
        "v信搜：周医生",
        "加我v了解",
        "关注作者微",
    ],
)
def test_more_contact_siblings_are_blocked(text) -> None:
    assert _blocking(text, SCIENCE) & {"ad19-contact", "ad19-cta"}, text


@pytest.mark.parametrize(
    "lawful",
    [
        "打开“国家医保服务平台”小程序可以查询报销进度",
        "如有疑问请咨询您的主治医生",
        "扫描电镜下可以看到毛鳞片受损",
        "滴眼液要避免瓶口接触眼睛",
    ],
)
def test_more_contact_look_alikes_pass(lawful) -> None:
    assert not _blocking(lawful, SCIENCE, second_reader=True), lawful


@pytest.mark.parametrize(
    "claim",
    ["包冶失眠", "专冶脱发", "zhiyu率高", "保证zhi yu", "gen除脱发", "无负作用", "零负作用"],
)
def test_more_spellings_of_claim_words_are_blocked(claim) -> None:
    assert _blocking(claim), claim


# --- the fresh review of round 10 (the review's H1, H4, M1, M2, M3, M5) ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "有问题可以加我，我的微信号是hair2024，门诊电话（020）12345678。",
        "微信号是 hair2024",
        "我的v是hair2024",
        "我的vx是hair2024",
        "我的威是hair2024",
        "加威：hair2024",
        "加魏信：hair2024",
        "徽信：hair2024",
        "wei信：hair2024",
        "微亻言：hair2024",
        "门诊电话(020)1234-5678",
        "020 8888 6666",
        "١٣٨١٢٣٤٥٦٧٨",
        "检查费用三百八十元",
        "治疗费用约一万元",
        "一次治疗大概两千块",
        "植发大概一万多",
        "费用在一到两万之间",
        "收费一九八零元",
        "价格：$299",
    ],
)
def test_review_contacts_and_prices_are_blocked(text) -> None:
    assert _blocking(text, SCIENCE) & {"ad19-contact", "ad19-cta"}, text


@pytest.mark.parametrize(
    "lawful",
    [
        "电话随访100例患者",
        "手机使用时间超过3小时会影响睡眠",
        "威胁健康的因素很多",
        "糖尿病患者每年的医疗花费约三千元",
        "我国糖尿病患者约1.4亿人",
        "第1名患者入组后第10天复查",
        "发根出现萎缩要及时就医",
        "宝宝治疗湿疹要遵医嘱",
        "让您见笑了，这是我的习惯",
        "脱发会传染吗？不会。",
        "米诺地尔有副作用吗？有，常见的是头皮瘙痒",
        "停药后会反弹吗？有可能，要遵医嘱减量",
        "有问题吗？没关系，慢慢来",
        "目前没有任何方法能彻底治愈雄激素性脱发。",
        "至今没有能彻底治愈糖尿病的药物。",
        "还没有一种药能让人永不复发。",
        "没有一种治疗能保证百分之百有效。",
        "没有任何治疗能百分之百有效。",
        "世上没有百分之百治愈的方法。",
        "如果有人承诺能根治脱发，一定要警惕。",
        "网上说的“三天根治失眠”是骗人的。",
        "说“零风险”的手术都不可信。",
        "快速见效的药物往往有副作用。",
        "保持心情愉快是最好的良药之一。",
        "左图为正常头皮，右图为脂溢性皮炎",
    ],
)
def test_review_lawful_sentences_pass_both_readers(lawful) -> None:
    assert not _blocking(lawful, SCIENCE, second_reader=True), lawful


@pytest.mark.parametrize(
    "claim",
    [
        "治疗后会复发吗？不会，永远不会。",
        "有没有副作用？没有。",
        "效果不好能退钱吗？能，全额退。",
        "植发能保证100%存活吗？可以的，这点请放心。",
        "治疗后会复发吗？\n不会。",
        "没有比我们更能彻底治愈脱发的医院",
        "没有其他医院能彻底治愈脱发，只有我们能",
        "目前没有任何方法能彻底治愈脱发，除了我们的疗法",
        "没有任何方法能像我们一样彻底治愈脱发",
        "本地没有哪家医院能和我们相提并论",
        "没有治不好的脱发",
        "立杆见影",
        "力竿见影",
        "无付作用",
        "无副做用",
        "永不复法",
        "宝治百病",
        "醉好的植发医院",
        "一针见笑",
        "全国第壹",
        "全国第1",
        "根chu脱发",
        "包zhi百病",
        "永不fu发",
        "药到病chu",
        "bai分百治愈",
        "全国di一",
        "服药后半小时头痛全消。",
        "治疗一次就能看到效果。",
        "张主任的方法，连隔壁三甲医院的医生都来偷师。",
        "左图为治疗前，右图为治疗后。",
        "我院失眠治愈的人数超过一万。",
    ],
)
def test_review_claims_are_blocked(claim) -> None:
    assert _blocking(claim), claim


def test_the_second_reader_reads_a_sentence_without_its_lawful_framing() -> None:
    # the denial of a cure is skipped; a claim in the same sentence is still read
    lawful = check_report("世上没有百分之百治愈的方法。", scopes=SCIENCE)
    claim = check_report(
        "世上没有百分之百治愈的方法，但在我院三个月就能长出浓密头发", scopes=SCIENCE
    )
    assert not lawful.has_blocking
    assert claim.has_blocking


# --- the verification of the review's fixes (V5–V9, V12, H1's last case) --------------------


@pytest.mark.parametrize(
    "text",
    [
        "有事找我：1 3 8 1 2 3 4 5 6 7 8",
        "138****5678（完整号码私信）",
        "手机尾号是5678，前面是1381234",
        "手机号是138，后面是12345678",
        "我的微信叫hair2024",
        "微信名为hair_2024",
        "V我：hair2024",
        "加一下我的wechat，id是hair2024",
        "我的薇芯是hair2024",
        "微 信 号 是 h a i r 2 0 2 4",
        "價格：三百八十圓",
        "每针只要八百八",
        "费用：USD 299",
        "€199 per session",
        "做一次的花费是三百八",
    ],
)
def test_verification_contacts_and_prices_are_blocked(text) -> None:
    assert _blocking(text, SCIENCE) & {"ad19-contact", "ad19-cta"}, text


@pytest.mark.parametrize(
    "claim",
    [
        "别的医院都没有方法能彻底治愈脱发，我们可以。",
        "没有任何一种治疗能做到永不复发，但张主任做到了。",
        "网上说的“三天根治失眠”是骗人的，我们只需要两天。",
        "世上没有百分之百治愈的方法？在这里有。",
        "没有不能根治的失眠。",
        "目前没有方法能彻底治愈脱发——我们的除外",
        "不是没有方法能彻底治愈脱发，只是你没遇到我们",
        "会不会复发？\n放心，不会的。",
        "治不好怎么办？\n我们退款。",
        "需要终身吃药吗？\n不需要，吃三个月就可以停。",
        "能除根吗？\n绝对可以。",
        "失眠能治好吗？\n包的。",
        "Q：治疗后会复发吗？\nA：不会。",
        "问：有副作用吗？答：无。",
        "永不腹发",
        "嘴好的植发医院",
        "彻dǐ治愈脱发",
        "chè底治愈",
        "根至脱发",
        "wu副作用",
        "佰分佰有效",
        "药到病徐",
        "立竿见yin",
        "上图是治疗前，下图是治疗三个月后",
    ],
)
def test_verification_claims_are_blocked(claim) -> None:
    assert _blocking(claim), claim


@pytest.mark.parametrize(
    "lawful",
    [
        "目前没有任何方法能彻底治愈雄激素性脱发，但规范治疗可以长期控制。",
        "雄激素性脱发目前没有方法能彻底治愈。",
        "没有任何一种治疗能做到永不复发。",
        "如果有人向你推荐“祖传秘方根治糖尿病”，请立即拒绝并举报。",
        "需要终身吃药吗？\n不一定，要看病情。",
        "脱发能根治吗？\n当然不能，但可以控制。",
        "问：会遗传吗？答：有一定的遗传倾向。",
        "在公立医院做一次毛囊镜检查费用约一百元左右",
        "国家医保目录内的二甲双胍每月药费只需几元钱",
        "胰岛素集采后，每支价格降到了几十元",
        "维新变法是历史事件",
        "每次只要五分钟",
        "一次要两千步",
        "从发根至发梢都要护理",
        "嘴好干，是不是血糖高了",
        "café里的咖啡因会影响睡眠",
        "腹部脂肪多的人更容易胰岛素抵抗",
    ],
)
def test_verification_lawful_sentences_pass_both_readers(lawful) -> None:
    assert not _blocking(lawful, SCIENCE, second_reader=True), lawful


# --- the second verification (N6, N7, N9) ------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "没有任何方法能彻底治愈脱发，除非你来找张主任。",
        "现在还没有药物能彻底治愈脱发——本院的新疗法是第一个。",
        "没有哪家医院能保证永不复发，本院可以。",
        "从前没有药物能根治糖尿病；如今，XX胶囊做到了。",
        "还没有一种药能让人永不复发，张氏生发液就是那一种。",
        "如果有人承诺能根治脱发，一定要警惕，除非他是张主任。",
        "网上说的“三天根治失眠”是骗人的，在本院一天就够了。",
        "吃这个药伤肝吗？完全不伤。",
        "做完会反弹吗？不存在的。",
        "植发会失败吗？从来没有过。",
        "会留疤吗？不会留任何疤痕。",
    ],
)
def test_second_verification_claims_are_blocked(claim) -> None:
    assert _blocking(claim), claim


@pytest.mark.parametrize(
    "lawful",
    [
        "作为医生，我们不会向患者承诺“根治”，因为雄激素性脱发目前无法根治。",
        "国家集采后，非那雄胺片的价格降到了每盒十几元。",
        "胰岛素集采后，每支价格降到了几十元。",
        "目前没有方法能根治脱发，但医生可以帮助你控制病情",
        "植发会疼吗？不会太疼，有局部麻醉",
        "没有药物能根治糖尿病，规范用药可以让血糖长期达标",
        "我们通常建议每三个月复查HbA1c。",
    ],
)
def test_second_verification_lawful_sentences_pass_both_readers(lawful) -> None:
    assert not _blocking(lawful, SCIENCE, second_reader=True), lawful
