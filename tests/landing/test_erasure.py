"""Withdrawal and the retention purge reach every copy of a person (issue 13 point 2): after
either, no table holds their name, phone, answers, notes or search terms, raw or decrypted.
The person is seeded through the real paths (form, API, staff notes, a reminder sent as a
notification, a care plan, a WeCom add through the callback endpoint, an admin edit, a raw
record quarantined without consent); withdrawal goes through the lead's admin action and
through the patient's care-plan link."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from channels.wecom.models import WecomContact
from channels.wecom.services import wecom_account_create
from channels.wecom.state import state_for_lead
from funnel import events as lead_events
from funnel.crypto import decrypt_str
from funnel.models import (
    FollowUp,
    InboundLead,
    InboundStatus,
    Lead,
    LeadEvent,
    Notification,
    Touchpoint,
)
from funnel.payload import Consent
from funnel.services.followups import followup_schedule, followups_dispatch
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.pii import consent_withdraw, leads_purge_expired
from funnel.services.stages import lead_stage_change
from funnel.services.tokens import api_token_create
from landing.models import CarePlan, CarePlanItem, CarePlanPhoto
from landing.services.careplan import careplan_link_token
from tests.channels.conftest import drain
from tests.channels.wecom import conftest as wecom
from tests.funnel.factories import payload
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db

NAME = "欧阳晓梅"
PHONE_DIGITS = "13912345678"
CONCERN = "最近半年掉发明显，头皮出油"
SEARCH = "脂溢性脱发怎么治最快"
UTM_CONTENT = "头皮屑多掉发严重"
UTM_CAMPAIGN = "欧阳的斑秃复发咨询"  # visitor-supplied: kept as the touchpoint's campaign name
STAFF_NOTE = "自述甲状腺功能减退，服优甲乐"
STAGE_NOTE = "加微时说夜里失眠三个月"
API_NOTE = "CRM：有家族遗传史"
FOLLOWUP_NOTE = "复诊时复查甲功"
PLAN_NOTE = "米诺地尔外用每日两次"
PLAN_GOAL = "三个月内发际线不再后移"
WECOM_EXTERNAL = "wmOUYANGxm0001"
HELD_PHONE = "139-1234-5678"
SECRETS = [
    NAME,
    PHONE_DIGITS,
    "139 1234 5678",
    CONCERN,
    SEARCH,
    UTM_CONTENT,
    UTM_CAMPAIGN,
    STAFF_NOTE,
    STAGE_NOTE,
    API_NOTE,
    FOLLOWUP_NOTE,
    PLAN_NOTE,
    PLAN_GOAL,
    WECOM_EXTERNAL,
    HELD_PHONE,
]


def _texts(value) -> list[str]:
    """A raw cell and everything it holds: decrypted when it is one of our tokens, JSON
    re-read without \\u escapes (SQLite stores JSON ASCII-escaped)."""
    if value is None:
        return []
    if isinstance(value, memoryview | bytes):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    out = [text]
    try:
        out.extend(_texts(decrypt_str(text)))
    except (ValueError, UnicodeEncodeError):
        pass
    try:
        out.append(json.dumps(json.loads(text), ensure_ascii=False))
    except (ValueError, TypeError):
        pass
    return out


def _every_cell() -> str:
    """Every value of every row of every table, read through the DB connection."""
    cells: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    cells.extend(_texts(value))
    return "\n".join(cells)


def _a_person_everywhere(client, landing) -> Lead:
    """One person as the product keeps them: form, API re-touch with a note, staff and
    stage notes, a follow-up reminder sent as a notification, a care plan with a photo."""
    response = client.post(
        "/lp/hair-loss/",
        form_data(
            name=NAME,
            phone=PHONE_DIGITS,
            concern=CONCERN,
            utm_term=SEARCH,
            utm_content=UTM_CONTENT,
            utm_campaign=UTM_CAMPAIGN,
        ),
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    token = api_token_create(name="crm")
    api = client.post(
        "/api/v1/leads",
        data=json.dumps(
            {
                "phone": "139 1234 5678",
                "name": NAME,
                "channel": "api",
                "consent": True,
                "keyword": SEARCH,
            }
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "crm-1"},
    )
    assert api.status_code == 200, api.content
    assert (
        client.post(
            f"/api/v1/leads/{lead.pk}/events",
            data=json.dumps({"note": API_NOTE}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "crm-2"},
        ).status_code
        == 200
    )
    lead_events.event_record(lead_events.note_event(lead=lead.pk, note=STAFF_NOTE))
    lead_stage_change(lead_id=lead.pk, to_stage="contacted", actor_label="林晓雯", note=STAGE_NOTE)
    due = timezone.now() - dt.timedelta(minutes=1)
    followup_schedule(lead_id=lead.pk, kind="revisit", due_at=due, note=FOLLOWUP_NOTE)
    followups_dispatch(now=timezone.now())
    assert any(FOLLOWUP_NOTE in n.body for n in Notification.objects.all())
    plan = CarePlan.objects.create(lead=lead, title="脱发3个月管理计划", goal=PLAN_GOAL)
    CarePlanItem.objects.create(
        plan=plan, day=timezone.localdate(), kind="medication", title="用药", note=PLAN_NOTE
    )
    from tests.landing.test_careplan_photos import jpeg

    CarePlanPhoto.objects.create(plan=plan, month=dt.date(2026, 10, 1), angle="头顶", photo=jpeg())
    # added on WeCom through the callback endpoint (the code carried the lead's state)
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=wecom.CORP_ID,
        secret="s",
        agent_id="1000002",
        token=wecom.TOKEN,
        aes_key=wecom.AES_KEY,
    )
    query, body = wecom.callback_request(
        wecom.event_xml(State=state_for_lead(lead.pk), ExternalUserID=WECOM_EXTERNAL)
    )
    hook = client.post(
        f"/channels/hooks/wecom/{account.name}/?{query}", data=body, content_type="text/xml"
    )
    assert hook.status_code == 200
    drain()
    assert WecomContact.objects.get().lead_id == lead.pk
    # an admin edit of the lead (Wagtail logs it)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", password="x"))
    edit = admin.post(
        f"/admin/funnel/leads/edit/{lead.pk}/",
        {"gender": "", "age": "", "city": "上海", "birthday": "1990-05-01", "specialty": ""},
    )
    assert edit.status_code == 302
    assert ModelLogEntry.objects.filter(object_id=str(lead.pk), action="wagtail.edit").exists()
    # a record of the same phone quarantined without consent, never linked to the lead
    held = lead_intake(
        source=IntakeSource(channel="douyin", account="dy-main"),
        external_id="held-1",
        raw={"tel": HELD_PHONE, "name": NAME},
        payload=payload(HELD_PHONE, name=NAME, consent=Consent(given=False)),
    ).inbound_id
    assert InboundLead.objects.filter(pk=held, lead=None, status=InboundStatus.QUARANTINED).exists()
    # the person really is everywhere before
    before = _every_cell()
    assert [s for s in SECRETS if s not in before] == []
    return lead


def _assert_gone(lead_id: int) -> None:
    blob = _every_cell()
    assert [s for s in SECRETS if s in blob] == []
    # the aggregates stay: the lead row, its touchpoints and stage history
    assert Lead.objects.get(pk=lead_id).anonymized_at is not None
    assert Touchpoint.objects.filter(lead_id=lead_id).count() == 2
    assert LeadEvent.objects.filter(lead_id=lead_id, to_stage="contacted").exists()
    assert not CarePlan.objects.filter(lead_id=lead_id).exists()
    assert FollowUp.objects.filter(lead_id=lead_id).exists()
    assert WecomContact.objects.filter(lead_id=lead_id).count() == 1  # the add is still counted
    assert Notification.objects.count() >= 1


def test_withdrawal_by_staff_leaves_nothing_of_the_person_in_any_table(client, landing) -> None:
    lead = _a_person_everywhere(client, landing)
    staff = Client()
    staff.force_login(get_user_model().objects.get(username="root"))

    response = staff.post(f"/admin/funnel/leads/{lead.pk}/withdraw/")

    assert response.status_code == 302
    assert LeadEvent.objects.get(lead=lead, kind="consent").actor.username == "root"
    _assert_gone(lead.pk)


def test_withdrawal_by_the_patient_leaves_nothing_of_the_person_in_any_table(
    client, landing
) -> None:
    lead = _a_person_everywhere(client, landing)
    token = careplan_link_token(plan_id=CarePlan.objects.get(lead=lead).pk)
    patient = Client(enforce_csrf_checks=True)
    csrf = patient.get(f"/h5/plan/{token}/withdraw/").cookies["csrftoken"].value

    response = patient.post(f"/h5/plan/{token}/withdraw/", {"csrfmiddlewaretoken": csrf})

    assert response.status_code == 200
    assert (
        LeadEvent.objects.get(lead=lead, kind="consent").actor_label == "患者本人（护理计划链接）"
    )
    _assert_gone(lead.pk)
    assert patient.get(f"/h5/plan/{token}/").status_code == 410


def test_retention_purge_leaves_nothing_of_the_person_in_any_table(
    client, landing, settings
) -> None:
    lead = _a_person_everywhere(client, landing)
    settings.FUNNEL_RETENTION_DAYS = 365
    later = timezone.now() + dt.timedelta(days=400)

    assert leads_purge_expired(now=later) == 1

    _assert_gone(lead.pk)


def test_a_platform_resend_of_a_withdrawn_record_does_not_recreate_the_lead() -> None:
    # given a platform lead that was withdrawn
    record = payload(PHONE_DIGITS, name=NAME, channel="douyin", external_id="clue-9")
    source = IntakeSource(channel="douyin", account="dy-main")
    first = lead_intake(
        source=source, external_id="clue-9", raw={"tel": PHONE_DIGITS}, payload=record
    )
    consent_withdraw(lead_id=first.outcome.lead_id)

    # when the platform re-sends the same record (same or enriched content)
    for raw in ({"tel": PHONE_DIGITS}, {"tel": PHONE_DIGITS, "city": "上海"}):
        again = lead_intake(source=source, external_id="clue-9", raw=raw, payload=record)

        # then it is refused with a reason, and nobody is re-created
        assert again.inbound_id == first.inbound_id
        assert (again.outcome.result, again.outcome.reason) == ("quarantined", "person_anonymized")
    assert Lead.objects.filter(anonymized_at__isnull=True).count() == 0
    assert InboundLead.objects.get().raw == {"anonymized": True}

    # while a new submission (a new record, with its own consent) may make a new lead
    fresh = lead_intake(
        source=source,
        external_id="clue-10",
        raw={"tel": PHONE_DIGITS},
        payload=payload(PHONE_DIGITS, channel="douyin", external_id="clue-10"),
    )
    assert fresh.outcome.result == "created"
    assert fresh.outcome.lead_id != first.outcome.lead_id
