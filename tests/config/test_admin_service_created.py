"""Rows only a service writes have no add (or copy) view in the admin, for superusers neither.

The reviewer found `/admin/funnel/leads/add/` creating a lead with an empty phone and no
consent (a second add answered 500 on the phone hash) and `/admin/funnel/inbound/add/` an empty
raw record (a second add: 500). Leads come in through intake; raw records, spend, deliveries,
checkpoints, postbacks, WeCom contacts, follow-ups, rewards, tokens and drafts are written by
their services. The walk covers every admin viewset of the project, so a new one is classified
here: configuration staff add by hand, or written by a service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from config.admin_policies import CREATE_REFUSED
from funnel.models import InboundLead, Lead
from funnel.payload import Consent, LeadPayload
from funnel.services.intake import IntakeSource, lead_intake

pytestmark = pytest.mark.django_db

APPS = ("funnel", "channels", "cms", "landing")
# Configuration staff create by hand (their forms hold every rule there is).
ADDABLE = {
    "ServicePackage",
    "Specialty",
    "Assistant",
    "AssistantPool",
    "PoolMember",
    "RoutingRule",
    "ScoringRule",
    "PrivateGroup",
    "Clinic",
    "EliminationRule",
    "ABTest",
    "ConsentText",
    "CarePlan",
    "ChannelAccount",
    "WecomAccount",
    "WecomWelcomeTemplate",
}
# Written by a service only: the add URL answers 403 to everyone, the list offers no add.
SERVICE_CREATED = {
    "Lead",
    "InboundLead",
    "FollowUp",
    "ReferralReward",
    "ApiToken",
    "SpendRecord",
    "OutboxDelivery",
    "PullCheckpoint",
    "PostbackLog",
    "WecomContact",
    "WecomWelcome",
    "WecomTagMark",
    "WecomTransfer",
    "ChannelDraft",
    "BaiduPush",
    "ExportAudit",
}


def _url(viewset, *names: str) -> str:
    for name in names:
        try:
            return reverse(viewset.get_url_name(name))
        except NoReverseMatch:
            continue
    raise AssertionError(f"{type(viewset).__name__}: no {names} URL")


def _project_viewsets() -> list[ModelViewSet]:
    """Every model viewset (listing, add, edit …; snippets included) of the project's apps."""
    reverse("wagtailadmin_home")  # the admin's URLs built: every viewset hook has run
    return [
        viewset
        for viewset in viewsets.viewsets
        if isinstance(viewset, ModelViewSet) and viewset.model._meta.app_label in APPS
    ]


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(user)
    return user


def test_every_admin_viewset_is_classified() -> None:
    names = {viewset.model.__name__ for viewset in _project_viewsets()}
    assert names == ADDABLE | SERVICE_CREATED


def test_no_service_written_model_can_be_added_by_hand_even_by_a_superuser(
    client, superuser
) -> None:
    for viewset in _project_viewsets():
        model = viewset.model
        if model.__name__ not in SERVICE_CREATED:
            continue
        add = _url(viewset, "add")
        before = model._default_manager.count()
        # when a superuser opens the add page and posts it twice
        answers = [client.get(add), client.post(add, {}), client.post(add, {})]
        # then each answers 403 with the reason, never a form, a redirect or a 500
        assert [a.status_code for a in answers] == [403, 403, 403], model.__name__
        assert answers[0].content.decode() == CREATE_REFUSED
        assert model._default_manager.count() == before
        # and the list page offers no add button
        listing = client.get(_url(viewset, "index", "list"))
        assert listing.status_code == 200, model.__name__
        assert add not in listing.content.decode(), model.__name__


def test_configuration_models_are_still_added_by_hand(client, superuser) -> None:
    for viewset in _project_viewsets():
        if viewset.model.__name__ in ADDABLE:
            assert client.get(_url(viewset, "add")).status_code == 200, viewset.model.__name__


def _lead() -> Lead:
    stored = lead_intake(
        source=IntakeSource(channel="api"),
        external_id="k1",
        raw={"phone": "13800138000"},
        payload=LeadPayload(
            phone="13800138000",
            name="张三",
            channel="api",
            consent=Consent(given=True, version="v1", source="api:crm"),
        ),
    )
    return Lead.objects.get(pk=stored.outcome.lead_id)


@pytest.mark.parametrize(
    ("add", "listing"),
    [
        ("/admin/funnel/leads/add/", "/admin/funnel/leads/"),
        ("/admin/funnel/inbound/add/", "/admin/funnel/inbound/"),
    ],
)
def test_the_reviewers_add_urls_answer_403_and_write_nothing(
    client, superuser, add, listing
) -> None:
    _lead()
    answers = [client.post(add, {"gender": "f", "reason": ""}) for _ in range(2)]
    assert [a.status_code for a in answers] == [403, 403]
    assert (Lead.objects.count(), InboundLead.objects.count()) == (1, 1)
    assert add not in client.get(listing).content.decode()


def test_there_is_no_copy_view_of_a_lead_or_a_raw_record(client, superuser) -> None:
    lead = _lead()
    inbound = InboundLead.objects.get()
    assert client.get(f"/admin/funnel/leads/copy/{lead.pk}/").status_code == 404
    assert client.get(f"/admin/funnel/inbound/copy/{inbound.pk}/").status_code == 404
    assert Lead.objects.count() == 1


def test_a_user_granted_the_add_permissions_still_cannot_add(client) -> None:
    # given staff explicitly given add_lead and add_inboundlead (and the admin)
    user = get_user_model().objects.create_user("growth", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label="funnel",
            codename__in=["add_lead", "view_lead", "add_inboundlead", "view_inboundlead"],
        ),
    )
    client.force_login(user)
    # then neither add page is theirs to use either
    assert client.get("/admin/funnel/leads/add/").status_code == 403
    assert client.post("/admin/funnel/inbound/add/", {}).status_code == 403
    assert not Lead.objects.exists()
    assert not InboundLead.objects.exists()
