"""Care-plan links: a missing plan is 404 (never 500) and links can be revoked per plan
(admin action, audited; a revoked link answers 410 with a Chinese page) (issue 13 point 19)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from wagtail.models import ModelLogEntry

from funnel.models import Lead
from landing.models import CarePlan
from landing.services.careplan import SALT, careplan_link_token
from tests.funnel.factories import UserFactory
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(client, landing) -> CarePlan:
    client.post("/lp/hair-loss/", form_data())
    return CarePlan.objects.create(lead=Lead.objects.get(), title="脱发3个月管理计划")


def test_a_link_to_a_deleted_plan_is_404_not_500(client, plan) -> None:
    token = careplan_link_token(plan_id=plan.pk)
    plan.delete()

    response = client.get(f"/h5/plan/{token}/")

    assert response.status_code == 404
    assert 'data-error-code="link_invalid"' in response.content.decode()


def test_a_validly_signed_link_to_a_plan_that_never_existed_is_404(client, plan) -> None:
    forged = signing.TimestampSigner(salt=SALT).sign("999999")
    assert client.get(f"/h5/plan/{forged}/").status_code == 404


def test_staff_revoke_a_plans_links_old_links_410_new_links_work(client, plan) -> None:
    # given a link the patient already has
    old = careplan_link_token(plan_id=plan.pk)
    assert client.get(f"/h5/plan/{old}/").status_code == 200
    staff = UserFactory(username="yz_lead", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_careplan"),
        Permission.objects.get(codename="view_careplan"),
    )
    client.force_login(staff)
    listing = client.get("/admin/snippets/landing/careplan/")
    assert "撤销已发出的链接" in listing.content.decode()

    # when staff revoke the plan's links from the admin
    answer = client.post(f"/admin/careplans/{plan.pk}/revoke/")
    assert answer.status_code == 302
    client.logout()

    # then the old link answers 410 with a Chinese page, and the revocation is audited
    gone = client.get(f"/h5/plan/{old}/")
    assert gone.status_code == 410
    body = gone.content.decode()
    assert 'data-error-code="link_revoked"' in body
    assert "此链接已被撤销" in body
    entry = ModelLogEntry.objects.get(action="landing.careplan_link_revoke")
    assert (entry.object_id, entry.user_id) == (str(plan.pk), staff.pk)
    plan.refresh_from_db()
    assert plan.link_revoked_at is not None
    # and a link made now opens
    assert client.get(f"/h5/plan/{careplan_link_token(plan_id=plan.pk)}/").status_code == 200


def test_revoking_needs_the_change_permission(client, plan) -> None:
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    old = careplan_link_token(plan_id=plan.pk)

    refused = client.post(f"/admin/careplans/{plan.pk}/revoke/")

    # Wagtail answers a denied admin view by sending the user back to the dashboard
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert not ModelLogEntry.objects.filter(action="landing.careplan_link_revoke").exists()

    plan.refresh_from_db()
    assert plan.link_version == 0
    client.logout()
    assert client.get(f"/h5/plan/{old}/").status_code == 200
