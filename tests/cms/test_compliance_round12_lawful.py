"""Issue 17, round 12 (seventh verification): lawful 科普 sentences the gate refused, by kind.
A page that says it offers no service or contact (本文不提供在线咨询和诊疗服务), a
stranger's request to add a contact reported with a warning, advice to check a group before
joining it, a public body's own event welcomed with its host named, a folk remedy named then
refuted in the next clause, and a cure (one-time or not) denied or set aside
(治疗目标是延缓进展，而不是一次根治). Each passes with both readers; the violations they
resemble stay blocked. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=SCIENCE, second_reader=second_reader)
    return {f.rule for f in report.blocking}


LAWFUL = [
    # a page that offers no service or contact
    "本文不提供在线咨询和诊疗服务。",
    "本号不接受私信问诊。",
    "本平台不提供挂号服务。",
    "文中不含任何联系方式。",
    "本账号不提供任何形式的在线问诊。",
    "本平台暂不开通网上挂号。",
    "作者不接受一对一咨询，请到正规医院就诊。",
    # a stranger's request to add a contact, reported with a warning
    "如果有人自称医生要你加微信，请提高警惕。",
    "陌生人自称专家让你加微信领药，多半是骗子。",
    "有人冒充医生拉你进群，一定要当心。",
    "网友让你扫码加好友买药时，要留个心眼。",
    "对方自称主任要求你添加微信，请直接拒绝。",
    # a group's joining advised with care
    "加入患者互助群前，要确认群主身份，防止被骗。",
    "进病友群之后，不要随意购买群里推荐的药。",
    "加入糖友群时要谨慎，核实群里信息的来源。",
    "加入线上病友群后，别轻易透露自己的身份证号。",
    # a public body's own event, its host named
    "欢迎参加社区组织的健康讲座（主办方：街道卫生服务中心）。",
    "欢迎参加街道组织的糖尿病防治讲座。",
    "社区卫生服务中心举办的高血压讲座，欢迎居民参加。",
    "欢迎大家参与疾控中心主办的世界睡眠日宣传活动。",
    "欢迎报名老年大学开展的健康课堂（主办方：区卫健委）。",
    # a folk remedy named, then refuted
    "微信里转发的“偏方”，大多没有科学依据。",
    "朋友圈流传的生发偏方，基本都不靠谱。",
    "群里传的降糖秘方，其实没有任何临床证据。",
    "所谓的“神药”，根本没有经过临床验证。",
    # a cure denied or set aside
    "治疗目标是延缓进展，而不是一次根治。",
    "失眠很难一次根治，需要长期管理。",
    "雄激素性脱发不能指望一次根治。",
    "糖尿病并不是一次就能根治的病。",
    "与其追求根治，不如长期控制好血糖。",
    "慢性失眠难以一次治愈，需要认知行为治疗。",
    "银屑病目前做不到一次根治，但可以长期缓解。",
    "不要追求根治，规律用药更重要。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) == set()


@pytest.mark.parametrize(
    "text",
    [
        # the services and contacts offered
        "在线咨询请点击下方链接。",
        "本文不提供线下服务，在线咨询即可。",
        "有问题加微信，小心错过优惠。",
        "加我微信，免费在线问诊。",
        # our own group, or a group with no care advised
        "加入我们的病友群前，先关注公众号。",
        "加入患者互助群，医生每天答疑。",
        # our own event
        "欢迎参加我们的健康讲座。",
        "欢迎报名本院组织的睡眠讲座。",
        "欢迎参加我院举办的社区健康讲座。",
        # a remedy offered
        "祖传秘方，没有副作用。",
        "家传秘方，专治脱发。",
        # a cure promised
        "一次根治。",
        "我们能一次根治。",
        "保证一次根治。",
        "不是所有医院都能一次根治，我们能。",
        # a denial denied is a claim
        "不是不能一次根治，是你没找对医院。",
        "不是没有方法能彻底治愈脱发，只是你没遇到我们。",
        "谁说很难一次根治，我们就能。",
        "三个月根治脱发。",
    ],
)
def test_violation_stays_blocked(text: str) -> None:
    assert _blocking(text, False)
    assert _blocking(text, True)
