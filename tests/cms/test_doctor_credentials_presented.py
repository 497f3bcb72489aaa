"""One doctor, one set of credentials (issue 17 point 6), round 3: a person presented as a
doctor, whatever the sentence says she does. On a medical ad every person named next to a
word for a doctor (医生, 专家, 名老中医, 营养师, MD …) in either order, with marks, a count, a
team or a list between, is a doctor of the doctor pages; on a 科普 page one the reader is sent
to (咨询, 加…微信, 门诊, 负责您的治疗 …) or who serves our patients is. Figures of history and
fiction, patients called 阿姨 or 先生, and people near the word who are not named by it pass.
A card written over lines is read as one."""

from __future__ import annotations

import pytest

from cms.compliance.doctors import UNREGISTERED
from tests.cms.compliance_support import call_growth_ratio, growth_ratio
from tests.cms.test_doctor_credentials import article, credentials, doctors, landing

pytestmark = pytest.mark.django_db

__all__ = ["doctors"]  # the fixture, shared


def _refused(text: str, *, page=landing) -> list[str]:
    return [m for _, _, m in credentials(page(text))]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # names listed, counted and called
        ("刘建国、王建华两位医生为您面诊", "刘建国"),
        ("刘建国、王建华两位医生为您面诊", "王建华"),
        ("刘建国与王建华医生联合坐诊", "刘建国"),
        ("刘建国与王建华医生联合坐诊", "王建华"),
        ("专家团队：刘建国、王芳", "王芳"),
        ("坐诊专家：李文静、张伟", "张伟"),
        ("两位专家（李文静、张伟）为您面诊", "张伟"),
        ("王主任和张医生每周六坐诊", "张"),
        # praise and titles before her name, with no 职称 and no serving
        ("资深专家刘建国", "刘建国"),
        ("名老中医刘建国坐诊", "刘建国"),
        ("国医大师刘建国坐诊", "刘建国"),
        ("特邀专家张伟", "张伟"),
        ("首席专家：张伟", "张伟"),
        ("学科带头人 张伟", "张伟"),
        ("营养师刘建国为您调理", "刘建国"),
        ("名医张伟 周六门诊", "张伟"),
        # labels with a space, a dash or none of the serving words
        ("坐诊专家 刘建国", "刘建国"),
        ("出诊专家——刘建国", "刘建国"),
        ("专家：刘建国", "刘建国"),
        ("医生：刘建国", "刘建国"),
        ("主诊：刘建国", "刘建国"),
        ("每周六：刘建国医生", "刘建国"),
        ("周六上午：刘医生", "刘"),
        ("每周六坐诊的是刘建国医生", "刘建国"),
        # her work said in words the serving reader does not know
        ("刘主任负责您的治疗", "刘"),
        ("我院刘主任医师擅长脱发治疗", "刘"),
        ("刘建国医生擅长脂溢性脱发，每周六上午出诊", "刘建国"),
        ("我院刘建国医生为您植发", "刘建国"),
        ("刘医生门诊", "刘"),
        ("刘主任【周六】坐诊", "刘"),
        ("刘主任、每周六坐诊", "刘"),
        ("张大夫周六在", "张"),
        ("周六张主任在院", "张"),
        ("张主任工作室欢迎您", "张"),
        ("本院张主任介绍说", "张"),
        ("欢迎找张大夫", "张"),
        # a name in quotes, in Latin letters, with a degree or Sir
        ("“张伟”医生为您面诊", "张伟"),
        ("Liu医生为您面诊", "Liu"),
        ("Ｌｉｕ医生", "Liu"),
        ("ZHANG医生", "ZHANG"),
        ("Zhang Wei 主任医师", "Zhang Wei"),
        ("张伟 MD", "张伟"),
        ("Dr.刘为您面诊", "刘"),
        ("刘Sir为您面诊", "刘"),
        # a doctor told of on an ad, whatever she does there
        ("王主任和张医生是同学。", "王"),
        ("钱建新医生的同事王国强是我们的患者。", "钱建新"),
    ],
)
def test_a_person_presented_as_a_doctor_on_an_ad_has_a_page(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("刘建国、王建华两位医生为您面诊", "刘建国"),
        ("刘建国、王建华两位医生为您面诊", "王建华"),
        ("刘建国与王建华医生联合坐诊", "刘建国"),
        ("刘建国医生负责您的治疗", "刘建国"),
        ("刘建国医生团队", "刘建国"),
        ("点击咨询刘医生", "刘"),
        ("加刘医生微信", "刘"),
        ("刘医生免费答疑", "刘"),
        ("刘医生在线答疑，私信刘医生", "刘"),
        ("欢迎找张大夫", "张"),
        ("刘建国医生为您量身定制治疗方案", "刘建国"),
    ],
)
def test_a_doctor_the_reader_is_sent_to_on_science_has_a_page(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text, page=article)


@pytest.mark.parametrize(
    "text",
    [
        # figures of history and fiction, neighbours, a teacher's class, a talk's title
        "孙思邈为病人诊治，留下了《千金方》。",
        "李时珍为病人看病时，常常亲自采药。",
        "明代名医李时珍为病人看病。",
        "电视剧里的刘医生每周六坐诊。",
        "小说《外科风云》中庄恕医生为患者面诊。",
        "刘阿姨每周六坐诊所的班车来复诊。",
        "陈爷爷每周六坐诊所门口下棋。",
        "张大爷每天坐诊室门口等叫号。",
        "张老师每周六坐诊书法班。",
        "刘主任（北京协和医院）坐诊经验谈",
        # an outside doctor quoted or told of, the reader not sent to her
        "王医生在门诊中发现，很多患者熬夜。",
        "王医生建议，有疑问及时咨询专业医生。",
        "张医生答疑：失眠怎么办",
        "李文静医生提醒：熬夜会加重脱发。",
        "钟南山院士指出，运动有益健康。",
        "张文宏医生团队的研究发现，睡眠不足影响免疫。",
        "我去年到北京找王主任看过，他建议先调整作息。",
        "王主任和张医生是同学。",
    ],
)
def test_told_of_not_presented_passes_on_science(doctors, text) -> None:
    assert _refused(text, page=article) == []


@pytest.mark.parametrize(
    "text",
    [
        # words near a word for a doctor that name no one
        "西方医生认为，睡眠要规律。",
        "AI医生为您解答常见问题。",
        "CT医生会先阅片。",
        "高中医学生也能读懂。",
        "管床医生每天查房。",
        "医生向大家介绍护发要点。",
        "专家共识指出，早治疗更好。",
        "专家陆续到场。",
        "医生高度重视复诊。",
        "主治医生会根据情况调整。",
        "康复科医生检查后，教她做拉伸。",
        "医生今天请假，您的问诊已经帮您换成李医生。",  # 李 is 李文静's surname
        "刘阿姨说，医生很耐心。",
        "张先生说：王主任说得对。",  # a patient's words
        "李文静医生为您面诊。",
        "专家团队：李文静、赵明远",
        "坐诊专家 李文静",
    ],
)
def test_no_one_named_or_a_registered_doctor_passes_on_an_ad(doctors, text) -> None:
    assert _refused(text) == []


def _card(*lines: str) -> str:
    """A card's lines as the rich-text editor writes them: line breaks in one paragraph."""
    return "<br/>".join(lines)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (("坐诊专家", "刘建国"), f"{UNREGISTERED}（刘建国）"),
        (("李文静", "主任医师", "每周六坐诊"), "医生职称与医生页面不一致：页面为副主任医师"),
    ],
)
def test_a_card_over_lines_is_read_as_one(doctors, lines, message) -> None:
    assert message in _refused(_card(*lines))
    assert message in _refused(_card(*lines), page=article)


def test_a_card_over_lines_reports_each_finding_once(doctors) -> None:
    # said by one line alone: reported on that line, not again for the card
    found = credentials(landing(_card("刘建国主任医师", "为您面诊")))
    assert [(text, message) for _, text, message in found] == [
        ("刘建国主任医师", f"{UNREGISTERED}（刘建国）")
    ]


@pytest.mark.parametrize(
    "unit",
    [
        "专家团队：刘建国、",
        "刘建国、王建华两位医生，",
        "Liu医生，",
        "名医张伟 周六门诊，",
        "加刘医生微信",
        "擅长脱发治疗的刘建国，",
        "本院刘建国从医30年",
        "钟南山院士，",
    ],
)
def test_the_presented_reader_reads_a_long_line_in_linear_time(unit) -> None:
    from cms.compliance.doctors import _mentions

    ratio = growth_ratio(lambda n: unit * (n // len(unit)), small=2000, large=8000)
    assert ratio < 9, ratio
    # the doctor reader itself, not only the rules
    import time

    def once(n: int) -> float:
        started = time.process_time()
        _mentions(unit * n, ("李文静",))
        return time.process_time() - started

    once(10)
    small = min(once(300) for _ in range(3))
    large = min(once(1200) for _ in range(3))
    assert large / max(small, 1e-4) < 9, (small, large)


@pytest.mark.parametrize(
    ("html", "message"),
    [
        # (round-4 tester) a list's items, blank lines, three lines
        ("<ul><li>坐诊专家</li><li>刘建国</li></ul>", f"{UNREGISTERED}（刘建国）"),
        ("<ul><li>刘建国</li><li>主任医师</li></ul>", f"{UNREGISTERED}（刘建国）"),
        ("<p>坐诊专家</p><p></p><p>刘建国</p>", f"{UNREGISTERED}（刘建国）"),
        ("刘建国<br/>男<br/>主任医师", f"{UNREGISTERED}（刘建国）"),
        ("李文静<br/>女<br/>主任医师", "医生职称与医生页面不一致：页面为副主任医师"),
    ],
)
def test_a_card_as_a_list_or_over_blank_lines_is_read_as_one(doctors, html, message) -> None:
    assert message in _refused(html)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # (round-4 tester) surnames beyond the commonest, heading a clause before 医生
        ("冀明医生为您面诊", "冀明"),
        ("麦家豪医生每周六坐诊", "麦家豪"),
        ("桂建国医生坐诊", "桂建国"),
        ("阚立新大夫坐诊", "阚立新"),
        ("车志明主任坐诊", "车志明"),
        ("晁建华主任医师坐诊", "晁建华"),
        # more words for a doctor, how she serves after her name, single quotes
        ("博导刘建国亲诊", "刘建国"),
        ("刘建国博导亲诊", "刘建国"),
        ("心理咨询师刘建国一对一疏导", "刘建国"),
        ("‘刘建国’医生为您面诊", "刘建国"),
        ("著名医生刘建国坐诊", "刘建国"),
    ],
)
def test_the_round_4_testers_ad_shapes_are_refused(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我院刘建国医生提醒，脱发要早干预", "刘建国"),
        ("名老中医王德顺每周三门诊", "王德顺"),
        ("刘建国营养师一对一指导", "刘建国"),
        ("冀明医生为您面诊", "冀明"),
    ],
)
def test_the_round_4_testers_science_shapes_are_refused(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text, page=article)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("电视剧里的医生刘建国", landing),
        ("电视剧里的刘医生说的话不能全信", landing),
        ("张文宏教授门诊经验分享：如何判断是否需要就诊", article),
        ("全科医生为您面诊", landing),
        ("明星医生坐诊", landing),
        ("网红医生坐诊", landing),
        ("国内医生", landing),
        ("双语医生为您面诊", landing),
        ("暖心医生", landing),
        ("冀明医生提醒，熬夜伤发", article),  # an outside doctor quoted
        ("孕期用药需要格外谨慎，应咨询医生。", landing),  # 应 a word, not a surname
        ("有不适须就诊，由医生判断。", landing),
    ],
)
def test_the_round_4_testers_look_alikes_pass(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # (round-4 tester, left) a doctor's work told of a full name with no word for one
        ("本院刘建国，临床经验30年", "刘建国"),
        ("刘建国从医30年，擅长脱发", "刘建国"),
        ("我院王建华行医二十余年", "王建华"),
        ("擅长脱发治疗的刘建国", "刘建国"),
        ("擅长失眠诊治的王建华为您调理", "王建华"),
        ("刘建国亲自操刀", "刘建国"),
        ("刘建国，从医三十年", "刘建国"),
        ("刘建国有30年临床经验", "刘建国"),
        ("刘建国专注脱发治疗20年", "刘建国"),
        ("本院刘建国擅长脱发", "刘建国"),
        # compound surnames outside the common list, whole
        ("濮阳明医生为您面诊", "濮阳明"),
        ("澹台明月医生坐诊", "澹台明月"),
    ],
)
def test_the_round_5_ad_shapes_are_refused(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a name the dictionary knows as a place, before an honour only a person holds
        ("钟南山院士为您答疑", "钟南山"),
        ("本院刘建国，临床经验30年，为您面诊", "刘建国"),
    ],
)
def test_the_round_5_science_shapes_are_refused(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text, page=article)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("钟南山院士指出，戴口罩仍是有效的防护措施", article),  # an outside expert quoted
        ("刘建国从医30年的经验告诉我们，脱发要早干预", article),
        ("黄山医生", landing),  # a doctor of 黄山, no one named
        ("我爸从医30年，常说熬夜伤身", landing),
        ("临床经验表明，规律作息有助睡眠", landing),
        ("擅长脱发治疗的医生", landing),
        ("操刀手术的医生须持证", landing),
        ("患者刘建国从医院回来后，睡眠明显改善", landing),  # 从医院: from the hospital
        ("刘建国从医生那里得知要早睡", landing),
        ("张伟执业药师为您讲解用药", landing),  # a pharmacist, no doctor
        ("王芳擅长烹饪，做的药膳很受欢迎", landing),
    ],
)
def test_the_round_5_look_alikes_pass(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


# --- round 6 (the round-5 tester's findings, as kinds) --------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a given name that is a word of its own, or a name the dictionary reads as a place
        ("王国庆主任医师亲诊", "王国庆"),
        ("马建国医生坐诊", "马建国"),
        ("黄海峰医生为您面诊", "黄海峰"),
        ("金文华教授亲诊", "金文华"),
        ("本周六专家王国庆主任医师坐诊", "王国庆"),
        ("王国庆\n主任医师", "王国庆"),  # a card over two lines
        # rarer surnames, alone and whole
        ("冀主任每周三坐诊", "冀"),
        ("预约冀医生", "冀"),
        ("麦医生坐诊", "麦"),
        ("濮阳医生为您面诊", "濮阳"),
        ("佘丽娟医生坐诊", "佘丽娟"),
        ("禤国维教授亲诊", "禤国维"),
        ("眭明医生坐诊", "眭明"),
        # a rarer surname after a word for a doctor, or before an honour
        ("营养师麦嘉欣一对一指导", "麦嘉欣"),
        ("国家二级营养师麦嘉欣", "麦嘉欣"),
        ("博士生导师冀文华亲自面诊", "冀文华"),
        ("冀建国博导亲诊", "冀建国"),
        # a name in book-title marks
        ("《刘建国》医生坐诊", "刘建国"),
        # a name written with a dot between its parts
        ("阿布都·热合曼医生坐诊", "阿布都热合曼"),
        ("迪丽热巴·迪力木拉提 主任医师为您面诊", "迪丽热巴迪力木拉提"),
        ("特邀专家买买提•艾力教授亲诊", "买买提艾力"),
    ],
)
def test_the_round_6_ad_shapes_are_refused(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text)


@pytest.mark.parametrize(
    "text",
    ["‘李文静’主任医师为您面诊", "'李文静'主任医师为您面诊", "《李文静》主任医师坐诊"],
)
def test_a_wrong_rank_in_single_quotes_or_title_marks_is_refused(doctors, text) -> None:
    assert "医生职称与医生页面不一致：页面为副主任医师" in _refused(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我院王国庆医生提醒：熬夜伤发", "王国庆"),
        ("欢迎咨询冀医生", "冀"),
        ("刘建国医生，周三门诊", "刘建国"),
        ("本文作者刘建国医生，可预约其门诊", "刘建国"),
        ("王德顺老中医每周三门诊", "王德顺"),
        ("刘建国医生每周一至周五坐诊", "刘建国"),
        ("我们的刘建国医生提醒：别熬夜", "刘建国"),
        ("我院皮肤科刘建国医生提醒：别熬夜", "刘建国"),
        ("高主任医师为您面诊", "高"),  # 高 as her surname, serving
    ],
)
def test_the_round_6_science_shapes_are_refused(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text, page=article)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("北京协和医院刘建国医生每周三门诊", article),  # an outside doctor's clinic
        ("刘建国医生，周三门诊经验分享", article),
        ("张文宏教授，周三门诊时发现不少患者熬夜", article),
        ("我们熟悉的钟南山院士提醒：勤洗手", article),
        ("康复科主任医师会评估您的恢复情况", landing),  # a department, no name
        ("祁连山主任医师坐诊", landing),  # a place read as a place (a choice)
        ("周末班医生坐诊", landing),
        ("高血压医生坐诊", landing),
        ("武汉市医生坐诊", landing),
        ("本院林业局医生", landing),
        ("请查医生的执业证", landing),  # 查: a verb, not the surname
        ("车医生坐诊", landing),  # 车 alone: no surname by itself
        ("医生车辆请停在地下车库", landing),
        ("营养师车辆停放处", landing),
        ("博士生导师查看论文", landing),
        ("阅读《李时珍》医生推荐", landing),
        ("睡眠·健康医生说：别熬夜", landing),  # words set off by a dot
        ("脱发·失眠专家门诊开放时间见公告", landing),
        ("约翰·史密斯博士指出，睡眠不足影响记忆", article),  # an outside expert quoted
        ("高主任医师比例", landing),  # 高: "senior", a level counted
        ("高主任医师人数逐年增加", landing),
        ("高主任医师以上职称占比", article),
    ],
)
def test_the_round_6_look_alikes_pass(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


@pytest.mark.parametrize(
    "unit", ["王国庆主任医师，", "冀医生、", "营养师麦嘉欣，", "刘建国医生，周三门诊。"]
)
def test_the_round_6_readers_read_a_long_line_in_linear_time(unit) -> None:
    """The doctor reader over a line 4× as long takes about 4× the CPU time (9 allows noise;
    reading every start to the line's end would give 16)."""
    from cms.compliance.doctors import _mentions

    ratio = call_growth_ratio(lambda t: _mentions(t, ("李文静",)), unit, small=150, large=600)
    assert ratio < 9, ratio


@pytest.mark.parametrize("unit", ["熬夜伤身", "阿布都·热合曼医生，", "睡眠·健康"])
def test_dotted_names_are_found_in_linear_time(unit) -> None:
    from cms.compliance.doctors import _dotted_names

    ratio = call_growth_ratio(_dotted_names, unit, small=2000, large=8000)
    assert ratio < 9, ratio


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("李文静博导亲诊", landing),
        ("李文静副主任医师、博士生导师亲诊", landing),
        ("博士生导师李文静亲自面诊", landing),
        ("李文静博导提醒：别熬夜", article),  # ours on 科普 too: her page is the register
        ("赵明远主治医师，硕导", landing),
    ],
)
def test_a_supervisors_title_her_page_does_not_hold_is_refused(doctors, text, page) -> None:
    assert any(m.startswith("医生页面未登记") for m in _refused(text, page=page))


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("李文静副主任医师、博士生导师亲诊", False),
        ("李文静博导亲诊", False),
        ("赵明远主治医师，硕导", True),  # hers, not his
    ],
)
def test_a_supervisors_title_her_page_holds_passes(doctors, text, refused) -> None:
    # given her page lists the title with her 职称 (the field takes 「副主任医师、博士生导师」)
    li = doctors["李文静"]
    li.rank = "副主任医师、博士生导师"
    li.save_revision().publish()

    assert bool(_refused(text)) is refused


@pytest.mark.parametrize(
    "text", ["李文静医生的博导是王教授", "李文静，擅长脱发，毕业后师从博导王教授"]
)
def test_a_supervisor_named_near_her_is_not_her_title(doctors, text) -> None:
    assert not any(m.startswith("医生页面未登记") for m in _refused(text))
