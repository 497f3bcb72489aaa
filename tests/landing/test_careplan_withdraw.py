"""The patient withdraws consent from their care-plan link (issue 13 point 2): a small link
on the plan, a confirmation page (GET changes nothing), a CSRF-checked POST that anonymizes
them at once (audited as "患者本人（护理计划链接）"); afterwards the link answers a neutral 410
page, never the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from funnel.models import Lead, LeadEvent
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.pii import consent_withdraw, leads_purge_expired
from landing.models import CarePlan, CarePlanPhoto
from landing.services.careplan import SALT, careplan_link_revoke, careplan_link_token
from tests.funnel.factories import payload
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db

NAME = "欧阳晓梅"
GOAL = "三个月内发际线不再后移"


@pytest.fixture
def plan(client, landing) -> CarePlan:
    client.post("/lp/hair-loss/", form_data(name=NAME))
    plan = CarePlan.objects.create(lead=Lead.objects.get(), title="脱发3个月管理计划", goal=GOAL)
    from tests.landing.test_careplan_photos import jpeg

    CarePlanPhoto.objects.create(plan=plan, month=dt.date(2026, 10, 1), angle="头顶", photo=jpeg())
    return plan


def test_the_plan_links_to_a_confirmation_that_changes_nothing(client, plan) -> None:
    token = careplan_link_token(plan_id=plan.pk)

    page = client.get(f"/h5/plan/{token}/").content.decode()
    assert f"/h5/plan/{token}/withdraw/" in page
    confirm = client.get(f"/h5/plan/{token}/withdraw/")

    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "不可撤销" in html
    assert "csrfmiddlewaretoken" in html
    assert Lead.objects.get().name == NAME
    assert CarePlan.objects.filter(pk=plan.pk).exists()
    assert not LeadEvent.objects.filter(kind="consent").exists()


def test_post_withdraws_and_the_link_then_answers_a_neutral_410(plan) -> None:
    token = careplan_link_token(plan_id=plan.pk)
    photo = plan.photos.get()
    strict = Client(enforce_csrf_checks=True)
    confirm = strict.get(f"/h5/plan/{token}/withdraw/")
    csrf = confirm.cookies["csrftoken"].value

    done = strict.post(f"/h5/plan/{token}/withdraw/", {"csrfmiddlewaretoken": csrf})

    assert done.status_code == 200
    assert "已撤回授权" in done.content.decode()
    lead = Lead.objects.get()
    assert (lead.name, lead.phone) == ("", "")
    assert lead.consent_withdrawn_at is not None
    (event,) = LeadEvent.objects.filter(kind="consent")
    assert (event.actor_id, event.actor_label) == (None, "患者本人（护理计划链接）")
    for address in (
        f"/h5/plan/{token}/",
        f"/h5/plan/{token}/photos/{photo.pk}/",
        f"/h5/plan/{token}/withdraw/",
    ):
        gone = strict.get(address)
        assert gone.status_code == 410
        text = gone.content.decode()
        assert 'data-error-code="link_gone"' in text
        assert GOAL not in text
        assert "脱发3个月管理计划" not in text
    # a second POST (a double tap) writes nothing
    again = strict.post(f"/h5/plan/{token}/withdraw/", {"csrfmiddlewaretoken": csrf})
    assert again.status_code == 410
    assert LeadEvent.objects.filter(kind="consent").count() == 1


def test_post_without_csrf_token_is_refused(plan) -> None:
    token = careplan_link_token(plan_id=plan.pk)

    assert Client(enforce_csrf_checks=True).post(f"/h5/plan/{token}/withdraw/").status_code == 403

    assert Lead.objects.get().anonymized_at is None


def test_bad_links_cannot_withdraw_anyone(client, plan) -> None:
    token = careplan_link_token(plan_id=plan.pk)
    forged = signing.TimestampSigner(salt=SALT).sign("999999")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, tampered, "garbage"):
        assert client.post(f"/h5/plan/{bad}/withdraw/").status_code == 404
    careplan_link_revoke(plan_id=plan.pk, actor=None)
    revoked = client.post(f"/h5/plan/{token}/withdraw/")
    assert revoked.status_code == 410
    assert 'data-error-code="link_revoked"' in revoked.content.decode()
    assert (
        client.put(f"/h5/plan/{careplan_link_token(plan_id=plan.pk)}/withdraw/").status_code == 405
    )

    assert Lead.objects.get().anonymized_at is None
    assert not LeadEvent.objects.filter(kind="consent").exists()


@pytest.mark.parametrize("how", ["staff", "purge"])
def test_the_link_is_410_after_any_erasure_and_404_for_a_plain_deletion(
    client, plan, settings, how
) -> None:
    token = careplan_link_token(plan_id=plan.pk)
    if how == "staff":
        consent_withdraw(lead_id=plan.lead_id, actor_label="患者来电")
    else:
        settings.FUNNEL_RETENTION_DAYS = 365
        assert leads_purge_expired(now=timezone.now() + dt.timedelta(days=400)) == 1

    assert client.get(f"/h5/plan/{token}/").status_code == 410
    # a plan staff deleted is not "gone with its person": still 404
    other_lead = lead_intake(
        source=IntakeSource(channel="api"),
        external_id="other",
        raw={},
        payload=payload("13700001111"),
    ).outcome.lead_id
    other = CarePlan.objects.create(lead_id=other_lead, title="x")
    other_token = careplan_link_token(plan_id=other.pk)
    other.delete()
    assert client.get(f"/h5/plan/{other_token}/").status_code == 404
