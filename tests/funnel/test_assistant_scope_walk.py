"""Issue 13 review, point 18: an assistant (医助) sees only their own leads everywhere a staff
page lists or opens leads. The walk logs in as an assistant and opens every such page; another
assistant's lead (its id, masked name, masked phone, its follow-up and care plan) never
appears, and every direct URL to it answers 404/403 (or Wagtail's permission redirect)."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from channels.models import PostbackLog
from channels.wecom.models import WecomContact, WecomWelcome
from channels.wecom.services import external_key, wecom_account_create
from funnel.crypto import mask_name, mask_phone
from funnel.models import FollowUp, Lead, PrivateGroup
from funnel.services.groups import group_enroll
from landing.models import CarePlan
from tests.funnel.factories import AssistantFactory, UserFactory, payload

pytestmark = pytest.mark.django_db

# The demo 医助 group's permissions, plus care plans (therapists keep their patients' plans).
PERMS = [
    "access_admin",
    "view_lead",
    "change_lead",
    "view_followup",
    "change_followup",
    "delete_followup",
    "view_privategroup",
    "view_careplan",
    "change_careplan",
    # A clinic may also let assistants see WeCom contacts and postbacks: still scoped.
    "view_wecomcontact",
    "change_wecomcontact",
    "view_postbacklog",
    # and the WeCom welcome log (lead-owned: an assistant sees her own patients' welcomes)
    "view_wecomwelcome",
]
THEIR_PHONE = "13800138002"
THEIR_NAME = "赵六六"


@pytest.fixture
def desks(client, ingest, django_user_model):
    user = UserFactory(username="yizhu_lin")
    user.user_permissions.add(*Permission.objects.filter(codename__in=PERMS))
    mine = AssistantFactory(user=user)
    other = AssistantFactory()
    own = Lead.objects.get(pk=ingest(payload("13800138001", name="张三")).lead_id)
    their = Lead.objects.get(pk=ingest(payload(THEIR_PHONE, name=THEIR_NAME)).lead_id)
    Lead.objects.filter(pk=own.pk).update(assignee=mine)
    Lead.objects.filter(pk=their.pk).update(assignee=other)
    group = PrivateGroup.objects.create(name="脱发护理交流群", kind="group", capacity=10)
    group_enroll(group_id=group.pk, lead_id=own.pk)
    group_enroll(group_id=group.pk, lead_id=their.pk)
    now = timezone.now()
    own_fu = FollowUp.objects.create(lead=own, assignee=mine, kind="revisit", due_at=now)
    their_fu = FollowUp.objects.create(lead=their, assignee=other, kind="revisit", due_at=now)
    own_plan = CarePlan.objects.create(lead=own, title="张的护理计划", therapist=mine)
    their_plan = CarePlan.objects.create(lead=their, title="赵的护理计划", therapist=other)
    account, _ = wecom_account_create(
        name="clinic", corp_id="ww1", secret="s", agent_id="1", token="t", aes_key="A" * 43
    )
    contacts = {
        name: WecomContact.objects.create(
            account=account,
            lead=lead,
            member_userid=f"m{lead.pk}",
            external_userid=f"wmEXT{lead.pk}",
            external_key=external_key(f"wmEXT{lead.pk}"),
            state=f"st-{name}",
            added_at=timezone.now(),
        )
        for name, lead in (("own", own), ("their", their))
    }
    postbacks = {
        name: PostbackLog.objects.create(
            event=lead.events.first(),
            lead=lead,
            platform="baidu",
            kind="ocpc",
            account_name="bd",
            stage="new",
            platform_event="3",
            target=f"bdvid-{name}-secret",
        )
        for name, lead in (("own", own), ("their", their))
    }
    welcomes = {
        key: WecomWelcome.objects.create(
            account=account,
            lead=lead,
            member_userid="m",
            code_key=f"code-{key}",
            event_at=now,
            text=f"{label}的欢迎语",
        )
        for key, lead, label in (("own", own, "张"), ("their", their, "赵"))
    }
    # A supervisor's admin edits write Wagtail log entries naming each object ("线索 #N").
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "x")
    for obj in (own, their, own_fu, their_fu, own_plan, their_plan, group):
        log(instance=obj, action="wagtail.edit", user=boss)
    client.force_login(type(user).objects.get(pk=user.pk))
    return {
        "own": own,
        "their": their,
        "group": group,
        "other": other,
        "own_fu": own_fu,
        "their_fu": their_fu,
        "own_plan": own_plan,
        "their_plan": their_plan,
        "their_contact": contacts["their"],
        "their_postback": postbacks["their"],
        "own_welcome": welcomes["own"],
        "their_welcome": welcomes["their"],
    }


def _their_marks(d) -> list[str]:
    their = d["their"]
    return [
        f"线索 #{their.pk}<",
        f'线索 #{their.pk}"',
        f"线索 #{their.pk},",
        f"线索 #{their.pk}\n",
        f"线索 #{their.pk} ",
        f'data-lead="{their.pk}"',
        mask_phone(THEIR_PHONE),
        mask_name(THEIR_NAME),
        f"/funnel/leads/inspect/{their.pk}/",
        f"/funnel/leads/edit/{their.pk}/",
        f"/chosen/{their.pk}/",
        f"/h5/assistant/leads/{their.pk}/",
        f"/followup/edit/{d['their_fu'].pk}/",
        f"/careplan/edit/{d['their_plan'].pk}/",
        "赵的护理计划",
        f"/followup/chosen/{d['their_fu'].pk}/",
        f"/careplan/chosen/{d['their_plan'].pk}/",
        "st-their",
        f"m{their.pk}<",
        "bdvid-their-secret",
        f"/contacts/edit/{d['their_contact'].pk}/",
        f"/postbacks/inspect/{d['their_postback'].pk}/",
        "赵的欢迎语",
        f"/wecomwelcome/chosen/{d['their_welcome'].pk}/",
    ]


# Every staff page that lists leads or things about them ({group}, {other}: ids).
LISTING_URLS = [
    "/admin/",
    "/admin/funnel/leads/",
    f"/admin/funnel/leads/?q={THEIR_PHONE}",
    "/admin/snippets/funnel/followup/",
    "/admin/snippets/funnel/privategroup/",
    "/admin/funnel/groups/{group}/roster/",
    f"/admin/funnel/groups/{{group}}/roster/?q={THEIR_PHONE}",
    "/admin/funnel/groups/{group}/roster/?q=138-0013-8002",
    "/admin/funnel/groups/{group}/roster/?q=%23{their}",
    "/admin/funnel/groups/{group}/roster/?q={their}",
    "/admin/snippets/funnel/privategroup/history/{group}/",
    "/admin/snippets/funnel/privategroup/usage/{group}/",
    "/admin/snippets/funnel/assistant/usage/{other}/",
    "/admin/snippets/landing/careplan/",
    "/admin/reports/site-history/",
    "/admin/reports/site-history/results/",
    "/admin/reports/site-history/?export=csv",
    "/admin/reports/site-history/?export=xlsx",
    "/admin/funnel/leads/history/{own}/",
    "/admin/snippets/landing/careplan/history/{own_plan}/",
    "/admin/snippets/funnel/followup/history/{own_fu}/",
    "/admin/snippets/choose/funnel/lead/",
    "/admin/snippets/choose/funnel/lead/results/",
    f"/admin/snippets/choose/funnel/lead/results/?q={THEIR_PHONE}",
    "/admin/snippets/choose/funnel/lead/chosen-multiple/?id={their}&id={own}",
    # Every chooser of a lead-linked object (a form's plan or follow-up field): list, search,
    # several chosen at once.
    "/admin/snippets/choose/landing/careplan/",
    "/admin/snippets/choose/landing/careplan/results/",
    "/admin/snippets/choose/landing/careplan/results/?q=赵的",
    "/admin/snippets/choose/landing/careplan/results/?q=护理计划",
    "/admin/snippets/choose/landing/careplan/chosen-multiple/?id={their_plan}&id={own_plan}",
    "/admin/snippets/choose/funnel/followup/",
    "/admin/snippets/choose/funnel/followup/results/",
    f"/admin/snippets/choose/funnel/followup/results/?q={THEIR_NAME}",
    "/admin/snippets/choose/funnel/followup/chosen-multiple/?id={their_fu}&id={own_fu}",
    # Choosers of other lead-linked snippets: refused or empty of the other lead's marks.
    "/admin/snippets/choose/funnel/inboundlead/results/",
    "/admin/snippets/choose/funnel/referralreward/results/",
    "/admin/snippets/choose/funnel/privategroup/results/",
    "/admin/snippets/choose/channels/postbacklog/results/",
    # Every lead-owned model's chooser is scoped like its pages (the WeCom welcome log).
    "/admin/snippets/choose/channels/wecomwelcome/",
    "/admin/snippets/choose/channels/wecomwelcome/results/",
    "/admin/snippets/choose/channels/wecomwelcome/results/?q=欢迎语",
    "/admin/snippets/choose/channels/wecomwelcome/chosen-multiple/?id={their_welcome}&id={own_welcome}",
    "/admin/funnel/unassigned/",
    "/admin/funnel/inbound/",
    "/admin/channels/postbacks/",
    "/admin/channels/postbacks/?platform=baidu",
    "/admin/channels/wecom/contacts/",
    "/admin/channels/wecom/contacts/?matched=yes",
    "/admin/snippets/choose/channels/wecomcontact/results/",
    "/admin/reports/",
    "/admin/reports/assistants/",
    "/admin/reports/flags/",
    "/h5/assistant/",
    f"/h5/assistant/?q={THEIR_PHONE}",
]

# Direct URLs to the other assistant's lead and the things that belong to it.
DIRECT_URLS = [
    ("get", "/admin/funnel/leads/inspect/{their}/"),
    ("get", "/admin/funnel/leads/edit/{their}/"),
    ("get", "/admin/funnel/leads/history/{their}/"),
    ("get", "/admin/funnel/leads/usage/{their}/"),
    ("get", "/admin/funnel/leads/delete/{their}/"),
    ("post", "/admin/funnel/leads/{their}/reveal/"),
    ("post", "/admin/funnel/leads/{their}/stage/"),
    ("post", "/admin/funnel/leads/{their}/identity/"),
    ("post", "/admin/funnel/leads/{their}/enroll/"),
    ("post", "/admin/funnel/groups/{group}/leave/{their}/"),
    ("get", "/admin/snippets/choose/funnel/lead/chosen/{their}/"),
    ("get", "/admin/snippets/choose/landing/careplan/chosen/{their_plan}/"),
    ("get", "/admin/snippets/choose/funnel/followup/chosen/{their_fu}/"),
    ("get", "/admin/snippets/choose/channels/wecomwelcome/chosen/{their_welcome}/"),
    ("get", "/admin/snippets/funnel/followup/edit/{their_fu}/"),
    ("get", "/admin/snippets/funnel/followup/inspect/{their_fu}/"),
    ("get", "/admin/snippets/funnel/followup/history/{their_fu}/"),
    ("get", "/admin/snippets/funnel/followup/usage/{their_fu}/"),
    ("get", "/admin/snippets/landing/careplan/edit/{their_plan}/"),
    ("get", "/admin/snippets/landing/careplan/history/{their_plan}/"),
    ("get", "/admin/snippets/landing/careplan/usage/{their_plan}/"),
    ("get", "/admin/snippets/landing/careplan/delete/{their_plan}/"),
    ("post", "/admin/careplans/{their_plan}/revoke/"),
    ("get", "/h5/assistant/leads/{their}/"),
    ("get", "/admin/channels/wecom/contacts/edit/{their_contact}/"),
    ("post", "/admin/channels/wecom/contacts/edit/{their_contact}/"),
    ("get", "/admin/channels/wecom/contacts/history/{their_contact}/"),
    ("get", "/admin/channels/wecom/contacts/usage/{their_contact}/"),
    ("get", "/admin/channels/postbacks/inspect/{their_postback}/"),
    ("get", "/admin/channels/postbacks/history/{their_postback}/"),
]


def _fill(url: str, d) -> str:
    ids = {key: getattr(value, "pk", value) for key, value in d.items()}
    return url.format(**ids)


@pytest.mark.parametrize("url", LISTING_URLS)
def test_no_page_lists_another_assistants_lead(client, desks, url) -> None:
    answer = client.get(_fill(url, desks))

    raw = b"".join(answer.streaming_content) if answer.streaming else answer.content
    body = raw.decode("utf-8", errors="replace")
    if answer.get("Content-Type", "").startswith("application/json"):
        # chooser answers are JSON: read their text unescaped ("\u8d75" is 赵)
        body = json.dumps(json.loads(body), ensure_ascii=False)
    if answer.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
        body = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert answer.status_code in (200, 302, 403)
    leaked = [mark for mark in _their_marks(desks) if mark in body]
    assert leaked == []


def test_the_walk_sees_the_assistants_own_lead(client, desks) -> None:
    # The same pages do show her own lead: the walk is not passing because pages are empty.
    own = desks["own"]
    roster = client.get(_fill("/admin/funnel/groups/{group}/roster/", desks)).content.decode()
    history = client.get("/admin/reports/site-history/").content.decode()
    plans = client.get("/admin/snippets/landing/careplan/").content.decode()
    chooser = client.get("/admin/snippets/choose/landing/careplan/results/").content.decode()
    chosen = client.get(f"/admin/snippets/choose/landing/careplan/chosen/{desks['own_plan'].pk}/")

    assert f'data-lead="{own.pk}"' in roster
    assert f"线索 #{own.pk}" in history
    assert "张的护理计划" in plans
    assert "张的护理计划" in chooser
    assert chosen.status_code == 200


@pytest.mark.parametrize(("method", "url"), DIRECT_URLS)
def test_direct_urls_to_another_assistants_lead_are_refused(client, desks, method, url) -> None:
    their = desks["their"]
    before = (their.stage, their.anonymized_at, their.events.count())

    answer = getattr(client, method)(_fill(url, desks), {"to_stage": "contacted"})

    assert answer.status_code in (403, 404) or (
        answer.status_code == 302 and reverse("wagtailadmin_home") == answer["Location"]
    )
    body = answer.content.decode("utf-8", errors="replace")
    assert mask_phone(THEIR_PHONE) not in body
    their.refresh_from_db()
    assert (their.stage, their.anonymized_at, their.events.count()) == before


def test_the_walk_sees_the_assistants_own_contacts_and_postbacks(client, desks) -> None:
    contacts = client.get("/admin/channels/wecom/contacts/").content.decode()
    postbacks = client.get("/admin/channels/postbacks/").content.decode()
    assert "st-own" in contacts
    assert f"#{desks['own'].pk} " in postbacks


def test_an_assistant_cannot_bind_a_contact_to_another_assistants_lead(client, desks) -> None:
    # given her own lead's contact, and the other assistant's lead id typed into the bind field
    own_contact = WecomContact.objects.get(lead=desks["own"])
    url = f"/admin/channels/wecom/contacts/edit/{own_contact.pk}/"
    form = client.get(url)
    assert form.status_code == 200

    answer = client.post(url, {"bind_lead": desks["their"].pk})

    # then the form refuses the id like an unknown one, and nothing moves
    assert answer.status_code == 200
    assert "没有这个线索" in answer.content.decode()
    own_contact.refresh_from_db()
    assert own_contact.lead_id == desks["own"].pk
