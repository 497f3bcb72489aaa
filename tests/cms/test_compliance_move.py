"""A medical ad is not moved under another parent (fifteenth verification H2): a 转化
article takes its consultation link, package cards and condition from its hub, so moved to
another hub it sold that hub's specialty under its own certificate, and a move is no
publication. Every path is tried: the move view, the bulk move, the admin API and code;
reordering under the same parent and moving a 科普 page still work."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.compliance.gate import MOVE_OF_AN_AD, MoveRefused
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, two_hubs_with_an_ad

pytestmark = pytest.mark.django_db


@pytest.fixture
def hubs_and_ad():
    return two_hubs_with_an_ad()


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("mover", "mover@example.com", "x")


def _parent_of(page) -> int:
    return ArticlePage.objects.get(pk=page.pk).get_parent().pk


def test_the_move_view_refuses_an_ad_to_another_hub(client, admin_user, hubs_and_ad):
    insomnia, diabetes, ad = hubs_and_ad
    client.force_login(admin_user)

    confirm = reverse("wagtailadmin_pages:move_confirm", args=[ad.pk, diabetes.pk])
    shown = client.get(confirm)
    posted = client.post(confirm)

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[ad.pk])
    assert _parent_of(ad) == insomnia.pk
    follow = client.get(reverse("wagtailadmin_pages:edit", args=[ad.pk])).content.decode()
    assert "不能移到其他页面下" in follow


def test_the_admin_api_refuses_an_ad_to_another_hub_with_400(client, admin_user, hubs_and_ad):
    insomnia, diabetes, ad = hubs_and_ad
    client.force_login(admin_user)

    response = client.post(
        f"/admin/api/main/pages/{ad.pk}/action/move/",
        {"destination_page_id": diabetes.pk, "position": "last-child"},
        content_type="application/json",
    )

    assert response.status_code == 400, response.content.decode()
    assert response.json()["compliance"] == [MOVE_OF_AN_AD]
    assert _parent_of(ad) == insomnia.pk


def test_the_bulk_move_refuses_and_moves_nothing(client, admin_user, hubs_and_ad):
    insomnia, diabetes, ad = hubs_and_ad
    science = draft(insomnia, ArticlePage(title="睡眠卫生", slug="hygiene", layer="science"))
    client.force_login(admin_user)

    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "move"))
        + f"?id={ad.pk}&id={science.pk}&childOf={insomnia.pk}"
    )
    response = client.post(url, {"chooser": diabetes.pk})

    assert response.status_code == 302
    assert _parent_of(ad) == insomnia.pk
    assert _parent_of(science) == insomnia.pk  # nothing moved when one is refused
    listing = client.get(response["Location"]).content.decode()
    assert "未批量移动" in listing


def test_code_that_moves_an_ad_is_refused(hubs_and_ad):
    insomnia, diabetes, ad = hubs_and_ad

    with pytest.raises(MoveRefused):
        ad.move(diabetes, pos="last-child")

    assert _parent_of(ad) == insomnia.pk


def test_the_admin_api_refuses_an_ad_moved_beside_a_page_of_another_hub(
    client, admin_user, hubs_and_ad
):
    """The API's default position puts the page beside the destination: a 科普 article of
    another hub as destination moves the ad into that hub."""
    insomnia, diabetes, ad = hubs_and_ad
    beside = draft(diabetes, ArticlePage(title="血糖监测", slug="glucose", layer="science"))
    client.force_login(admin_user)

    response = client.post(
        f"/admin/api/main/pages/{ad.pk}/action/move/",
        {"destination_page_id": beside.pk},
        content_type="application/json",
    )

    assert response.status_code == 400, response.content.decode()
    assert _parent_of(ad) == insomnia.pk


def test_reordering_an_ad_under_its_hub_and_moving_science_still_work(hubs_and_ad):
    insomnia, diabetes, ad = hubs_and_ad
    science = draft(insomnia, ArticlePage(title="睡眠卫生", slug="hygiene", layer="science"))

    ad.move(science, pos="right")  # same parent: a reorder
    science.move(diabetes, pos="last-child")

    assert _parent_of(ad) == insomnia.pk
    assert _parent_of(science) == diabetes.pk
