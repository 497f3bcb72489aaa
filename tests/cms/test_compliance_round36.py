"""Round 36 (rules 2027.1.9): honest sentences round 35 left blocked, as kinds: an ability
denied read as the reclaim (其他医院也不能, 哪家医院都不行); advice naming a place after a
denial (复查在社区医院就可以); not every case curable (并不是所有失眠都能根治); a cure or a
rate refuted in its own clause (失眠根治是不可能的, 治愈率100%是不可能的, 根治脱发很难做到);
a date after 电话 (电话随访于2024-03-15完成). Each with the claims beside it still blocked."""

from __future__ import annotations

import pytest

from tests.cms.compliance_support import blocking_rules


def _blocking(text: str, *, science: bool = True, second_reader: bool = False) -> set[str]:
    return blocking_rules(text, second_reader, ("science",) if science else ())


# -- an ability denied, advice naming a place ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "本院不能根治脱发，其他医院也不能。",
        "雄激素性脱发无法根治，哪家医院都不行。",
        "糖尿病很难根治，任何医院都没法。",
        "失眠不能根治，专科医院也不能。",
        "糖尿病目前还不能根治，复查在社区医院就可以。",
        "糖尿病无法根治，随访去社区医院就可以。",
        "并不是所有失眠都能根治。",
        "不是所有糖尿病都能逆转。",
        "并非所有脱发都能被彻底治愈。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_honest_limits_pass(text, second_reader) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


@pytest.mark.parametrize(
    "text",
    [
        "脱发很难根治，但本院可以。",
        "吃药很难根治，北京华美皮肤病医院可以。",
        "药物无法根治，但在本院都能搞定。",
        "不是所有脱发都能根治，但本院可以。",
        "并不是所有医院都能根治脱发，但本院可以。",
        "所有脱发都能根治。",
        "别的医院不能根治，我们能。",
        "脱发很难根治，在社区医院就可以。",
    ],
)
@pytest.mark.parametrize("science", [True, False])
def test_the_reclaims_beside_them_are_still_blocked(text, science) -> None:
    assert "ad16-guarantee" in _blocking(text, science=science)


# -- a cure or a rate refuted in its own clause -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "失眠根治是不可能的。",
        "失眠想要根治是不可能的。",
        "根治脱发很难做到。",
        "彻底治愈糖尿病目前还做不到。",
        "治愈率100%是不可能的。",
        "有效率99%这种说法是假的。",
    ],
)
@pytest.mark.parametrize("second_reader", [False, True])
def test_a_cure_refuted_passes(text, second_reader) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


@pytest.mark.parametrize(
    "text",
    [
        "根治不是不可能的。",
        "根治脱发并非不可能。",
        "根治脱发没什么不可能的。",
        "本院根治失眠是别人做不到的。",
        "根治脱发，别的医院很难做到。",
        "治愈率100%不是假的。",
        "治愈率100%并非不可能。",
    ],
)
def test_a_double_negative_or_a_rival_refuting_is_still_blocked(text) -> None:
    assert _blocking(text, science=False, second_reader=True) != set()


# -- a date is no number to call -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["电话随访于2024-03-15完成。", "电话随访于2024.3.15完成。", "热线开通于2023/10/01。"]
)
def test_a_date_after_a_word_for_calling_passes_on_science(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text", ["电话：62345678", "电话：2024-0315", "电话随访于2024/13/15完成。"]
)
def test_a_number_not_shaped_as_a_date_is_still_blocked(text) -> None:
    assert "ad19-contact" in _blocking(text)


# -- the fresh tester of round 36: honest sentences it found blocked, by kind ----------------------

TOLD_AND_REFUTED = [
    # a third party's claim told, then called false; a misconception told
    "网上说“一个疗程根治失眠”，这是不可能的。",
    "很多病友在群里说，吃了某某药立刻就不掉发了，这种说法不可信。",
    "有人相信吃褪黑素保健品就能治好失眠，其实褪黑素只对部分人群有效。",
    "患者王女士说：“我以为喝中药就能治好脱发，结果耽误了半年。”",
    "王阿姨说：“我原以为打胰岛素就好了，没想到还要控制饮食。”",
    "患者李先生告诉我：“我本来以为吃几天药就能睡好。”",
    "一位患者说，他以为植发之后就一劳永逸了，结果原生发还在掉。",
    "前几天，一位阿姨拿着一张广告来找我，上面写着“三个月停药，永不复发”。\n我告诉她，这是违法广告，千万不要信。",
    # a practice or a slogan named with what is wrong with it
    "明星代言不等于产品有效，请勿盲从。",
    "一些不法商家借明星代言推销生发产品，消费者要提高警惕。",
    "不少虚假广告请“专家”推荐，其实这些人并不是医生。",
    "算命、风水与疾病没有关系，生病要看医生。",
    "风水、算命、烧香都不能治病。",
    "我见过很多被“祖传秘方”骗了的患者。",
    "门诊中，我见过太多被“根治”二字骗了的患者。",
    "签订治疗合同并不代表疗效有保证。",
    "不少患者被“无效退款”四个字吸引，最后钱也没退回来。",
    "治疗合同中常见的“保证疗效”条款，在法律上往往无效。",
    "“立竿见影”的降糖产品往往添加了违禁药物。",
    "前后对比照片常被用于虚假宣传，要理性看待。",
    "治疗前后的对比照片不能说明个体效果。",
]

FACTS_AND_SAYINGS = [
    # a drug's or a remedy's onset, what some people do
    "唑吡坦起效快，服药后15-30分钟就能入睡，因此应上床后再服用。",
    "口服葡萄糖后10-15分钟就能缓解低血糖症状。",
    "低血糖发作时，喝半杯果汁几分钟就能缓解。",
    "有些人躺下5分钟就能睡着，这可能是睡眠不足的表现。",
    "有些人吃了安眠药立刻就能睡着，但长期依赖并不可取。",
    "有些人沾床就着，这可能是睡眠不足。",
    # figures in a study, not yet normal, credited to habits
    "一项研究中，受试者的糖化血红蛋白从8.1%降到7.2%。",
    "空腹血糖从7.5降到6.8，仍然高于正常值，需要继续调整。",
    "他的空腹血糖从12.8降到了6.5 mmol/L，这得益于规律用药和饮食控制。",
    "他的糖化血红蛋白从9.2%降到了7.0%，医生建议继续保持。",
    "拍治疗前后照片可以帮助医生客观评估效果。",
    # 根治 explained, cures of some kinds
    "“根治”和“控制”是两个不同的概念。",
    "根治的前提是找到病因，而雄激素性脱发的病因是遗传。",
    "有些疾病可以治愈，比如细菌感染；有些只能控制，比如糖尿病。",
    "肺炎可以治愈，糖尿病却只能控制。",
    "斑秃是可以治愈的，但容易复发。",
    # the best as a saying, money wasted, a market price
    "最好的治疗是预防。",
    "最好的降糖方法是管住嘴、迈开腿。",
    "最好的睡眠姿势因人而异。",
    "生发效果最好的是哪种药？没有“最好”，只有“最合适”。",
    "有位读者说，他在某医院花了三万元，却没能治好脱发。",
    "很多老人在保健品讲座上一次花掉几万元。",
    "植发一般要花两三万元，做之前要想清楚术后还需要长期用药。",
    # a WeChat asked and refused; honest limits the second reader read as claims
    "有读者留言问能不能加微信，我们不提供线上诊疗，请到门诊就诊。",
    "门诊经常有患者问能不能加微信随访，按照规定我们不通过私人微信诊疗。",
    "治疗效果没有任何机构可以保证。",
    "北京、上海的大医院和我们一样，都无法根治雄激素性脱发。",
    "脱发目前无法根治，我们帮助您制定长期管理方案。",
    # English
    "No treatment can guarantee results.",
    "Do not stop your insulin without asking your doctor.",
    "研究发现，Sleep restriction therapy的response rate约为70%。",
]


@pytest.mark.parametrize("text", TOLD_AND_REFUTED + FACTS_AND_SAYINGS)
@pytest.mark.parametrize("second_reader", [False, True])
def test_the_fresh_testers_honest_sentences_pass_on_science(text, second_reader) -> None:
    assert _blocking(text, second_reader=second_reader) == set()


@pytest.mark.parametrize(
    "text",
    [
        # our claim beside a debunking word, or the debunking word denied or asked
        "网上说“三天根治失眠”，在本院是真的。",
        "别信网上的偏方，三天根治脱发就来本院。",
        "很多人以为脱发治不好，其实三天就能根治。",
        "很多人觉得三天根治脱发不可能，但本院做到了。",
        "网上说一个疗程根治失眠是骗人的？来本院看看。",
        "我以为治不好，结果三个月全长回来了。",
        "我原以为这辈子都治不好了。",
        "明星代言不等于有效，本院疗效才是真的有保证。",
        "“根治”二字不是骗人的，本院做到了。",
        "有读者问能不能加微信，可以，直接加。",
        # ours, not a generic drug, a study or some people
        "服用本院特效药5分钟就能入睡。",
        "有些人用了本院的疗法，5分钟就能睡着。",
        "患者血糖从12降到6，全靠本院疗法。",
        "本院治疗前后对比照片，效果惊人。",
        "最好的治疗就在本院。",
        "植发一般要花两三万元，本院只要9800元。",
        "脱发是可以治愈的，但要选对医院。",
        "有些脱发可以治愈，比如在本院治疗的。",
        "失眠无法根治，我们可以帮您彻底治好。",
        "一次治疗大概两千块",
        "大医院也无法治好，来我们这里试试。",
    ],
)
def test_the_claims_beside_them_stay_blocked(text) -> None:
    assert _blocking(text, second_reader=True) != set()


# -- the fresh tester's misses, by kind ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("一贴就睡。", "ad16-instant"),
        ("血糖想降就降。", "ad16-instant"),
        ("沾床就着。", "ad16-instant"),
        ("喷一下就睡。", "ad16-instant"),
        ("不见效不结账。", "ad16-refund"),
        ("没效果算我们的。", "ad16-refund"),
        ("效果不好？那就不算您的钱。", "ad16-refund"),
        ("疗效不达预期？别担心，钱不会白花。", "ad16-refund"),
        ("如果没有效果，你什么都不会损失。", "ad16-refund"),
        ("一次治疗，管用一辈子。", "ad16-permanence"),
        ("效果维持终生。", "ad16-permanence"),
        ("脱发可以永久cure。", "ad16-permanence"),
        ("院长是部队退役的主任医师。", "mad7-military"),
        ("几乎每个来过的人都睡上了好觉。", "ad16-cohort"),
        ("脱发还有救吗？来试试就知道。", "ad16-guarantee"),
        ("失眠能治好吗？见了张主任你就知道了。", "ad16-guarantee"),
        ("糖尿病不能根治吗？本院三千病例告诉你答案。", "ad16-guarantee"),
        ("失眠不能根治？那是十年前的观点。", "ad16-guarantee"),
        ("不能根治的时代，已经过去了。", "ad16-guarantee"),
        ("糖尿病“不能根治”的魔咒，被我们打破了。", "ad16-guarantee"),
        ("医学教科书说失眠不能根治，教科书该改了。", "ad16-guarantee"),
        ("脱发难以根治。\n本院例外。", "ad16-guarantee"),
        ("Our success rate is 98%.", "ad16-rate"),
        ("我们的success rate是98%。", "ad16-rate"),
        ("Cure rate 95%, guaranteed.", "ad16-guarantee"),
        ("Permanent results. Never lose your hair again.", "ad16-guarantee"),
        ("Cured 10,000+ patients.", "ad16-guarantee"),
        ("睡眠问题 100% solved。", "ad16-guarantee"),
        ("Stop your insulin in 30 days.", "ad16-stop-medicine"),
        ("Better than any hospital in the city.", "ad16-comparison"),
        ("能不能根治，看你选择哪家医院。", "ad16-guarantee"),
        ("效果没有任何医院可以保证，但我们可以。", "ad16-guarantee"),
    ],
)
@pytest.mark.parametrize("science", [True, False])
def test_these_claims_are_blocked(text, rule, science) -> None:
    assert rule in _blocking(text, science=science)


@pytest.mark.parametrize(
    "text",
    [
        "看完这篇文章，不如马上行动，来院做个检查。",
        "别再犹豫了，早治疗早受益，赶紧来院检查。",
        "有疑问？我们的医助小王随时在线。",
        "小助手随时为你解答。",
        "详情请访问我们的官网。",
        "更多信息，请看作者主页。",
        "需要的话可以去我们的小红书看看。",
        "我们医院的公众号里有详细的就诊指南。",
        "填写下方问卷，医生会为你出具专属报告。",
        "详细方案已整理成文档，需要的私。",
        "周医生的诊室在天河路123号2楼。",
        "周末也开诊，上班族也能来看。",
        "周一至周五均可到院，无需预约。",
        "预约电话请查看医院官网。",
        "门诊就在地铁站旁边，下班过来很方便。",
    ],
)
def test_these_ways_to_us_are_blocked_on_science(text) -> None:
    assert "ad19-cta" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        # a follow on the platform is no way to the clinic (the channel drafts end so: cms.drafts)
        "关注我，每天学一点睡眠知识。",
        "想了解更多脱发知识？点个关注不迷路。",
        "出现这些症状应及时就医。",
        "建议到正规医院的睡眠门诊就诊。",
        "关注血糖变化很重要。",
        "请填写睡眠日记。",
        "失眠能治好吗？看完这篇文章你就知道了。",
        "糖尿病能停药吗？问问医生就知道了。",
        "糖尿病不能根治，但妊娠糖尿病例外。",
        "有人说失眠不能根治，这种说法并不全面。",
        "良好的作息要保持一辈子。",
        "一喝咖啡就睡不着的人要少喝。",
        "看病的钱要花在刀刃上。",
        "能不能根治，要看脱发的类型。",
        "没有任何医院可以保证疗效，请理性看待广告。",
        "能不能治好，关键看你选择什么样的治疗方案和是否坚持。",
    ],
)
def test_their_look_alikes_pass_on_science(text) -> None:
    assert _blocking(text, second_reader=True) == set()


# -- the second fresh tester of round 36 -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "花了三万元，却没能治好。",
        "很多患者花了几万块买生发产品，结果头发一点没长。",
        "他前后花了五六万，头发还是越来越少。",
        "他在网上买生发液，前后花了两千元。",
        "植发一般要花两三万元，具体取决于移植的毛囊数量。",
        "植发价格因医院和毛囊数量而异，一般每单位几元到十几元。",
        "来院就诊的失眠患者中，约三成合并焦虑。",
        "很多患者都是拖了几年才来院就诊。",
        "医生建议他来院做一次多导睡眠监测。",
        "“不见效不结账”听起来很诱人，其实往往是陷阱。",
        "脱发还有救吗？来试试就知道——这种广告语不可信。",
        "谁说糖尿病能根治，谁就是在骗你。",
        "如果有人告诉你能彻底治愈糖尿病，请远离他。",
        "敢说“保证治愈”的医生，一定不是好医生。",
        "医疗广告不得含有“保证治愈”等内容。",
        "“根治”指的是疾病彻底治愈、不再复发，目前2型糖尿病还做不到根治。",
        "有些疾病是可以治愈的，比如细菌性肺炎，但糖尿病属于需要长期管理的慢性病。",
        "CBT-I的有效率为70%-80%。",
        "非那雄胺的有效率约为80%，但需要坚持服用。",
        "患者治疗前后的头皮照片对比，可以帮助医生评估疗效。",
        "一吃就睡的安眠药，往往也最容易产生依赖。",
        "名人推荐的保健品，不一定适合你。",
        "让你加微信的“老中医”，多半是骗子。",
        "扫码测血糖的广告要警惕，血糖要用血糖仪测。",
        "酸枣仁汤是治疗失眠的常用方剂。",
        "枸杞、菊花泡茶可以喝，但别指望它降血糖。",
        "Minoxidil works for about 40-60% of users.",
    ],
)
def test_the_second_testers_honest_sentences_pass_on_science(text) -> None:
    assert _blocking(text, second_reader=True) == set()


@pytest.mark.parametrize(
    "text",
    [
        # the new exceptions dressed as claims of ours
        "受试者的糖化血红蛋白从8.1%降到7.2%。（数据来源：本院2023年治疗患者）",
        "最好的治疗是预防，其次是来我院。",
        "我以为失眠要吃一辈子药，结果现在完全停药了。",
        "明星代言不等于产品有效，但十万用户的好评不会骗人。",
        "不是所有脱发都能治好，但在这里，你的可以。",
        "说“包治好”的都是骗子，我们只说：治不好全额退款。",
        "花了三万元，却没能治好，这种事在我院不会发生。",
        # its misses
        "网上说“一个疗程根治失眠”，这是不可能的？在我院，这是真的。",
        "失眠真的要吃一辈子药吗？在我们这里不用。",
        "满意后再付费。",
        "没长头发，钱一分不要。",
        "98% of our patients regrow hair within 3 months.",
        "9 out of 10 patients sleep better after one session.",
        "Our cure rate is 95 percent.",
        "Cure your insomnia in one week!",
        "Reverse your diabetes permanently.",
        "Lifetime results.",
        "Recommended by top doctors.",
        "The best hair transplant in Beijing.",
    ],
)
def test_the_second_testers_claims_are_blocked(text) -> None:
    assert _blocking(text, science=False, second_reader=True) != set()


@pytest.mark.parametrize(
    "text",
    [
        "想了解更多，可以搜一搜我们医院的名字。",
        "私人微信不加，医院公众号可以搜“华美毛发”。",
        "门诊时间：周一至周五上午8:00-12:00。",
        "本文作者为我院内分泌科主任，每周三上午出诊。",
        "睡眠门诊周末不休息。",
        "医院就在地铁10号线国贸站旁边。",
        "Book an appointment at our clinic today.",
        "DM us for details.",
    ],
)
def test_the_second_testers_ways_to_us_are_blocked_on_science(text) -> None:
    assert "ad19-cta" in _blocking(text)


# -- the third fresh tester of round 36: the new exceptions abused ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "病友在群里说吃了三个月头发全长回来，这哪里是骗人的。",
        "网友说做完一次就不掉发了，这一点也没有夸大。",
        "“一个疗程根治失眠”不算噱头，疗效摆在那里。",
        "“三天长出新发”从未夸大，每位患者都看得到。",
        "“根治脱发”不再是不可能。",
        "“停掉胰岛素”早已非不可能。",
        "“有效率99%”没有任何虚假。",
        "有人说“三天见效”不可能，那他一定没来过引流健康。",
        "本以为这辈子都离不开胰岛素了结果三个月就全停了！",
        "本店安眠药服用后5分钟就能入睡，欢迎下单。",
        "引流健康特调安眠药，服下几分钟就能入睡。",
        "张主任改良的认知行为疗法有效率约为98%。",
        "治愈率100%是不可能的？在引流健康，这是现实。",
        "有效率99%是不可能的？我们就是99%。",
        "最好的治疗就是自己来引流健康。",
        "最好的生发方法因人而异，而引流健康的方案适合所有人。",
        "Nobody can guarantee results, but we can.",
        "Our cure rate is up to 99%.",
    ],
)
def test_the_third_testers_abuses_are_blocked(text) -> None:
    assert _blocking(text, science=False, second_reader=True) != set()


@pytest.mark.parametrize(
    "text",
    [
        "失眠想要根治是不可能的，但可以通过管理减少发作。",
        "慢性失眠想要根治很难做到，但多数人可以明显改善。",
        "网上有人说“失眠一个疗程就能断根”，这种话听听就好。",
        "网上说“吃这个药七天根治失眠”，别当真。",
        "患者李先生告诉我：“我本来以为吃几天药就能睡好。”",
        "Minoxidil works for about 40-60% of users.",
    ],
)
def test_the_third_testers_honest_sentences_pass_on_science(text) -> None:
    assert _blocking(text, second_reader=True) == set()


# -- the fourth fresh tester of round 36: the debunking clause -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a bad outcome denied is a guarantee, whoever tells it
        "仁和安神汤有副作用吗？没有这回事。",
        "病友说在仁和医院治疗后脱发不可能复发。",
        # the debunking word negated, a brand's warning, a reclaim after it
        "病友都说仁和医院一个疗程根治失眠，哪有骗人。",
        "病友说仁和医院一个疗程根治失眠，这可称不上噱头。",
        "病友说仁和一次治疗根治脱发，毫不夸大，没半点夸大。",
        "病友说仁和医院三天根治失眠，这是实话，跟谣言两码事。",
        "网友推荐：仁和医院根治脱发，谨防假冒。",
        "网友推荐仁和医院，三天根治失眠，当心错过。",
        "仁和承诺无效退款，零套路。",
        "仁和祖传偏方三天治好失眠，不用担心上当。",
        "网上说一个疗程根治失眠，这是不可能的……除非来仁和。",
        "网上说一个疗程根治失眠，这是不可能的；仁和做到了。",
        "签订治疗合同并不代表疗效有保证，仁和签了就有保证。",
        "广告上写着“仁和三天根治失眠”，真实有效。",
        "“包治好”不属于虚假宣传，治不好全额退款。",
        "很多人说脱发治不好，其实只有仁和能根治。",
        "原以为糖尿病要终身服药，后来才知道仁和有办法彻底逆转。",
        "曾经，根治脱发是奢望。",
        "安眠药服用后3分钟就能入睡，抢购从速。",
        "唑吡坦服药后15分钟就能入睡，仁和药房有售。",
        "有些人贴上仁和助眠贴一贴就睡，预约咨询请加微信。",
        "仁和CBT-I的有效率为95%-98%。",
        "仁和睡眠门诊开展CBT-I。CBT-I的有效率为80%-90%。",
        "病友说仁和能根治脱发，别的医院做不到。",
    ],
)
def test_the_fourth_testers_abuses_are_blocked(text) -> None:
    assert _blocking(text, science=False, second_reader=True) != set()


@pytest.mark.parametrize(
    "text",
    [
        "网红推荐的生发液未必有效。",
        "网上说“一周逆转糖尿病”，这根本做不到。",
        "有些中老年人常年在微信上购买“降糖神药”，花了不少冤枉钱。",
        "二甲双胍的降糖有效率约为60%-70%。",
    ],
)
def test_the_fourth_testers_honest_sentences_pass_on_science(text) -> None:
    assert _blocking(text, second_reader=True) == set()
