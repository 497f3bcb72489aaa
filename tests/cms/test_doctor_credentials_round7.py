"""One doctor, one set of credentials (issue 17 point 6), round 7: a registered doctor given
a higher 职称 than her page holds, in shapes the reader did not tie to her name: the 职称 as
a level before her title (主任医师级专家李文静), a verb of reaching or belonging to it (属于,
评上了, 晋升为), marks and labels between (李文静「主任医师」, 李文静【职称】主任医师, 主任医师——
李文静), the levels 正高 / 副高 / 中级, English titles (Chief Physician) and Latin degrees
between (李文静 MD, PhD, 主任医师). Each shape is read as a kind: its siblings (other marks,
orders, full-width forms, ranks, ad or 科普) are refused, and the rank said right, said of
someone else or said in general passes. Older leftovers: 高 as "senior" before a 医师 rank
when no 高 doctor is registered, and words jieba tags as names (石家庄, 高水平)."""

from __future__ import annotations

import pytest

from cms.compliance.doctors import UNREGISTERED
from cms.models import DoctorPage
from tests.cms.compliance_support import call_growth_ratio
from tests.cms.test_doctor_credentials import article, credentials, doctors, landing

pytestmark = pytest.mark.django_db

__all__ = ["doctors"]  # the fixture, shared

WRONG_LI = "医生职称与医生页面不一致：页面为副主任医师"
WRONG_ZHAO = "医生职称与医生页面不一致：页面为主治医师"


def _refused(text: str, *, page=landing) -> list[str]:
    return [m for _, _, m in credentials(page(text))]


# --- the 职称 as a level before her title or name -------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "page"),
    [
        ("主任医师级专家李文静", WRONG_LI, landing),
        ("主任医师级别专家李文静为您面诊", WRONG_LI, landing),
        ("主任医师级别的专家李文静", WRONG_LI, landing),
        ("主任医师级的李文静", WRONG_LI, landing),
        ("主任医师水平的专家李文静", WRONG_LI, landing),
        ("主任医师级医生李文静", WRONG_LI, landing),
        ("主任级专家李文静", WRONG_LI, landing),
        ("主任醫師級專家李文靜", WRONG_LI, landing),  # traditional characters
        ("副主任医师级专家赵明远", WRONG_ZHAO, landing),
        ("正高级专家李文静", WRONG_LI, landing),
        ("主任医师级专家李文静提醒：别熬夜", WRONG_LI, article),  # ours on 科普 too
    ],
)
def test_a_rank_as_a_level_before_her_name_is_hers(doctors, text, message, page) -> None:
    assert message in _refused(text, page=page)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("副主任医师级专家李文静", landing),
        ("主治医师级医生赵明远", landing),
        ("主任医师级专家团队为您服务", landing),  # no name
        ("享受主任医师级别的待遇", landing),
        ("主任医师级专家王建华指出，熬夜伤发", article),  # an outside expert quoted
    ],
)
def test_a_level_right_or_of_nobody_passes(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


# --- a verb of reaching or belonging to the 职称 ---------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "page"),
    [
        ("李文静属于主任医师", WRONG_LI, landing),
        ("李文静属于主任医师级别", WRONG_LI, landing),
        ("李文静去年评上了主任医师", WRONG_LI, landing),
        ("李文静去年晋升为主任医师", WRONG_LI, landing),
        ("李文静2023年评上主任医师", WRONG_LI, landing),
        ("李文静已评上主任医师，每周六坐诊", WRONG_LI, landing),
        ("李文静刚当上主任医师", WRONG_LI, landing),
        ("李文静今年升为主任医师了", WRONG_LI, landing),
        ("李文静医生去年考上了主任医师", WRONG_LI, landing),
        ("李文静已拿到主任医师职称", WRONG_LI, landing),
        ("赵明远去年评上了副主任医师", WRONG_ZHAO, landing),
        ("李文静去年评上了主任医师", WRONG_LI, article),
    ],
)
def test_a_verb_of_reaching_or_belonging_to_a_rank_states_it(doctors, text, message, page):
    assert message in _refused(text, page=page)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("李文静去年评上了副主任医师", landing),
        ("李文静属于副主任医师", landing),
        ("评上主任医师需要十年以上的临床积累", landing),  # a general sentence
        ("李文静说，评上主任医师需要十年", landing),
        ("李文静的老师去年评上了主任医师", landing),  # someone else's
        ("李文静明年有望评上主任医师", landing),  # not held now
        ("赵明远属于主治医师", article),
    ],
)
def test_reaching_a_rank_she_holds_or_in_general_passes(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


# --- marks and labels between her name and the 职称 ------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "page"),
    [
        ("李文静「主任医师」", WRONG_LI, landing),
        ("李文静『主任医师』为您面诊", WRONG_LI, landing),
        ("李文静“主任医师”", WRONG_LI, landing),
        ("李文静【职称】主任医师", WRONG_LI, landing),
        ("李文静 【职称】 主任医师", WRONG_LI, landing),
        ("李文静［职称］主任医师", WRONG_LI, landing),
        ("李文静 职称：主任医师", WRONG_LI, landing),
        ("李文静｜职称：主任医师", WRONG_LI, landing),
        ("李文静（职称：主任医师）", WRONG_LI, landing),
        ("主任医师——李文静", WRONG_LI, landing),
        ("主任医师 —— 李文静", WRONG_LI, landing),
        ("主任医师｜李文静", WRONG_LI, landing),
        ("「主任医师」李文静", WRONG_LI, landing),
        ("赵明远【职称】副主任医师", WRONG_ZHAO, landing),
        ("李文静【职称】主任医师", WRONG_LI, article),
    ],
)
def test_marks_and_labels_between_her_name_and_a_rank(doctors, text, message, page) -> None:
    assert message in _refused(text, page=page)


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("李文静【职称】副主任医师", landing),
        ("李文静「副主任医师」", landing),
        ("副主任医师——李文静", landing),
        ("赵明远 职称：主治医师", landing),
        ("主任医师——李文静的导师", article),  # the rank is her teacher's
        ("【职称】主任医师 评审条件", landing),  # no name
    ],
)
def test_marks_and_labels_with_her_rank_or_no_name_pass(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


# --- 正高 / 副高 / 中级: a level named as a 职称 ---------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("李文静，正高职称", WRONG_LI),
        ("李文静（正高）", WRONG_LI),
        ("李文静，正高级职称，擅长脱发", WRONG_LI),
        ("李文静是正高", WRONG_LI),
        ("李文静（正高级）为您面诊", WRONG_LI),
        ("赵明远（副高）", WRONG_ZHAO),
        ("赵明远，副高职称", WRONG_ZHAO),
        ("赵明远，副高级", WRONG_ZHAO),
    ],
)
def test_a_level_named_as_a_rank_is_read_as_that_rank(doctors, text, message) -> None:
    assert message in _refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "李文静（副高）",
        "李文静，副高职称",
        "赵明远，中级职称",
        "患者血压正高时不宜剧烈运动",
        "申报正高职称需要发表论文",
    ],
)
def test_a_level_she_holds_or_of_nobody_passes(doctors, text) -> None:
    assert _refused(text) == []


# --- English titles and Latin degrees ----------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("李文静 Chief Physician", WRONG_LI),
        ("李文静, Chief Physician", WRONG_LI),
        ("李文静，Chief Physician", WRONG_LI),
        ("Chief Physician 李文静", WRONG_LI),
        ("李文静 CHIEF PHYSICIAN", WRONG_LI),
        ("李文静 chief physician 为您面诊", WRONG_LI),
        ("赵明远 Associate Chief Physician", WRONG_ZHAO),
        ("赵明远 Deputy Chief Physician", WRONG_ZHAO),
        ("李文静 Attending Physician", WRONG_LI),
        ("李文静 MD, PhD, 主任医师", WRONG_LI),
        ("李文静，MD，主任医师", WRONG_LI),
        ("李文静 M.D., Chief Physician", WRONG_LI),
        ("李文静 ＭＤ，ＰｈＤ，主任医师", WRONG_LI),  # full-width letters
    ],
)
def test_english_titles_and_latin_degrees_are_read(doctors, text, message) -> None:
    assert message in _refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "Li Wenjing, Chief Physician",
        "Chief Physician Li Wenjing",
        "Dr. Li Wenjing, Associate Chief Physician",
    ],
)
def test_a_latin_name_with_a_rank_on_an_ad_has_no_page(doctors, text) -> None:
    # the register holds names in Chinese: a name in Latin letters with a 职称 is a doctor
    # the ad presents and no page can be matched to (as 「Zhang Wei 主任医师」 was)
    assert any(m.startswith(UNREGISTERED) for m in _refused(text))


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("李文静 Associate Chief Physician", landing),
        ("赵明远 Attending Physician", landing),
        ("李文静 MD, PhD, 副主任医师", landing),
        ("Ask a chief physician before you change the dose.", landing),
        ("Li Wenjing, Chief Physician at Peking Union, said sleep matters", article),
    ],
)
def test_english_titles_she_holds_or_of_nobody_pass(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


# --- older leftovers: 高 as "senior", places and praise words tagged as names -------------
@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("高主任医师团队值班", landing),
        ("高主任医师团队为您服务", landing),
        ("高副主任医师们轮流值班", landing),
        ("石家庄医生坐诊", landing),
        ("李家庄医生坐诊", landing),
        ("王家村医生为您服务", landing),
        ("高水平医生为您服务", landing),
        ("高素质医生团队", landing),
        ("高学历医生坐诊", landing),
    ],
)
def test_senior_levels_places_and_praise_are_no_names(doctors, text, page) -> None:
    assert _refused(text, page=page) == []


def test_senior_reads_as_the_registered_gao_doctors_surname(doctors) -> None:
    # given a doctor 高 is registered, 高主任医师团队 is her team: her 职称 is stated
    team = doctors["李文静"].get_parent()
    team.add_child(
        instance=DoctorPage(
            title="高明", slug="gao", rank="主治医师", hospital="徐汇门诊部",
            licence_number="110310000034567",
        )
    )  # fmt: skip

    assert "医生职称与医生页面不一致：页面为主治医师" in _refused("高主任医师团队值班")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("高主任医师为您面诊", "高"),  # one person serving: Dr. 高 (round 6)
        ("石家庄医生王建华坐诊", "王建华"),  # a place, then a doctor
        ("高水平医生王建华为您服务", "王建华"),
    ],
)
def test_a_doctor_after_a_place_or_praise_is_still_read(doctors, text, name) -> None:
    assert f"{UNREGISTERED}（{name}）" in _refused(text)


@pytest.mark.parametrize(
    "unit",
    ["主任医师级专家李文静，", "李文静去年评上了主任医师，", "李文静【职称】主任医师，",
     "李文静 MD, PhD, 主任医师，", "主任医师——李文静，", "李文静，正高职称，"],
)  # fmt: skip
def test_the_round_7_readers_read_a_long_line_in_linear_time(unit) -> None:
    """The doctor reader over a line 4× as long takes about 4× the CPU time (9 allows noise;
    reading every start to the line's end would give 16)."""
    from cms.compliance.doctors import _mentions

    ratio = call_growth_ratio(lambda t: _mentions(t, ("李文静",)), unit, small=150, large=600)
    assert ratio < 9, ratio
