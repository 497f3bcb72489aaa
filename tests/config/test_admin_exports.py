"""`?export=csv` / `?export=xlsx` on an admin list: Wagtail answers a spreadsheet for any list
view, and for a list that declares no export columns it answered an empty file (a CSV of two
blank lines) that staff took for "no data". Lists without export columns now render the list
as HTML instead; personal data leaves only through the audited `export_leads`."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from funnel.services.intake import IntakeSource, lead_intake
from tests.config.test_admin_service_created import _project_viewsets, _url
from tests.funnel.factories import payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(user)
    return user


def _one_lead() -> None:
    lead = payload("13800138001", name="张三")
    lead_intake(
        source=IntakeSource(channel="api"), external_id="x-1", raw=lead.to_dict(), payload=lead
    )


def _header(response, fmt: str) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        first = body.decode("utf-8-sig").splitlines()[:1]
        return [cell for cell in (first[0].split(",") if first else []) if cell.strip()]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [str(c.value) for c in next(sheet.iter_rows(max_row=1)) if c.value not in (None, "")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_admin_list_answers_an_empty_export(client, superuser, fmt) -> None:
    _one_lead()
    empty = []
    for viewset in _project_viewsets():
        response = client.get(_url(viewset, "index", "list"), {"export": fmt})
        assert response.status_code == 200, viewset.model.__name__
        if response["Content-Type"].startswith("text/html"):
            continue  # no export columns: the list itself
        if not _header(response, fmt):
            empty.append(viewset.model.__name__)
    assert empty == []


def test_the_lead_list_export_parameter_shows_the_masked_list(client, superuser) -> None:
    _one_lead()
    response = client.get("/admin/funnel/leads/", {"export": "csv"})
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "13800138001" not in body
    assert "138****8001" in body
