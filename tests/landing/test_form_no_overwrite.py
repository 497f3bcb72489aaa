"""Issue 13 review point 2: a later submission matched to a known person by phone (an
anonymous form, an API call) never overwrites what the person or staff recorded before
(answers, name, specialty, city); its own answers stay on its intake record."""

from __future__ import annotations

import json

import pytest

from funnel.models import InboundLead, Lead, LeadEvent
from funnel.services.tokens import api_token_create
from tests.landing.conftest import build_landing, form_data

pytestmark = pytest.mark.django_db

PHONE = "13322223333"


def test_an_anonymous_form_does_not_overwrite_a_known_persons_answers(client, landing):
    build_landing(slug="insomnia", name="失眠")
    first = form_data(name="原主人", phone=PHONE, concern="ORIGINAL 原来的病情", idem="k-1")
    assert client.post("/lp/hair-loss/", first).status_code == 302
    lead = Lead.objects.get()
    before = (lead.name, lead.specialty_id, lead.city, dict(lead.answers))
    assert before[3]["concern"] == "ORIGINAL 原来的病情"

    forged = form_data(name="冒名者", phone=PHONE, concern="FORGED 伪造病情", idem="k-2")
    assert client.post("/lp/insomnia/", forged).status_code == 302

    lead.refresh_from_db()
    assert Lead.objects.count() == 1
    assert (lead.name, lead.specialty_id, lead.city, dict(lead.answers)) == before
    # the second submission is on the lead's timeline (再次留资) and kept whole on its own
    # intake record, for staff to see
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.TOUCH).count() == 1
    texts = [json.dumps(row.payload, ensure_ascii=False) for row in InboundLead.objects.all()]
    assert any("FORGED 伪造病情" in text for text in texts)


def test_an_api_call_does_not_overwrite_a_known_persons_facts(client, landing):
    headers = {"Authorization": f"Bearer {api_token_create(name='crm')}"}
    body = {
        "phone": PHONE,
        "name": "原主人",
        "channel": "api",
        "consent": True,
        "concern": "ORIGINAL 原来的病情",
        "specialty": "脱发",
        "city": "北京",
    }
    post = lambda b: client.post(  # noqa: E731
        "/api/v1/leads", data=json.dumps(b), content_type="application/json", headers=headers
    )
    assert post(body).status_code == 201
    lead = Lead.objects.get()
    before = (lead.name, lead.specialty_id, lead.city, dict(lead.answers))
    forged = {
        **body,
        "name": "冒名者",
        "concern": "FORGED 伪造病情",
        "specialty": "失眠",
        "city": "上海",
    }
    assert post(forged).status_code == 200
    lead.refresh_from_db()
    assert (lead.name, lead.specialty_id, lead.city, dict(lead.answers)) == before
    assert dict(lead.answers)["concern"] == "ORIGINAL 原来的病情"
