"""The admin speaks Chinese and shows each role only the menus it can open (issue 15, 13)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

pytestmark = pytest.mark.django_db


def _user(username: str, *, groups: tuple[str, ...] = (), perms: tuple[str, ...] = ()):
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    user.user_permissions.add(*Permission.objects.filter(codename__in=("access_admin", *perms)))
    return user


def _menu_links(html: str) -> list[tuple[str, str]]:
    """(label, url) of every link in the admin sidebar's menu (Wagtail's telepath props)."""
    raw = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    links: list[tuple[str, str]] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("_type") == "wagtail.sidebar.LinkMenuItem":
                args = node["_args"][0]
                links.append((args["label"], args["url"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(raw))
    return links


ROLES = {
    "editor": {"groups": ("Editors",)},
    "doctor": {"groups": ("医生审核",)},
    "ad_reviewer": {"groups": ("医疗广告审查",)},
    "assistant": {"perms": ("view_lead", "change_lead", "view_followup")},
    "growth": {"perms": ("view_lead", "change_lead", "reveal_pii", "view_growth_reports")},
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_menu_link_a_role_sees_opens(client, role):
    # given a staff member of that role
    user = _user(f"u_{role}", **ROLES[role])
    client.force_login(user)
    # when they open the admin
    links = _menu_links(client.get("/admin/").content.decode())
    # then every menu link they are shown is ours and answers 200 (no "no permission" page)
    assert links
    assert [url for _, url in links if not url.startswith("/admin/")] == []
    refused = [
        (label, url, status)
        for label, url in links
        if (status := client.get(url).status_code) != 200
    ]
    assert refused == []


def test_the_quarantine_menu_is_for_who_can_open_it(client):
    editor = _user("u_editor", groups=("Editors",))
    growth = _user("u_growth", perms=("view_inboundlead",))
    client.force_login(editor)
    assert "隔离队列" not in [
        label for label, _ in _menu_links(client.get("/admin/").content.decode())
    ]
    client.force_login(growth)
    assert "隔离队列" in [label for label, _ in _menu_links(client.get("/admin/").content.decode())]


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")


def test_wagtail_strings_staff_meet_daily_are_chinese(client, boss):
    # Wagtail 8.0's zh-hans catalogue lacks these; the project's locale/ ships them
    client.force_login(boss)
    body = client.get("/admin/").content.decode()
    assert "显示键盘快捷键" in body
    assert "无格式粘贴" in body
    for english in ("Show keyboard shortcuts", "Toggle minimap", "Paste without formatting"):
        assert english not in body
    empty = client.get("/admin/snippets/funnel/eliminationrule/").content.decode()
    assert "暂无淘汰规则" in empty
    assert "Why not" not in empty


def _headers(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
    ]


def test_project_labels_booleans_and_empty_values_are_chinese(client, boss):
    from funnel.models import EliminationRule, Lead, Order, ReferralReward
    from tests.funnel.factories import PackageFactory

    # given a package without stock, and a referral reward between two leads
    PackageFactory(stock=None)
    referrer = Lead.objects.create(phone_hash="h1", phone="+8613800000001")
    referee = Lead.objects.create(phone_hash="h2", phone="+8613800000002", referred_by=referrer)
    order = Order.objects.create(lead=referee, amount="100.00", paid_at=referee.created_at)
    ReferralReward.objects.create(referrer=referrer, referee=referee, order=order, amount="10.00")
    client.force_login(boss)
    # when / then
    packages = client.get("/admin/snippets/funnel/servicepackage/").content.decode()
    assert "专科" in _headers(packages)
    assert "Specialty" not in packages
    assert re.search(r"<td[^>]*>\s*是\s*</td>", packages)  # is_active
    rewards = client.get("/admin/snippets/funnel/referralreward/").content.decode()
    assert {"推荐人", "被推荐人"} <= set(_headers(rewards))
    assert "Referrer" not in rewards
    assert "Referee" not in rewards
    form = client.get("/admin/snippets/funnel/servicepackage/add/").content.decode()
    assert "Specialty" not in form
    EliminationRule.objects.create(name="抖音成本", dimension="channel", max_cac="300")
    rules = client.get("/admin/snippets/funnel/eliminationrule/").content.decode()
    assert re.search(r"<td[^>]*>\s*是\s*</td>", rules)
    assert not re.search(r">\s*(None|True|False)\s*<", rules)
    inspect = client.get(f"/admin/funnel/leads/inspect/{referrer.pk}/").content.decode()
    assert not re.search(r">\s*(None|True|False)\s*<", inspect)
    assert "Specialty" not in inspect


def test_the_admin_javascript_catalogue_has_the_editor_strings(client, boss):
    client.force_login(boss)
    catalogue = client.get("/admin/jsi18n/").content.decode()
    assert "\\u63d2\\u5165\\u5185\\u5bb9\\u5757" in catalogue or "插入内容块" in catalogue
    assert "Insert a block" in catalogue  # the msgid, now with its translation beside it


@pytest.mark.django_db
def test_a_field_with_choices_lists_its_chinese_label_not_its_code() -> None:
    from funnel.admin_labels import ZhColumn
    from funnel.models import FollowUp

    column = ZhColumn("status", label="状态")
    assert column.get_value(FollowUp(status="pending")) == "待处理"
    assert column.get_value(FollowUp(status="queued")) == "提醒待发送"
