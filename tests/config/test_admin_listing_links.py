"""Every admin listing links each row to its edit page (seventeenth verification B-R0): the
listings built with `funnel.admin_labels.admin_columns` gave their first column as a Column,
which Wagtail leaves unlinked, so no role could open a service package, a specialty, an
assistant or an 活码 from its list."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from funnel.models import Assistant, AssistantPool, ServicePackage, Specialty
from tests.funnel.factories import AssistantFactory, PackageFactory, PoolFactory

pytestmark = pytest.mark.django_db


def _rows(model, html: str) -> set[str]:
    """The edit URLs the listing links, as hrefs."""
    viewset = model.snippet_viewset
    pattern = reverse(viewset.get_url_name("edit"), args=[0]).replace("/0/", r"/\d+/")
    return set(re.findall(f'href="({pattern})"', html))


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (ServicePackage, PackageFactory),
        (Specialty, lambda: PackageFactory().specialty),
        (Assistant, AssistantFactory),
        (AssistantPool, PoolFactory),
    ],
)
def test_a_listing_links_each_row_to_its_edit_page(client, model, make) -> None:
    row = make()
    admin = get_user_model().objects.create_superuser("zhuguan-l", "l@example.com", "x")
    client.force_login(admin)

    response = client.get(reverse(model.snippet_viewset.get_url_name("list")))

    assert response.status_code == 200
    edit = reverse(model.snippet_viewset.get_url_name("edit"), args=[row.pk])
    assert edit in _rows(model, response.content.decode())
    assert client.get(edit).status_code == 200


def test_a_role_without_edit_permission_gets_no_edit_link(client) -> None:
    from django.contrib.auth.models import Permission

    PackageFactory()
    user = get_user_model().objects.create_user("kan", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=("access_admin", "view_servicepackage"))
    )
    client.force_login(user)

    html = client.get(reverse(ServicePackage.snippet_viewset.get_url_name("list"))).content
    assert _rows(ServicePackage, html.decode()) == set()
