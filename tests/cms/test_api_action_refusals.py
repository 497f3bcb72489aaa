"""The admin API's page actions refuse a user without the right in zh-hans (round-34 tester F8):
Wagtail's actions raise English strings (「You do not have permission to publish this page.」),
answered as 403 beside the gate's Chinese refusals on the same endpoints."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Locale

from cms.models import ArticlePage, HomePage
from tests.cms.compliance_support import draft, hub
from tests.funnel.factories import UserFactory

pytestmark = pytest.mark.django_db


def _editor():
    """A demo-like editor (bianji_chen): Wagtail's Editors group, add and change on the tree,
    no publish."""
    user = UserFactory(username="bianji")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def _contributor():
    """Staff who may add pages under the home page only (Wagtail's 'add' alone): they see the
    pages but may not edit one they do not own, which the Editors group always may."""
    group = Group.objects.create(name="投稿")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group,
        page=HomePage.objects.get(),
        permission=Permission.objects.get(codename="add_page"),
    )
    user = UserFactory(username="tougao")
    user.groups.add(group)
    return user


def _pages():
    """(a live 科普 article with two revisions, an alias of it under another hub, that hub)."""
    parent, other = hub(), hub("diabetes", "糖尿病")
    article = draft(parent, ArticlePage(title="睡眠卫生", slug="hygiene", layer="science"))
    article.save_revision().publish()
    article = ArticlePage.objects.get(pk=article.pk)
    article.title = "睡眠卫生要点"
    article.save_revision()
    alias = article.create_alias(parent=other, update_slug="hygiene-alias")
    Locale.objects.get_or_create(language_code="en")
    return article, alias, other


def _refusal(response) -> str:
    body = response.json()
    return str(body.get("detail") or body.get("message") or body)


# (action, who, the page it is called on, its data): each refused to that user
CASES = [
    ("publish", _editor, "article", {}),
    ("unpublish", _editor, "article", {}),
    ("delete", _editor, "article", {}),
    ("move", _editor, "article", {"destination_page_id": "other"}),
    ("copy", _editor, "article", {"destination_page_id": "other"}),
    ("create_alias", _editor, "article", {"destination_page_id": "other"}),
    ("copy_for_translation", _editor, "article", {"locale": "en"}),
    ("revert_to_page_revision", _contributor, "article", {"revision_id": "first"}),
    ("convert_alias", _contributor, "alias", {}),
    ("publish", _contributor, "article", {}),
    ("copy", _contributor, "article", {"destination_page_id": "other", "keep_live": False}),
]


@pytest.mark.parametrize(
    ("action", "who", "target", "data"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES]
)
def test_an_admin_api_action_refused_for_want_of_permission_answers_in_chinese(
    client, action, who, target, data
) -> None:
    # given a user without the right to `action` on the page
    article, alias, other = _pages()
    values = {"other": other.pk, "first": article.revisions.order_by("pk").first().pk}
    data = {key: values.get(value, value) for key, value in data.items()}
    page = {"article": article, "alias": alias}[target]
    client.force_login(who())

    # when she calls it through the admin API
    response = client.post(
        f"/admin/api/main/pages/{page.pk}/action/{action}/", data, content_type="application/json"
    )

    # then it is refused with the same status, in Chinese, with no English words
    assert response.status_code == 403, response.content
    message = _refusal(response)
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert not re.search(r"[A-Za-z]{3,}", message), message
    # and nothing was done
    assert ArticlePage.objects.filter(pk=article.pk, live=True, title="睡眠卫生").exists()


def test_a_refusal_wagtail_words_anew_is_said_by_its_action_in_chinese() -> None:
    from cms.compliance.api_actions import permission_refusal

    message = permission_refusal("You may not move this page right now.", "move")

    assert "移动" in message
    assert not re.search(r"[A-Za-z]{3,}", message), message


@pytest.mark.parametrize("action", ["unpublish", "delete"])
def test_a_user_without_the_right_hears_no_compliance_reason(client, action) -> None:
    """Round-34 verification F12: the gate's 400 (naming the live pages that choose a doctor)
    answered an editor who may not take the doctor's page down at all: the right is asked first."""
    from cms.models import DoctorIndexPage, DoctorPage

    team = HomePage.objects.get().add_child(
        instance=DoctorIndexPage(title="医生团队", slug="doctors")
    )
    doctor = team.add_child(
        instance=DoctorPage(
            title="李文静",
            slug="li",
            rank="副主任医师",
            hospital="徐汇门诊部",
            licence_number="110310000012345",
        )
    )
    reviewed = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science"))
    reviewed.reviewer = doctor
    reviewed.save_revision().publish()
    user = _editor()
    assert not doctor.permissions_for_user(user).can_unpublish()
    client.force_login(user)

    response = client.post(
        f"/admin/api/main/pages/{doctor.pk}/action/{action}/", {}, content_type="application/json"
    )

    assert response.status_code == 403, response.content
    assert "compliance" not in response.json()
    assert "熬夜与脱发" not in response.content.decode()
    assert DoctorPage.objects.filter(pk=doctor.pk, live=True).exists()


def test_a_user_without_the_publish_right_is_refused_before_the_check(client) -> None:
    article = draft(hub(), ArticlePage(title="脱发科普", slug="hair", layer="science"))
    article.summary = "保证治愈，咨询电话13800001111"
    article.save_revision()
    client.force_login(_editor())

    response = client.post(
        f"/admin/api/main/pages/{article.pk}/action/publish/", {}, content_type="application/json"
    )

    assert response.status_code == 403, response.content
    assert "compliance" not in response.json()
    assert not ArticlePage.objects.get(pk=article.pk).live
