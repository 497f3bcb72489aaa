"""Issue 13 review, point 6: the export audit has a read-only admin list, shown to users with
`funnel.view_exportaudit` (supervisors, superusers) and to nobody else."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from funnel.models import ExportAudit
from funnel.payload import LeadPayload
from tests.funnel.factories import AssistantFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/funnel/export-audit/"
ROLES = {
    "assistant": ["access_admin", "view_lead", "change_lead", "view_followup", "view_privategroup"],
    "editor": ["access_admin"],
    "growth": ["access_admin", "view_lead", "change_lead", "reveal_pii", "assign_lead"],
    "supervisor": ["access_admin", "view_exportaudit"],
}


@pytest.fixture
def audited(ingest) -> ExportAudit:
    ingest(LeadPayload(phone="13812345678", name="王", channel="api", consent_required=False))
    call_command("export_leads", "--reveal", "--operator", "李经理", stdout=io.StringIO())
    return ExportAudit.objects.get()


def _login(client, role: str):
    user = UserFactory(username=f"u_{role}")
    user.user_permissions.add(*Permission.objects.filter(codename__in=ROLES[role]))
    if role == "assistant":
        AssistantFactory(user=user)
    client.force_login(type(user).objects.get(pk=user.pk))
    return user


def test_a_supervisor_reads_the_list_and_one_row(client, audited) -> None:
    _login(client, "supervisor")

    listing = client.get(LIST)
    inspect = client.get(f"{LIST}inspect/{audited.pk}/")
    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert listing.status_code == 200
    html = listing.content.decode()
    assert "李经理" in html
    assert "export_leads" in html
    assert "导出审计" in html
    assert inspect.status_code == 200
    assert "李经理" in inspect.content.decode()
    assert LIST in home  # the settings menu entry


def test_a_superuser_reads_the_list(client, audited, admin_user) -> None:
    client.force_login(admin_user)

    assert "李经理" in client.get(LIST).content.decode()


@pytest.mark.parametrize("role", ["assistant", "editor", "growth"])
def test_others_neither_see_the_menu_nor_open_the_list(client, audited, role) -> None:
    _login(client, role)

    listing = client.get(LIST)
    inspect = client.get(f"{LIST}inspect/{audited.pk}/")
    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert listing.status_code in (302, 403)
    assert "李经理" not in listing.content.decode()
    assert inspect.status_code in (302, 403)
    assert LIST not in home


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "new/"),
        ("post", "new/"),
        ("get", "edit/{pk}/"),
        ("post", "edit/{pk}/"),
        ("get", "delete/{pk}/"),
        ("post", "delete/{pk}/"),
    ],
)
def test_nobody_adds_edits_or_deletes_an_audit_row(client, audited, admin_user, method, path):
    client.force_login(admin_user)

    answer = getattr(client, method)(LIST + path.format(pk=audited.pk), {"what": "x"})

    assert answer.status_code in (302, 403, 404)
    assert ExportAudit.objects.get().what == "export_leads"
    assert ExportAudit.objects.count() == 1
