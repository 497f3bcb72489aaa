"""Admin: the company form (secrets write-only), the unmatched-contact list and binding,
the assistant's WeCom userid."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from channels.wecom.models import WecomAccount, WecomContact
from funnel.models import Assistant, Lead, LeadEvent, Stage
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import AES_KEY, event_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    return client


FORM = {
    "name": "clinic-b",
    "corp_id": "ww1111",
    "agent_id": "1000003",
    "secret": "adm-secret-1",
    "token": "adm-token-1",
    "aes_key": AES_KEY,
    "api_base_url": "https://qyapi.weixin.qq.com",
    "is_active": "on",
    "settings": "{}",
}


def test_account_form_creates_and_never_shows_secrets(admin_client):
    response = admin_client.post(reverse("wagtailsnippets_channels_wecomaccount:add"), FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    account = WecomAccount.objects.get(name="clinic-b")
    assert (account.secret, account.token, account.aes_key) == (
        "adm-secret-1",
        "adm-token-1",
        AES_KEY,
    )
    page = admin_client.get(
        reverse("wagtailsnippets_channels_wecomaccount:edit", args=[account.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    for secret in ("adm-secret-1", "adm-token-1", AES_KEY):
        assert secret not in html
    # Blank secrets on edit keep the stored values.
    edit = {**FORM, "secret": "", "token": "", "aes_key": "", "agent_id": "1000004"}
    response = admin_client.post(
        reverse("wagtailsnippets_channels_wecomaccount:edit", args=[account.pk]), edit
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.agent_id == "1000004"
    assert (account.secret, account.token, account.aes_key) == (
        "adm-secret-1",
        "adm-token-1",
        AES_KEY,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("aes_key", "short"), ("api_base_url", "http://example.com"), ("secret", "")],
)
def test_account_form_refuses_bad_values(admin_client, field, value):
    response = admin_client.post(
        reverse("wagtailsnippets_channels_wecomaccount:add"), {**FORM, field: value}
    )
    assert response.status_code == 200  # the form again, with its error
    assert not WecomAccount.objects.exists()


def test_unmatched_contacts_are_listed_and_bound(admin_client, post_event, make_lead):
    lead = make_lead()
    created = int(time.time()) - 30
    post_event(event_xml(State="wb:1:4285486", CreateTime=str(created)))
    drain()
    contact = WecomContact.objects.get()
    listing = admin_client.get(
        reverse("wagtailsnippets_channels_wecomcontact:list") + "?matched=no"
    )
    assert listing.status_code == 200
    assert contact.member_userid in listing.content.decode()
    assert "wmEXTERNAL0001" not in listing.content.decode()
    url = reverse("wagtailsnippets_channels_wecomcontact:edit", args=[contact.pk])
    # Its empty fields (no half add, no lead yet) read 「—」, never Python's 「None」.
    form_page = admin_client.get(url).content.decode()
    assert not re.search(r">\s*None\s*<", form_page)
    assert "—" in form_page
    assert admin_client.post(url, {"bind_lead": "999999"}).status_code == 200  # no such lead
    response = admin_client.post(url, {"bind_lead": str(lead.pk)})
    assert response.status_code == 302
    contact.refresh_from_db()
    lead.refresh_from_db()
    assert contact.lead_id == lead.pk
    assert contact.bound_by == "ops"
    assert lead.stage == Stage.CONTACTED
    added = LeadEvent.objects.get(lead=lead, to_stage=Stage.CONTACTED)
    # The change is the staff member's, not WeCom's (issue 16 review).
    assert (added.actor.get_username(), added.actor_label) == ("ops", "ops")
    assert "员工绑定" in added.note
    assert (
        admin_client.get(
            reverse("wagtailsnippets_channels_wecomcontact:list") + "?matched=no"
        ).status_code
        == 200
    )


def test_a_withdrawn_lead_is_never_bound_and_a_bound_contact_never_moved(
    admin_client, post_event, make_lead
):
    """Review of issue 16: staff could bind a contact to an anonymized lead (it moved to
    已加微 after its withdrawal) and silently move a bound contact to another lead."""
    from funnel.services.pii import consent_withdraw

    withdrawn, other = make_lead(), make_lead(phone="13800138077")
    consent_withdraw(lead_id=withdrawn.pk, actor_label="患者本人")
    post_event(event_xml(State="wb:1:1", CreateTime=str(int(time.time()) - 30)))
    drain()
    contact = WecomContact.objects.get()
    url = reverse("wagtailsnippets_channels_wecomcontact:edit", args=[contact.pk])

    refused = admin_client.post(url, {"bind_lead": str(withdrawn.pk)})
    assert refused.status_code == 200
    assert "已撤回授权" in refused.content.decode()
    contact.refresh_from_db()
    assert contact.lead_id is None
    withdrawn.refresh_from_db()
    assert withdrawn.stage != Stage.CONTACTED

    assert admin_client.post(url, {"bind_lead": str(other.pk)}).status_code == 302
    third = make_lead(phone="13800138078")
    moved = admin_client.post(url, {"bind_lead": str(third.pk)})
    assert moved.status_code == 200
    assert "不能改绑" in moved.content.decode()
    contact.refresh_from_db()
    assert contact.lead_id == other.pk


def test_assistant_wecom_userid_is_editable_in_the_admin(admin_client):
    assistant = Assistant.objects.create(name="李医助")
    page = admin_client.get(reverse("wagtailsnippets_funnel_assistant:edit", args=[assistant.pk]))
    assert page.status_code == 200
    assert 'name="wecom_userid"' in page.content.decode()


def _logged_rows(account, lead, member: str, external: str):
    from channels.wecom.models import WecomTagMark, WecomTransfer
    from channels.wecom.services import external_key

    contact = WecomContact.objects.create(
        account=account,
        lead=lead,
        member_userid=member,
        external_userid=external,
        external_key=external_key(external),
        added_at=timezone.now(),
    )
    event = LeadEvent.objects.create(lead=lead, kind="stage", to_stage="contacted")
    mark = WecomTagMark.objects.create(
        account=account,
        contact=contact,
        lead=lead,
        event=event,
        event_at=event.created_at,
        member_userid=member,
        stage="contacted",
        status="done",
    )
    transfer = WecomTransfer.objects.create(
        account=account,
        contact=contact,
        lead=lead,
        event=event,
        handover_userid=member,
        takeover_userid="lisi",
        status="waiting",
    )
    return mark, transfer


def test_the_wecom_change_logs_are_read_only_and_scoped_to_the_assistants_leads(
    client, wecom_account, make_lead
):
    from django.contrib.auth.models import Permission

    from tests.funnel.factories import UserFactory

    # given an assistant who may view the logs, her lead and another assistant's
    user = UserFactory(username="yizhu_tag")
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "view_lead", "view_wecomtagmark", "view_wecomtransfer"]
        )
    )
    mine, other = (
        Assistant.objects.create(name="林", user=user),
        Assistant.objects.create(name="周"),
    )
    own, their = make_lead(phone="13800138001"), make_lead(phone="13800138002")
    Lead.objects.filter(pk=own.pk).update(assignee=mine)
    Lead.objects.filter(pk=their.pk).update(assignee=other)
    own_rows = _logged_rows(wecom_account, own, "zhangsan", "wmOWN")
    their_rows = _logged_rows(wecom_account, their, "wangwu", "wmTHEIRS")
    client.force_login(user)

    for name, own_row, their_row in zip(
        ["wecomtagmark", "wecomtransfer"], own_rows, their_rows, strict=True
    ):
        listing = client.get(reverse(f"wagtailsnippets_channels_{name}:list"))
        chooser = client.get(f"/admin/snippets/choose/channels/{name}/results/")
        history = client.get(
            reverse(f"wagtailsnippets_channels_{name}:history", args=[their_row.pk])
        )
        edit = client.get(reverse(f"wagtailsnippets_channels_{name}:edit", args=[own_row.pk]))
        add = client.get(reverse(f"wagtailsnippets_channels_{name}:add"))

        # then she sees her lead's row (masked) and never the other one
        body = listing.content.decode()
        assert listing.status_code == 200
        assert f"#{own.pk} 138****8001" in body
        assert "138****8002" not in body
        assert f"#{their.pk} " not in body
        assert "138****8002" not in chooser.content.decode()
        assert f"/chosen/{their_row.pk}/" not in chooser.content.decode()
        assert history.status_code == 404
        # and nobody edits or adds to what the listeners wrote
        assert edit.status_code in (302, 403)
        assert add.status_code in (302, 403)


# ---- welcome templates and the welcome log ------------------------------------------------


def test_welcome_template_form_refuses_text_failing_the_compliance_check(admin_client):
    from channels.wecom.models import WecomWelcomeTemplate
    from tests.funnel.factories import SpecialtyFactory

    specialty = SpecialtyFactory(slug="hair-loss", name="脱发")
    add = reverse("wagtailsnippets_channels_wecomwelcometemplate:add")
    refused = admin_client.post(
        add, {"specialty": specialty.pk, "text": "本疗程保证治愈，根治脱发。", "is_active": "on"}
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "未通过医疗广告合规检查" in html
    assert "保证治愈" in html
    assert not WecomWelcomeTemplate.objects.exists()
    good = {"specialty": specialty.pk, "text": "您好，已收到您的咨询。", "is_active": "on"}
    assert admin_client.post(add, good).status_code == 302
    # One template per specialty (and one default): the second is refused, not a 500.
    again = admin_client.post(add, {**good, "text": "您好。"})
    assert again.status_code == 200
    assert "已有欢迎语模板" in again.content.decode()
    assert (
        admin_client.post(add, {"text": "您好，欢迎咨询。", "is_active": "on"}).status_code == 302
    )
    assert admin_client.post(add, {"text": "您好。", "is_active": "on"}).status_code == 200
    assert WecomWelcomeTemplate.objects.count() == 2


def test_welcome_log_shows_an_assistant_only_their_own_patients(client, wecom_account):
    from django.contrib.auth.models import Permission

    from channels.wecom.models import WecomWelcome
    from tests.funnel.factories import AssistantFactory, UserFactory

    user = UserFactory(username="yizhu_wel")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_lead", "view_wecomwelcome"])
    )
    mine, other = AssistantFactory(user=user), AssistantFactory()
    from funnel.models import Lead

    own = Lead.objects.create(phone_hash="wel-own", phone="+8613800000011", assignee=mine)
    their = Lead.objects.create(phone_hash="wel-their", phone="+8613800000012", assignee=other)
    rows = {
        lead.pk: WecomWelcome.objects.create(
            account=wecom_account,
            lead=lead,
            member_userid="member-own" if lead == own else "member-their",
            code_key=f"k{lead.pk}",
            event_at=lead.created_at,
            status=WecomWelcome.Status.FAILED,
            reason="41051",
        )
        for lead in (own, their)
    }
    client.force_login(user)
    listing = client.get(reverse("wagtailsnippets_channels_wecomwelcome:list"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "member-own" in html
    assert "member-their" not in html
    assert "该客户已收到其他应用的欢迎语" in html
    inspect = "wagtailsnippets_channels_wecomwelcome:inspect"
    assert client.get(reverse(inspect, args=[rows[own.pk].pk])).status_code == 200
    assert client.get(reverse(inspect, args=[rows[their.pk].pk])).status_code == 404
    # Written by the sender only: nobody edits or deletes a record.
    edit = client.get(reverse("wagtailsnippets_channels_wecomwelcome:edit", args=[rows[own.pk].pk]))
    assert edit.status_code in (302, 403)


API = "https://qyapi.weixin.qq.com/cgi-bin/"


@pytest.fixture
def known_phone_add(client, settings, post_event):
    """A patient's lead from a landing form; the same phone submitted again shows an
    unverified code (`yu…`); someone adds the assistant through it (unmatched)."""
    import json

    import responses

    from tests.landing.conftest import build_landing, form_data

    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.save()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(API + "gettoken", json={"errcode": 0, "access_token": "T", "expires_in": 7200})
        mock.post(
            API + "externalcontact/add_contact_way",
            json={"errcode": 0, "config_id": "cfg-1", "qr_code": "https://wework.qpic.cn/q/1"},
        )
        first = client.post("/lp/hair-loss/", form_data(idem="hint-1"))
        client.get(first["Location"])
        again = client.post("/lp/hair-loss/", form_data(idem="hint-2"))
        page = client.get(again["Location"]).content.decode()
        states = [
            json.loads(c.request.body)["state"]
            for c in mock.calls
            if "add_contact_way" in c.request.url
        ]
    post_event(event_xml(State=states[-1], UserID="linxiaowen", ExternalUserID="wmHINT"))
    drain()
    return {"lead": Lead.objects.get(), "state": states[-1], "page": page, "landing": landing}


def test_an_unmatched_add_through_a_known_phones_code_is_explained_and_bound_from_there(
    admin_client, known_phone_add
):
    """Review of issue 16 point 4: staff read why the add is unmatched and which submission it
    came from, not a raw `yu…` string, and bind it from the same page."""
    lead, state = known_phone_add["lead"], known_phone_add["state"]
    contact = WecomContact.objects.get()
    assert contact.lead_id is None
    explain = "来自已有号码的再次留资（未验证），请核对后绑定"

    listing = admin_client.get(
        reverse("wagtailsnippets_channels_wecomcontact:list") + "?matched=no"
    ).content.decode()
    assert explain in listing

    url = reverse("wagtailsnippets_channels_wecomcontact:edit", args=[contact.pk])
    page = admin_client.get(url).content.decode()
    assert explain in page
    assert f"疑似线索 #{lead.pk}" in page
    title = known_phone_add["landing"].page.title
    assert f"落地页「{title}」" in page
    assert "留资时间 " in page
    assert f'value="{lead.pk}"' in page  # the suggested lead, ready to bind after checking

    assert admin_client.post(url, {"bind_lead": str(lead.pk)}).status_code == 302
    contact.refresh_from_db()
    assert contact.lead_id == lead.pk
    # the public thank-you page said nothing of it
    assert explain not in known_phone_add["page"]
    assert state not in known_phone_add["page"]


@pytest.mark.parametrize(
    ("state", "explain"),
    [
        ("", "未带渠道参数（通过医助的固定二维码或名片添加）"),
        ("wb:1:4285486", "企业微信自带或无法识别的渠道参数"),
    ],
)
def test_other_unmatched_adds_are_explained_too(admin_client, post_event, state, explain):
    post_event(event_xml(State=state))
    drain()
    contact = WecomContact.objects.get()
    url = reverse("wagtailsnippets_channels_wecomcontact:edit", args=[contact.pk])
    assert explain in admin_client.get(url).content.decode()
    assert 'name="bind_lead" value' not in admin_client.get(url).content.decode()


@pytest.mark.parametrize(
    "settings_json",
    [
        '{"callback_max_skew_seconds": "abc"}',
        "[1, 2]",
        '{"contact_mode": "qr"}',
        '{"contact_mode": "acquisition_link", "acquisition_links": [1, 2]}',
        '{"acquisition_links": {"linxiaowen": "https://work.weixin.qq.com/ca/x"}}',
    ],
)
def test_account_form_refuses_unusable_settings(admin_client, settings_json):
    response = admin_client.post(
        reverse("wagtailsnippets_channels_wecomaccount:add"),
        {**FORM, "settings": settings_json},
    )
    assert response.status_code == 200
    assert not WecomAccount.objects.exists()


@pytest.mark.parametrize("stored", [[1, 2], "x", {"linxiaowen": "url"}, None, 5])
def test_a_hand_edited_acquisition_links_value_reads_as_no_link(stored):
    from channels.wecom.contactways import kept_links

    # whatever sits there (the form refuses these; an edit in the shell or an old row may not)
    # reads as "no link kept": the page then asks WeCom for one instead of answering 500
    assert kept_links({"acquisition_links": stored}) == {}
    assert kept_links([]) == {}
    good = {"linxiaowen": {"link_id": "cal1", "url": "https://work.weixin.qq.com/ca/cal1"}}
    assert kept_links({"acquisition_links": good}) == good


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agent_id", "", "AgentId 不能为空"),
        ("token", "t" * 65, "Token 超过 64 个字符"),
        ("secret", "s" * 201, "Secret 超过 200 个字符"),
        ("corp_id", "ww-taken", "已由另一个启用的账户连接"),
    ],
)
def test_account_form_keeps_the_command_s_rules(admin_client, field, value, message):
    """Issue 16 review: the form let through what `wecom_account add` refuses (an empty agent
    id, an over-long token or secret) and a second account of a connected company."""
    WecomAccount.objects.create(name="first", corp_id="ww-taken", secret="s", token="t")
    response = admin_client.post(
        reverse("wagtailsnippets_channels_wecomaccount:add"), {**FORM, field: value}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(WecomAccount.objects.values_list("name", flat=True)) == ["first"]


def test_one_wecom_member_is_one_assistant(admin_client):
    Assistant.objects.create(name="林医助", wecom_userid="linxiaowen")
    other = Assistant.objects.create(name="李医助")
    response = admin_client.post(
        reverse("wagtailsnippets_funnel_assistant:edit", args=[other.pk]),
        {"name": "李医助", "is_active": "on", "on_duty": "on", "wecom_userid": "linxiaowen"},
    )
    assert response.status_code == 200
    assert "已属于另一位医助" in response.content.decode()
    # WeCom's userids ignore case: the same member typed in capitals is the same member
    shouted = admin_client.post(
        reverse("wagtailsnippets_funnel_assistant:edit", args=[other.pk]),
        {"name": "李医助", "is_active": "on", "on_duty": "on", "wecom_userid": "LinXiaowen"},
    )
    assert "已属于另一位医助" in shouted.content.decode()
    other.refresh_from_db()
    assert other.wecom_userid == ""
    # Two assistants without a WeCom userid are fine.
    Assistant.objects.create(name="王医助")
