"""A patient calls in: staff find the lead by phone (any way it is written) or by its id in
the lead list, though phones and names are encrypted; an assistant still finds only her own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from funnel.models import Lead
from tests.funnel.factories import AssistantFactory, UserFactory, payload

pytestmark = pytest.mark.django_db

LIST = "/admin/funnel/leads/"


@pytest.fixture
def two_leads(ingest):
    first = Lead.objects.get(pk=ingest(payload("13800138001", name="张三")).lead_id)
    second = Lead.objects.get(pk=ingest(payload("13900139002", name="李四")).lead_id)
    return first, second


def _listed(response) -> set[int]:
    assert response.status_code == 200
    return {lead.pk for lead in response.context["object_list"]}


@pytest.mark.parametrize(
    "written",
    ["13800138001", "138 0013 8001", "138-0013-8001", "+86 138 0013 8001", "+8613800138001"],
)
def test_staff_find_a_lead_by_its_phone_written_any_way(admin_client, two_leads, written) -> None:
    first, _ = two_leads
    assert _listed(admin_client.get(LIST, {"phone": written})) == {first.pk}


def test_a_lead_id_finds_that_lead(admin_client, two_leads) -> None:
    _, second = two_leads
    assert _listed(admin_client.get(LIST, {"phone": f"#{second.pk}"})) == {second.pk}
    assert _listed(admin_client.get(LIST, {"phone": str(second.pk)})) == {second.pk}


@pytest.mark.parametrize(
    "junk", ["13800138009", "abc", "#", "9" * 40, "' OR 1=1 --", "１３８００１３８００１x"]
)
def test_a_phone_or_id_that_matches_nothing_lists_nothing_and_never_fails(
    admin_client, two_leads, junk
) -> None:
    assert _listed(admin_client.get(LIST, {"phone": junk})) == set()


def test_a_nul_character_is_a_form_error_not_a_crash(admin_client, two_leads) -> None:
    # Django's form refuses NUL characters (the filter form is invalid and filters nothing)
    assert admin_client.get(LIST, {"phone": "\x00"}).status_code == 200


def test_an_empty_search_lists_everyone(admin_client, two_leads) -> None:
    assert _listed(admin_client.get(LIST, {"phone": "  "})) == {lead.pk for lead in two_leads}


def test_an_assistant_cannot_find_another_assistants_lead_by_phone(client, two_leads) -> None:
    user = UserFactory(username="yizhu_search")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_lead", "change_lead"])
    )
    mine = AssistantFactory(user=user)
    first, second = two_leads
    Lead.objects.filter(pk=first.pk).update(assignee=mine)
    Lead.objects.filter(pk=second.pk).update(assignee=AssistantFactory())
    client.force_login(user)

    assert _listed(client.get(LIST, {"phone": "13800138001"})) == {first.pk}
    assert _listed(client.get(LIST, {"phone": "13900139002"})) == set()
