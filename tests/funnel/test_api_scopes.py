"""API tokens carry scopes: a website's lead form holds a token that creates leads and cannot
mark anyone paid (which reports revenue and sends the ad platforms' conversions), nor write
notes on arbitrary leads; a token is refused before its body is read."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from funnel.models import ApiToken, InboundLead, Lead, LeadEvent, Order
from funnel.services.tokens import SCOPE_CREATE, SCOPE_EVENTS, api_token_create

pytestmark = pytest.mark.django_db

BODY = {"phone": "13800138000", "name": "张三", "channel": "api", "consent": True}


def _post(client, url: str, body, token: str):
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(
        url,
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def lead_id(client) -> int:
    full = api_token_create(name="crm")
    return _post(client, "/api/v1/leads", BODY, full).json()["lead_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"stage": "paid", "amount": "699.00"},
        {"note": "回访"},
        {"stage": "nonsense"},
        "not json",
        {},
    ],
)
def test_a_create_only_token_cannot_change_a_lead(client, lead_id, body) -> None:
    form_token = api_token_create(name="website", scopes=[SCOPE_CREATE])
    before = (LeadEvent.objects.count(), Order.objects.count())

    response = _post(client, f"/api/v1/leads/{lead_id}/events", body, form_token)

    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert (LeadEvent.objects.count(), Order.objects.count()) == before
    assert Lead.objects.get(pk=lead_id).stage == "new"


def test_a_create_only_token_creates_leads(client) -> None:
    form_token = api_token_create(name="website", scopes=[SCOPE_CREATE])
    assert _post(client, "/api/v1/leads", BODY, form_token).status_code == 201


def test_an_events_only_token_cannot_create_a_lead_and_nothing_is_stored(client) -> None:
    erp = api_token_create(name="erp", scopes=[SCOPE_EVENTS])
    response = _post(client, "/api/v1/leads", BODY, erp)
    assert (response.status_code, response.json()["error"]) == (403, "insufficient_scope")
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0


def test_an_events_token_records_a_payment(client, lead_id) -> None:
    erp = api_token_create(name="erp", scopes=[SCOPE_EVENTS])
    body = {"stage": "paid", "amount": "699.00"}
    response = _post(client, f"/api/v1/leads/{lead_id}/events", body, erp)
    assert response.status_code == 200
    assert Lead.objects.get(pk=lead_id).stage == "paid"


def test_an_unknown_token_is_still_401_first(client) -> None:
    response = _post(client, "/api/v1/leads", BODY, "yl_nobody")
    assert response.status_code == 401


@pytest.mark.parametrize("scopes", [[], ["leads:delete"], ["leads:create", "admin"]])
def test_a_token_cannot_be_made_with_no_or_unknown_scopes(scopes) -> None:
    with pytest.raises(ValueError, match="scopes"):
        api_token_create(name="x", scopes=scopes)
    assert not ApiToken.objects.exists()


def test_the_command_makes_a_scoped_token_and_refuses_an_unknown_scope(client) -> None:
    out = StringIO()
    call_command(
        "api_token", "create", "website", "--scope", SCOPE_CREATE, stdout=out, stderr=StringIO()
    )
    token = out.getvalue().strip().splitlines()[-1]
    assert ApiToken.objects.get(name="website").scopes == [SCOPE_CREATE]
    assert _post(client, "/api/v1/leads", BODY, token).status_code == 201
    with pytest.raises(CommandError):
        call_command("api_token", "create", "bad", "--scope", "leads:delete", stderr=StringIO())


def test_the_command_without_scopes_keeps_making_full_tokens() -> None:
    call_command("api_token", "create", "crm", stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.get(name="crm").scopes == [SCOPE_CREATE, SCOPE_EVENTS]


def test_staff_narrow_a_tokens_scopes_in_the_admin_and_cannot_empty_them(admin_client) -> None:
    api_token_create(name="crm")
    token = ApiToken.objects.get(name="crm")
    url = f"/admin/snippets/funnel/apitoken/edit/{token.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("checked") >= 2  # both scopes shown ticked

    emptied = admin_client.post(url, {"name": "crm", "is_active": "on"})
    assert emptied.status_code == 200  # the form again, with the error
    assert "请至少选择一项" in emptied.content.decode()
    token.refresh_from_db()
    assert token.scopes == [SCOPE_CREATE, SCOPE_EVENTS]

    narrowed = admin_client.post(url, {"name": "crm", "is_active": "on", "scopes": [SCOPE_CREATE]})
    assert narrowed.status_code == 302
    token.refresh_from_db()
    assert token.scopes == [SCOPE_CREATE]
