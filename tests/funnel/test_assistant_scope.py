"""Issue 13 point 18: an assistant sees only their own leads everywhere in the admin: the
follow-up list and its object views, a lead's history and usage views, and the lead chooser."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from funnel.models import FollowUp, Lead
from tests.funnel.factories import AssistantFactory, UserFactory, payload

pytestmark = pytest.mark.django_db

PERMS = [
    "access_admin",
    "view_lead",
    "change_lead",
    "view_followup",
    "change_followup",
    "delete_followup",
]


def _assistant_login(client, username: str):
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=PERMS))
    assistant = AssistantFactory(user=user)
    client.force_login(type(user).objects.get(pk=user.pk))
    return assistant


@pytest.fixture
def two_desks(client, ingest):
    mine = _assistant_login(client, "yizhu_lin")
    other = AssistantFactory()
    own_lead = Lead.objects.get(pk=ingest(payload("13800138001")).lead_id)
    their_lead = Lead.objects.get(pk=ingest(payload("13800138002")).lead_id)
    Lead.objects.filter(pk=own_lead.pk).update(assignee=mine)
    Lead.objects.filter(pk=their_lead.pk).update(assignee=other)
    now = timezone.now()
    own_fu = FollowUp.objects.create(lead=own_lead, assignee=mine, kind="revisit", due_at=now)
    their_fu = FollowUp.objects.create(lead=their_lead, assignee=other, kind="revisit", due_at=now)
    return own_lead, their_lead, own_fu, their_fu


def test_the_followup_list_holds_only_the_assistants_own(client, two_desks) -> None:
    _own_lead, _their_lead, own_fu, their_fu = two_desks

    html = client.get("/admin/snippets/funnel/followup/").content.decode()

    assert f"/admin/snippets/funnel/followup/edit/{own_fu.pk}/" in html
    assert f"/admin/snippets/funnel/followup/edit/{their_fu.pk}/" not in html


@pytest.mark.parametrize("view", ["edit", "history", "usage", "delete"])
def test_another_assistants_followup_is_not_found_by_url(client, two_desks, view) -> None:
    _own_lead, _their_lead, own_fu, their_fu = two_desks

    theirs = client.get(f"/admin/snippets/funnel/followup/{view}/{their_fu.pk}/")
    own = client.get(f"/admin/snippets/funnel/followup/{view}/{own_fu.pk}/")

    assert theirs.status_code == 404
    assert own.status_code == 200


@pytest.mark.parametrize("view", ["history", "usage", "edit", "inspect"])
def test_another_assistants_lead_pages_are_not_found(client, two_desks, view) -> None:
    own_lead, their_lead, _own_fu, _their_fu = two_desks

    theirs = client.get(f"/admin/funnel/leads/{view}/{their_lead.pk}/")
    own = client.get(f"/admin/funnel/leads/{view}/{own_lead.pk}/")

    assert theirs.status_code == 404
    assert own.status_code == 200


def test_the_lead_chooser_lists_only_the_assistants_leads(client, two_desks) -> None:
    own_lead, their_lead, _own_fu, _their_fu = two_desks
    url = reverse("wagtailsnippetchoosers_funnel_lead:choose_results")

    html = client.get(url).content.decode()

    assert f"/chosen/{own_lead.pk}/" in html
    assert f"/chosen/{their_lead.pk}/" not in html
