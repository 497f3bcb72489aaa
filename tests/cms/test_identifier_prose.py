"""Review of issue 17, round 2 (second review), H1: an identifier field shown to patients (a
doctor's 医师执业证书编码, a clinic's licence) is skipped by the text check because its
digits look like phone numbers; prose typed into one (「加微信yl2026预约」) went live unread.
Such fields now take only their format, and a value that is not identifier-shaped is read as
text by the field check and not excused by the rendered check."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cms.compliance import check_page
from cms.models import DoctorIndexPage, DoctorPage, HomePage
from tests.cms.compliance_support import draft

pytestmark = pytest.mark.django_db

PROSE = [
    "加微信yl2026预约",
    "138-0013-8000 加V:yl2026",
    "扫码咨询 保证治愈",
    "110310000012345，包治脱发",
]


def _doctor(licence: str) -> DoctorPage:
    team = draft(HomePage.objects.get(), DoctorIndexPage(title="医生团队", slug="doctors"))
    return draft(
        team,
        DoctorPage(
            title="李医生",
            slug="li",
            rank="副主任医师",
            hospital="徐汇门诊部",
            licence_number=licence,
        ),
    )


@pytest.mark.parametrize("licence", PROSE)
def test_prose_in_a_doctors_licence_number_is_read_and_blocks(licence) -> None:
    doctor = _doctor(licence)

    report = check_page(doctor)

    assert report.has_blocking, report.findings
    assert any(f.field == "licence_number" for f in report.blocking)


@pytest.mark.parametrize(
    "licence",
    [
        *PROSE,
        "1381234567",
        "11031000001234X",
        "110310000012345678",
        "１１０３１０００００１２３４５",  # full-width digits (second verification)
        "١١٠٣١٠٠٠٠٠١٢٣٤٥",  # Arabic-Indic digits
    ],
)
def test_a_doctors_licence_number_must_be_15_digits(licence) -> None:
    doctor = DoctorPage(
        title="李医生", slug="li2", rank="主治医师", hospital="某医院", licence_number=licence
    )
    with pytest.raises(ValidationError) as refused:
        doctor.clean()
    assert "15 位数字" in str(refused.value)


def test_a_real_licence_number_is_still_not_read_as_a_phone() -> None:
    doctor = _doctor("110310000012345")
    assert check_page(doctor).findings == []
    DoctorPage(
        title="李医生",
        slug="li3",
        rank="主治医师",
        hospital="某医院",
        licence_number=" 110310000012345 ",
    ).clean()


@pytest.mark.parametrize("licence", ["扫码咨询 保证治愈", "加V:yl2026"])
def test_prose_in_a_clinic_licence_on_a_landing_page_is_read_and_refused(licence) -> None:
    from landing.models import LandingPage

    page = LandingPage(title="脱发咨询", slug="x", headline="脱发困扰？", clinic_licence=licence)
    with pytest.raises(ValidationError) as refused:
        page.clean()
    assert "clinic_licence" in refused.value.message_dict


def _story(reference: str):
    from cms.models import PatientStoryPage
    from tests.cms.compliance_support import hub, rich

    return draft(
        hub(),
        PatientStoryPage(
            title="我的睡眠故事",
            slug="story",
            patient_alias="小周",
            consent_recorded=True,
            consent_reference=reference,
            consent_date="2026-11-01",
            body=rich("规律作息以后，我慢慢睡得踏实了。"),
        ),
    )


@pytest.mark.parametrize(
    "reference",
    [
        "400-888-6666",  # the fourth verification's F11: shown as 「同意书 400-888-6666」
        "800 820 8820",
        "13812345678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "021-64001234",
        "(020) 8888 6666",
    ],
)
def test_a_phone_number_in_an_identifier_field_is_read_as_one(reference) -> None:
    """A number a patient can dial is a contact on a 科普 page whatever its field is called
    (《广告法》第十九条): an identifier-shaped value that is phone-shaped is read as text."""
    report = check_page(_story(reference))

    assert report.has_blocking, report.findings
    assert any(f.field == "consent_reference" for f in report.blocking)


@pytest.mark.parametrize(
    "reference", ["TY-2026-IN-001", "20261101-003", "CR2026/0042", "2026110100012"]
)
def test_a_consent_reference_that_is_no_phone_passes(reference) -> None:
    assert check_page(_story(reference)).findings == []


@pytest.mark.parametrize(
    "reference", ["TY2026-139 1234 5678", "No.400 820 8820", "wx-hair2024", "TY(QQ)88665544"]
)
def test_the_served_story_shows_that_consent_was_given_not_its_number(client, reference) -> None:
    """Fifth verification: a phone or an id hidden in a consent number with a prefix was
    served on the story. The number stays in the admin; the page says consent was given and
    when."""
    story = _story(reference)
    story.save_revision().publish()

    html = client.get(story.url).content.decode()

    assert "经本人书面同意分享（2026年11月1日）" in html
    assert reference not in html
    assert "{#" not in html  # a template comment over two lines is printed (sixth verification)
    assert "consent" not in html


@pytest.mark.parametrize(
    "alias", ["王女士（电话13812345678）", "王女士（138 1234 5678）", "王女士·威芯hair2024"]
)
def test_a_contact_in_the_patients_alias_blocks(alias) -> None:
    """Sixth verification: 患者称呼 is shown on the story and was skipped as an identifier."""
    story = _story("TY-2026-IN-001")
    story.patient_alias = alias

    report = check_page(story)

    assert any(f.field == "patient_alias" for f in report.blocking), report.findings


def test_an_ordinary_alias_passes() -> None:
    story = _story("TY-2026-IN-001")
    story.patient_alias = "王女士"
    assert check_page(story).findings == []
