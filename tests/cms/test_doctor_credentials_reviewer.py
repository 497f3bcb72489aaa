"""One doctor, one set of credentials (issue 17 point 6): the reviewer named in a 科普 byline.
A 科普 page's 审核医生 is chosen from the doctor pages (`ArticlePage.reviewer`), so a
reviewer named in the text (「本文由刘洋副主任医师审核」「医学审核：刘洋 副主任医师」) is ours and
needs a page with that 职称, as a doctor who sees our patients does; an outside expert
quoted reviews nothing and passes (round-6 tester A)."""

from __future__ import annotations

import pytest

from cms.compliance.doctors import UNREGISTERED
from tests.cms.test_doctor_credentials import article, credentials, doctors

pytestmark = pytest.mark.django_db

__all__ = ["doctors"]  # the fixture, shared


def _refused(text: str) -> list[str]:
    return [m for _, _, m in credentials(article(text))]


@pytest.mark.parametrize(
    "text",
    [
        "本文由刘洋副主任医师审核",
        "本文经刘洋主任医师审核。",
        "医学审核：刘洋 副主任医师",
        "审校专家：刘洋（主任医师）",
        "审核专家：刘洋",
        "本文由刘洋医生审核",
        "内容审核｜刘洋 副主任医师",
    ],
)
def test_a_reviewer_named_in_a_byline_without_a_page_is_refused(doctors, text) -> None:
    assert f"{UNREGISTERED}（刘洋）" in _refused(text)


def test_a_reviewer_named_with_another_rank_than_her_page_is_refused(doctors) -> None:
    assert any("职称" in m for m in _refused("本文由李文静主任医师审核"))


@pytest.mark.parametrize(
    "text",
    [
        "本文由李文静副主任医师审核",  # her page's rank
        "北京协和医院刘洋主任医师提醒：别熬夜",  # an outside expert quoted
        "钟南山院士指出，勤洗手很重要",
        "审核过程中，刘洋主任医师提出了很多意见",  # no byline
    ],
)
def test_a_registered_reviewer_or_an_outside_expert_passes(doctors, text) -> None:
    assert _refused(text) == []
