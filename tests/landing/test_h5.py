"""Care-plan links (signed, expiring) and the assistant H5 (own leads only)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import signing
from django.utils import timezone

from funnel.models import Lead, LeadEvent, Stage
from landing.models import CarePlan, CarePlanItem, CarePlanPhoto
from landing.services.careplan import SALT, careplan_link_token
from tests.funnel.factories import AssistantFactory, UserFactory
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(client, landing) -> CarePlan:
    client.post("/lp/hair-loss/", form_data())
    lead = Lead.objects.get()
    plan = CarePlan.objects.create(
        lead=lead, title="脱发3个月管理计划", therapist=landing.assistant
    )
    CarePlanItem.objects.create(
        plan=plan, day=timezone.localdate(), kind="therapy", title="头皮护理"
    )
    CarePlanItem.objects.create(
        plan=plan,
        day=timezone.localdate() + dt.timedelta(days=30),
        kind="revisit",
        title="线上复诊",
    )
    return plan


def test_signed_link_opens_without_login(client, plan) -> None:
    response = client.get(f"/h5/plan/{careplan_link_token(plan_id=plan.pk)}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "脱发3个月管理计划" in body
    assert "头皮护理" in body
    assert "线上复诊" in body
    code = Lead.objects.get(pk=plan.lead_id).referral_code
    assert code
    assert f"/r/{code}.svg" in body


def test_signed_link_shows_monthly_progress_photos(client, plan) -> None:
    from tests.landing.test_careplan_photos import jpeg

    CarePlanPhoto.objects.create(plan=plan, month=dt.date(2026, 10, 1), angle="头顶", photo=jpeg())
    CarePlanPhoto.objects.create(plan=plan, month=dt.date(2026, 11, 1), angle="头顶", photo=jpeg())

    body = client.get(f"/h5/plan/{careplan_link_token(plan_id=plan.pk)}/").content.decode()

    assert "进展照片" in body
    assert 'alt="2026年10月 头顶"' in body
    assert 'alt="2026年11月 头顶"' in body


def test_tampered_link_is_refused(client, plan) -> None:
    token = careplan_link_token(plan_id=plan.pk)
    value, rest = token.split(":", 1)
    forged = f"{plan.pk + 1}:{rest}"
    response = client.get(f"/h5/plan/{forged}/")
    assert response.status_code == 404
    assert 'data-error-code="link_invalid"' in response.content.decode()
    assert client.get("/h5/plan/garbage/").status_code == 404


def test_expired_link_is_gone(client, plan, settings) -> None:
    settings.LANDING_CAREPLAN_LINK_SECONDS = 30 * 24 * 3600

    class IssuedLongAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)

    old = IssuedLongAgo(salt=SALT).sign(str(plan.pk))
    response = client.get(f"/h5/plan/{old}/")
    assert response.status_code == 410
    assert 'data-error-code="link_expired"' in response.content.decode()
    fresh = IssuedLongAgo(salt=SALT)
    assert signing.TimestampSigner(salt=SALT).unsign(fresh.sign("1")) == "1"  # same format


def test_assistant_h5_requires_login(client) -> None:
    response = client.get("/h5/assistant/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_assistant_sees_and_moves_only_own_leads(client, landing, plan) -> None:
    lead = Lead.objects.get()
    client.force_login(landing.assistant.user)
    home = client.get("/h5/assistant/")
    assert home.status_code == 200
    assert f"/h5/assistant/leads/{lead.pk}/" in home.content.decode()
    # stage button and note
    assert client.post(f"/h5/assistant/leads/{lead.pk}/", {"stage": "contacted"}).status_code == 302
    assert (
        client.post(f"/h5/assistant/leads/{lead.pk}/", {"note": "已加微，约周六到店"}).status_code
        == 302
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    # (notes are encrypted at rest: compared after reading, not in SQL)
    notes = [e.note for e in LeadEvent.objects.filter(lead=lead, kind="note")]
    assert notes.count("已加微，约周六到店") == 1
    # another assistant cannot open it, nor change it
    other = AssistantFactory(user=UserFactory(username="other_yz"))
    client.force_login(other.user)
    assert client.get(f"/h5/assistant/leads/{lead.pk}/").status_code == 404
    assert client.post(f"/h5/assistant/leads/{lead.pk}/", {"stage": "lost"}).status_code == 404
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED


def test_forbidden_stage_change_is_a_clear_4xx(client, landing, plan) -> None:
    lead = Lead.objects.get()
    client.force_login(landing.assistant.user)
    response = client.post(f"/h5/assistant/leads/{lead.pk}/", {"stage": "repurchased"})
    assert response.status_code == 409
    assert 'data-error-code="forbidden_transition"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Stage.NEW


def test_package_offer_shows_urgency_only_when_true(client, landing) -> None:
    package = landing.package
    package.deadline = timezone.now() - dt.timedelta(days=1)
    package.stock = None
    package.save()
    body = client.get(f"/packages/{package.slug}/").content.decode()
    assert "优惠截止" not in body
    assert "剩余名额" not in body
    package.deadline = timezone.now() + dt.timedelta(days=3)
    package.stock = 7
    package.save()
    client.cookies["sessionid"] = "x"  # bypass the page cache (as staff would)
    body = client.get(f"/packages/{package.slug}/").content.decode()
    assert "优惠截止" in body
    assert "本期剩余名额：7" in body
    compare = client.get(f"/packages/compare/{landing.specialty.slug}/")
    assert compare.status_code == 200
    assert package.name in compare.content.decode()
