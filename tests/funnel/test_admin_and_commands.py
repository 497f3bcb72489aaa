from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from funnel.models import Lead, LeadEvent
from funnel.services.referrals import referral_code_ensure
from tests.funnel.factories import (
    AssistantFactory,
    SpecialtyFactory,
    UserFactory,
    catch_all_rule,
    payload,
    pool_with,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/funnel/leads/"


def _staff(username: str, *codenames: str):
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def two_leads(ingest):
    pool, (mine, theirs) = pool_with([1, 1])
    catch_all_rule(pool)
    a = ingest(payload("13812345678", name="王晓明")).lead_id
    b = ingest(payload("13912345678", name="李华")).lead_id
    return mine, theirs, a, b


def test_lead_list_is_masked(client, two_leads) -> None:
    client.force_login(UserFactory(username="root", is_superuser=True))

    html = client.get(LIST_URL).content.decode()

    assert "138****5678" in html
    assert "王**" in html
    assert "13812345678" not in html
    assert "王晓明" not in html


def test_assistant_sees_only_own_leads(client, two_leads) -> None:
    mine, _theirs, a, b = two_leads
    user = _staff("yizhu", "view_lead", "change_lead")
    mine.user = user
    mine.save()
    own = Lead.objects.get(assignee=mine).pk

    client.force_login(user)
    response = client.get(LIST_URL)

    html = response.content.decode()
    assert f"线索 #{own}" in html
    other = ({a, b} - {own}).pop()
    assert f"线索 #{other}" not in html
    assert client.get(f"{LIST_URL}inspect/{other}/").status_code in (403, 404)


def test_editor_without_lead_permission_sees_no_leads(client, two_leads) -> None:
    client.force_login(_staff("editor"))

    response = client.get(LIST_URL)

    assert response.status_code in (302, 403) or "线索 #" not in response.content.decode()


def test_inspect_shows_timeline_but_no_plaintext(client, two_leads) -> None:
    *_, a, _b = two_leads
    client.force_login(UserFactory(username="root", is_superuser=True))

    html = client.get(f"{LIST_URL}inspect/{a}/").content.decode()

    assert "时间线" in html
    assert "新线索" in html
    assert "13812345678" not in html


def test_reveal_from_admin_is_audited(client, two_leads) -> None:
    *_, a, _b = two_leads
    user = _staff("growth", "view_lead", "reveal_pii")
    client.force_login(user)

    html = client.post(f"/admin/funnel/leads/{a}/reveal/").content.decode()

    assert "+8613812345678" in html
    assert LeadEvent.objects.filter(kind="reveal", lead_id=a, actor=user).count() == 1


def test_reveal_without_permission_is_refused(client, two_leads) -> None:
    *_, a, _b = two_leads
    client.force_login(_staff("viewer", "view_lead"))

    response = client.post(f"/admin/funnel/leads/{a}/reveal/")

    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert not LeadEvent.objects.filter(kind="reveal").exists()


def test_stage_change_from_admin(client, two_leads) -> None:
    *_, a, _b = two_leads
    client.force_login(UserFactory(username="root", is_superuser=True))

    page = client.get(f"{LIST_URL}inspect/{a}/").content.decode()
    (token,) = re.findall(r'name="form_token" value="([^"]+)"', page)  # one-time, per page

    client.post(
        f"/admin/funnel/leads/{a}/stage/",
        {"to_stage": "contacted", "note": "已加微", "form_token": token},
    )

    assert Lead.objects.get(pk=a).stage == "contacted"


def test_export_leads_is_masked_unless_reveal(ingest) -> None:
    ingest(
        payload(
            "13812345678",
            name="王晓明",
            channel="baidu",
            keyword="脱发怎么治疗",
            click_ids={"bd_vid": "vid1"},
        )
    )

    masked, revealed = io.StringIO(), io.StringIO()
    call_command("export_leads", stdout=masked)
    call_command("export_leads", "--reveal", stdout=revealed)
    csv_out = io.StringIO()
    call_command("export_leads", "--format", "csv", stdout=csv_out)

    row = json.loads(masked.getvalue().splitlines()[0])
    assert (row["phone"], row["name"], row["channel"], row["keyword"]) == (
        "138****5678",
        "王**",
        "baidu",
        "脱发怎么治疗",
    )
    assert row["click_ids"] == {"bd_vid": "vid1"}
    assert json.loads(revealed.getvalue())["phone"] == "+8613812345678"
    assert csv_out.getvalue().splitlines()[0].startswith("\ufefflead_id,name,phone,stage")
    assert "13812345678" not in csv_out.getvalue()


def test_api_token_create_prints_the_token_alone_on_the_last_line() -> None:
    out = io.StringIO()

    call_command("api_token", "create", "crm", stdout=out, stderr=io.StringIO())

    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("yl_")
    assert " " not in last


def test_referral_qr_and_redirect(client, ingest) -> None:
    SpecialtyFactory()
    lead_id = ingest(payload()).lead_id
    code = referral_code_ensure(lead_id=lead_id)

    svg = client.get(f"/r/{code}.svg")
    png = client.get(f"/r/{code}.png")
    scan = client.get(f"/r/{code}/")

    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert (scan.status_code, scan["Location"]) == (302, f"/lp/hair-loss/?ref={code}")
    assert client.get("/r/NOPE1234/").status_code == 404


def test_assistant_group_exists_after_seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    assert Group.objects.filter(name="医助").exists()
    assert AssistantFactory._meta.model.objects.filter(user__username="yizhu_lin").exists()
