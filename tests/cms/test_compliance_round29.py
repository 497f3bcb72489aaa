"""Round 29: claims and 科普 contacts still passing after round 28, taken as kinds (each with
siblings): a cure rate under other names, as a decimal or a likelihood, the share of patients
no longer ill, ten and nine, respondents reporting relief, efficacy with no relapse, the root
of the disease cut out, a goodbye to a skin condition's trouble, a promise or a rate's label
over a blank line; on 科普, a hotline spelled with the letter O, calls, brackets, the front desk,
a private account and a named doctor's examination offered. Three 科普 false blocks lifted: a
disease's natural course, a guideline's figure for a treatment, a study's arm."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from tests.cms.compliance_support import growth_ratio


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a cure rate under another name, as a decimal, as a likelihood
        ("治好率95%", "ad16-rate"),
        ("根治率95%", "ad16-rate"),
        ("治好率达九成", "ad16-rate"),
        ("治愈率0.95", "ad16-rate"),
        ("有效率为0.9", "ad16-rate"),
        ("治愈率达到0.98", "ad16-rate"),
        ("治愈的概率很高", "ad16-rate"),
        ("痊愈的几率极高", "ad16-rate"),
        ("治愈的概率高达95%", "ad16-rate"),
        ("治好的把握很大", "ad16-rate"),
        # the share of patients no longer ill
        ("90%的患者不再失眠", "ad16-rate"),
        ("九成患者不再脱发", "ad16-rate"),
        ("95%的患者告别失眠", "ad16-rate"),
        ("八成的患者再也不失眠", "ad16-rate"),
        # ten and nine, a hundred and ninety
        ("十个失眠九个好", "ad16-rate"),
        ("十个脱发九个好", "ad16-rate"),
        ("十个失眠的九个能好", "ad16-rate"),
        ("百个患者九十个好", "ad16-rate"),
        ("百人九十愈", "ad16-cohort"),
        ("百人九十五愈", "ad16-cohort"),
        ("千人九百愈", "ad16-cohort"),
        ("十人十愈", "ad16-cohort"),
        # respondents (our patients surveyed) reporting relief, a half or more
        ("约七成的受访者表示症状减轻", "ad16-cohort"),
        ("八成受访患者反馈睡眠改善", "ad16-cohort"),
        ("超过80%的受访者表示脱发减少", "ad16-cohort"),
        ("约七成患者表示症状减轻", "ad16-cohort"),
        # efficacy with no relapse
        ("疗效确切，不易反弹", "ad16-guarantee"),
        ("效果持久，不易复发", "ad16-guarantee"),
        ("疗效稳定不易复发", "ad16-guarantee"),
        ("治疗效果好，很少复发", "ad16-guarantee"),
        # the root of the disease cut out
        ("斩断病根", "ad16-guarantee"),
        ("拔除病根", "ad16-guarantee"),
        ("彻底铲除病根", "ad16-guarantee"),
        ("帮您除掉失眠的病根", "ad16-guarantee"),
        # a goodbye to a skin condition, or an ailment's trouble
        ("告别湿疹困扰", "ad16-guarantee"),
        ("告别脱发烦恼", "ad16-guarantee"),
        ("摆脱白癜风困扰", "ad16-guarantee"),
        ("告别痘痘", "ad16-guarantee"),
        # a promise or a rate's label alone over a blank line
        ("我们保证\n\n您的脱发能治愈", "ad16-guarantee"),
        ("我们保证\n\n您的脱发一定能治愈", "ad16-guarantee"),
        ("本院承诺：\n\n您的失眠能治好", "ad16-guarantee"),
        ("治愈率\n\n95%", "ad16-rate"),
        ("有效率：\n\n98%", "ad16-rate"),
        ("治愈率\n\n九成", "ad16-rate"),
    ],
)
def test_the_round_29_claims_are_refused(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a hotline spelled with the letter O for zero
        ("4OO-123-4567", "ad19-contact"),
        ("4oo-123-4567", "ad19-contact"),
        ("4OO 123 4567", "ad19-contact"),
        ("4OO8OO1234", "ad19-contact"),
        # a call invited, in traditional characters too (cms.textnorm folds them first)
        ("來電諮詢", "ad19-cta"),
        ("来电咨询", "ad19-cta"),
        ("歡迎來電預約", "ad19-cta"),
        ("请来电咨询", "ad19-cta"),
        # the invitation's verb in brackets
        ("欢迎【预约】", "ad19-cta"),
        ("欢迎「咨询」", "ad19-cta"),
        ("欢迎“来电”", "ad19-cta"),
        ("欢迎〔挂号〕", "ad19-cta"),
        # booking through our front desk, by phone
        ("预约请找前台", "ad19-cta"),
        ("挂号请联系客服", "ad19-cta"),
        ("咨询请找医助", "ad19-cta"),
        ("预约可以找前台", "ad19-cta"),
        ("挂号请打", "ad19-cta"),
        ("预约请致电", "ad19-cta"),
        ("咨询请拨打", "ad19-cta"),
        ("挂号请打电话", "ad19-cta"),
        # a private account
        ("加我私人号", "ad19-contact"),
        ("加我私人微信", "ad19-contact"),
        ("加我的个人号", "ad19-contact"),
        ("添加我的工作微信", "ad19-contact"),
        # a named doctor's examination offered
        ("王主任帮你做检查", "ad19-cta"),
        ("王主任给您做个检查", "ad19-cta"),
        ("李医生帮您做个头皮检测", "ad19-cta"),
        ("张主任为你做B超", "ad19-cta"),
        # kept: a QR code on 科普 is a channel whatever it is said to give
        ("扫码可下载完整指南PDF", "ad19-contact"),
        ("扫码领取完整指南", "ad19-contact"),
    ],
)
def test_the_round_29_contacts_are_refused_on_science(text, rule) -> None:
    assert rule in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "治愈率因人而异",
        "研究显示，约九成患者症状改善",
        "告别熬夜，从今天开始",
        "4月10日上午",
        "脱发的病根在于毛囊微小化",
        "请遵医嘱",
        "我们无法保证治愈",
        # siblings of the lawful
        "治愈的概率因人而异。",
        "早期发现，治愈的概率更高。",
        "找到病根才能对症治疗。",
        "失眠的病根往往是焦虑。",
        "摆脱失眠困扰需要规律作息。",
        "一项全国调查显示，约七成的受访者表示睡眠不足。",
        "约三成受访者表示症状减轻。",
        "循序渐进减重，体重不易反弹。",
        "停药后容易复发，需要长期治疗。",
        "十个失眠患者中有三个伴有焦虑。",
        "治愈率\n\n因人而异",
        "我们无法保证\n\n治愈",
        "失眠的治疗\n\n认知行为治疗是首选。",
        "H2O和CO2",
        "ISO 9001认证",
    ],
)
def test_their_lawful_siblings_pass(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        # a disease's natural course
        "水痘一般两周内痊愈",
        "带状疱疹一般2-4周痊愈",
        "手足口病一般一周左右痊愈。",
        "普通感冒通常7天左右自愈。",
        # a guideline's figure for a treatment, a range said roughly
        "幽门螺杆菌根除治疗的成功率约为80%-90%",
        "米诺地尔治疗的有效率约为40%~60%。",
        # a study's arm (the rules' study exception; the second reader skips the framing)
        "研究中，针灸组有效率为72%",
        "试验中，治疗组有效率为65%，对照组为40%。",
        "研究中，安慰剂组的有效率为30%。",
        # booking told, a link, dates and formulas
        "预约挂号时要带好身份证。",
        "预约时请告知前台您的过敏史。",
        "点击下载完整指南PDF",
        "4月10日上午",
        "CO2激光治疗",
        "王主任为您诊断的思路是先看头皮。",
    ],
)
def test_the_round_29_false_blocks_pass_on_science(text) -> None:
    assert _blocking(text, scopes={"science"}) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("本院治疗带状疱疹，一般2-4周痊愈。", "mad7-timeline"),
        ("我院治疗后一般两周内痊愈。", "mad7-timeline"),
        ("本院幽门螺杆菌根除治疗的成功率约为80%-90%。", "ad16-rate"),
        ("研究中，本院疗法有效率为95%。", "ad16-rate"),
        ("有效率约为70%至80%。", "ad16-rate"),
    ],
)
def test_ours_is_not_excused_by_the_lifted_exceptions(text, rule) -> None:
    assert rule in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "unit",
    [
        "4O",
        "4OO-",
        "水痘一般",
        "幽门螺杆菌根除治疗的成功率约为80%-",
        "研究中，针灸组",
        "十个失眠九个",
        "约七成的受访者表示",
        "我们保证\n\n",
    ],
)
def test_the_round_29_readings_stay_linear(unit) -> None:
    assert growth_ratio(lambda n: (unit * n)[:n]) < 9
