"""A certified ad's specialty cannot change under it without a move (found by verification):
a 转化 article shows its hub's specialty (「有失眠困扰？在线咨询」 → /lp/insomnia/, the
package cards, the JSON-LD MedicalCondition), and a service package page its specialty's
name. So a hub whose 专科 changes is not published while ads sit under it (every publish
path: the editor's 发布, the doctor's approval, the admin API, bulk publishing, code), and a
specialty is not renamed while ads show its name (its admin form, and any save in code);
hubs and specialties no ad shows change freely."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import TaskState

from cms.compliance.gate import CompliancePublishBlocked
from cms.models import ArticlePage, SpecialtyPage
from cms.seed import certify_packages
from cms.workflows import DOCTOR_GROUP
from funnel.models import ServicePackage, Specialty
from tests.cms.compliance_support import draft, live_landing_page, two_hubs_with_an_ad
from tests.cms.test_workflow import _action_url, _dashboard_after, _edit_form_data
from tests.funnel.factories import PackageFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db

REFUSED_HUB = "本专科主页下有医疗广告"
REFUSED_NAME = "以下医疗广告展示该专科名称"
AD_PATH = "/insomnia/plan/"
SHOWN = "有失眠困扰？在线咨询"


@pytest.fixture
def hubs_and_ad():
    """(insomnia hub with its live certified 转化 article, diabetes hub, the article, and
    脱发: a specialty no hub has yet)."""
    insomnia, diabetes, ad = two_hubs_with_an_ad()
    live_landing_page(insomnia.specialty)  # the ad's 「在线咨询」 shows while one answers
    return insomnia, diabetes, ad, SpecialtyFactory(slug="hair-loss", name="脱发")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("zhuguan", "zhuguan@example.com", "x")


def _specialty_of(hub) -> int:
    return SpecialtyPage.objects.get(pk=hub.pk).specialty_id


def _changed_draft(hub, specialty, user=None):
    """A draft of `hub` with another 专科, saved as the editor's 保存草稿 saves it."""
    page = SpecialtyPage.objects.get(pk=hub.pk)
    page.specialty = specialty
    return page.save_revision(user=user)


def _ad_still_shows_insomnia(client) -> None:
    html = client.get(AD_PATH).content.decode()
    assert SHOWN in html
    assert 'href="/lp/insomnia/' in html
    assert '"MedicalCondition", "name": "失眠"' in html


# --- the hub's 专科 ------------------------------------------------------------------------


def test_the_editor_form_refuses_to_publish_a_hub_with_another_specialty(
    client, admin_user, hubs_and_ad
):
    insomnia, _, ad, hair = hubs_and_ad
    client.force_login(admin_user)
    edit = reverse("wagtailadmin_pages:edit", args=[insomnia.pk])
    data = _edit_form_data(client.get(edit).content.decode())

    # when the administrator picks 脱发 as the hub's 专科 and presses 发布
    data["specialty"] = [str(hair.pk)]
    data["action-publish"] = ["action-publish"]
    response = client.post(edit, data)

    # then the form says why, naming the ad, and nothing changed for the public
    html = response.content.decode()
    assert response.status_code == 200
    assert REFUSED_HUB in html
    assert f"“{ad.title}”" in html
    assert _specialty_of(insomnia) != hair.pk
    _ad_still_shows_insomnia(client)


def test_the_doctors_approval_returns_the_changed_hub_to_the_editor(client, hubs_and_ad):
    insomnia, _, ad, hair = hubs_and_ad
    editor = _user("bianji", "Editors")
    doctor = _user("yisheng", DOCTOR_GROUP)
    _changed_draft(insomnia, hair, user=editor)
    hub = SpecialtyPage.objects.get(pk=insomnia.pk)
    hub.get_workflow().start(hub, editor)
    state = TaskState.objects.get(workflow_state__object_id=str(hub.pk), status="in_progress")
    client.force_login(doctor)

    # when the doctor approves the editor's draft (approval publishes it)
    response = client.post(_action_url(hub, "approve", state), {"comment": "通过"})
    _, html = _dashboard_after(client, response)

    # then it is not published: back with the editor, the doctor told why
    state.refresh_from_db()
    assert state.status == "rejected"
    assert REFUSED_HUB in html
    assert _specialty_of(insomnia) != hair.pk
    _ad_still_shows_insomnia(client)


def test_the_admin_api_refuses_the_changed_hub_with_400(client, admin_user, hubs_and_ad):
    insomnia, _, ad, hair = hubs_and_ad
    _changed_draft(insomnia, hair, user=admin_user)
    client.force_login(admin_user)

    response = client.post(
        f"/admin/api/main/pages/{insomnia.pk}/action/publish/", {}, content_type="application/json"
    )

    assert response.status_code == 400, response.content.decode()
    (why,) = response.json()["compliance"]
    assert REFUSED_HUB in why
    assert f"“{ad.title}”" in why
    assert _specialty_of(insomnia) != hair.pk
    _ad_still_shows_insomnia(client)


def test_bulk_publishing_refuses_the_changed_hub_and_publishes_nothing(
    client, admin_user, hubs_and_ad
):
    insomnia, diabetes, _, hair = hubs_and_ad
    _changed_draft(insomnia, hair, user=admin_user)
    retitled = SpecialtyPage.objects.get(pk=diabetes.pk)
    retitled.title = "糖尿病门诊"
    retitled.save_revision(user=admin_user)
    client.force_login(admin_user)

    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + f"?id={insomnia.pk}&id={diabetes.pk}"
    )
    response = client.post(url, {})

    assert response.status_code == 302
    listing = client.get(response["Location"]).content.decode()
    assert "未批量发布" in listing
    assert REFUSED_HUB in listing
    assert _specialty_of(insomnia) != hair.pk
    assert SpecialtyPage.objects.get(pk=diabetes.pk).title == "糖尿病专科"  # nothing published
    _ad_still_shows_insomnia(client)


def test_publishing_the_revision_in_code_is_refused(client, hubs_and_ad):
    insomnia, _, _, hair = hubs_and_ad
    revision = _changed_draft(insomnia, hair)

    with pytest.raises(CompliancePublishBlocked) as refused:
        revision.publish()

    assert refused.value.decision.reason == "hub_changed"
    assert _specialty_of(insomnia) != hair.pk
    _ad_still_shows_insomnia(client)


def test_a_certified_draft_ad_holds_the_hub_too(hubs_and_ad):
    """An ad taken down keeps its certificate on its latest revision: published again later,
    it would show the new specialty. The reviewer clears the number first."""
    insomnia, _, ad, hair = hubs_and_ad
    ArticlePage.objects.get(pk=ad.pk).unpublish()

    with pytest.raises(CompliancePublishBlocked):
        _changed_draft(insomnia, hair).publish()

    # when the reviewer clears the number on the draft (as 文号留空并确认 saves it)
    latest = ArticlePage.objects.get(pk=ad.pk).get_latest_revision_as_object()
    latest.ad_review_certificate = ""
    latest.save_revision(user=latest.ad_review_recorded_by)
    _changed_draft(insomnia, hair).publish()
    assert _specialty_of(insomnia) == hair.pk


def test_a_hub_with_no_ad_changes_and_a_hub_with_ads_keeps_publishing(hubs_and_ad):
    insomnia, diabetes, _, hair = hubs_and_ad
    draft(
        diabetes, ArticlePage(title="控糖饮食", slug="diet", layer="science")
    ).save_revision().publish()

    # a hub holding 科普 articles only takes another specialty
    _changed_draft(diabetes, hair).publish()
    # a hub holding an ad publishes any change that keeps its specialty
    retitled = SpecialtyPage.objects.get(pk=insomnia.pk)
    retitled.title = "失眠门诊"
    retitled.save_revision().publish()

    assert _specialty_of(diabetes) == hair.pk
    assert SpecialtyPage.objects.get(pk=insomnia.pk).title == "失眠门诊"


# --- the specialty's name ------------------------------------------------------------------


def test_the_specialty_form_refuses_a_rename_under_a_live_ad(client, admin_user, hubs_and_ad):
    insomnia, _, ad, _ = hubs_and_ad
    specialty = insomnia.specialty
    client.force_login(admin_user)
    edit = reverse("wagtailsnippets_funnel_specialty:edit", args=[specialty.pk])

    response = client.post(
        edit, {"name": "焦虑抑郁", "slug": specialty.slug, "description": specialty.description}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert REFUSED_NAME in html
    assert f"转化文章“{ad.title}”" in html
    assert Specialty.objects.get(pk=specialty.pk).name == "失眠"
    _ad_still_shows_insomnia(client)


def test_a_rename_in_code_is_refused_and_a_save_keeping_the_name_is_not(client, hubs_and_ad):
    insomnia, _, ad, _ = hubs_and_ad
    specialty = Specialty.objects.get(pk=insomnia.specialty_id)

    specialty.name = "焦虑抑郁"
    with pytest.raises(ValidationError) as refused:
        specialty.save()

    assert f"转化文章“{ad.title}”" in refused.value.message_dict["name"][0]
    assert Specialty.objects.get(pk=specialty.pk).name == "失眠"
    _ad_still_shows_insomnia(client)
    # the description changes with the name kept
    specialty.name, specialty.description = "失眠", "入睡困难、早醒"
    specialty.full_clean()
    specialty.save()
    assert Specialty.objects.get(pk=specialty.pk).description == "入睡困难、早醒"


def test_a_package_on_sale_holds_its_specialtys_name(client):
    """The package page reads 「脱发 · 服务周期 90 天」, the comparison 「脱发服务包对比」."""
    specialty = SpecialtyFactory(slug="hair-loss", name="脱发")
    package = PackageFactory(specialty=specialty, slug="hair-3m", live=False)
    certify_packages()
    assert "脱发 · 服务周期" in client.get(f"/packages/{package.slug}/").content.decode()

    specialty.name = "斑秃"
    with pytest.raises(ValidationError) as refused:
        specialty.save()

    assert f"服务包“{package.name}”" in refused.value.message_dict["name"][0]
    # taken down (下架, published), the package shows nothing: the rename goes through
    down = ServicePackage.objects.get(pk=package.pk)
    down.is_active = False
    down.save_revision().publish()
    specialty.save()
    assert Specialty.objects.get(pk=specialty.pk).name == "斑秃"


def test_a_specialty_no_ad_shows_is_renamed_in_its_form(client, admin_user, hubs_and_ad):
    _, diabetes, _, _ = hubs_and_ad
    specialty = diabetes.specialty
    client.force_login(admin_user)
    edit = reverse("wagtailsnippets_funnel_specialty:edit", args=[specialty.pk])

    response = client.post(edit, {"name": "2型糖尿病", "slug": specialty.slug, "description": ""})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Specialty.objects.get(pk=specialty.pk).name == "2型糖尿病"


def test_a_landing_page_shows_no_specialty_name(client):
    """A landing page's text is its own (its headline names the condition as the reviewer
    approved it); it shows nothing of the specialty row, so a rename leaves it as certified
    and a landing page alone does not hold the name."""
    from tests.landing.conftest import build_landing

    landing = build_landing(slug="hair-loss", name="脱发")
    ServicePackage.objects.filter(pk=landing.package.pk).update(live=False)
    before = client.get("/lp/hair-loss/").content.decode()

    landing.specialty.name = "斑秃"
    landing.specialty.save()

    after = client.get("/lp/hair-loss/").content.decode()
    assert "斑秃" not in after
    assert landing.page.headline in before
    assert landing.page.headline in after


def _user(username: str, group: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username, password=f"pw-{username}-1")
    user.groups.add(Group.objects.get(name=group))
    return user
