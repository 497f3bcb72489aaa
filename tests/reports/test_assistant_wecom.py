"""The assistant board with its WeCom figures (issue 16 point 7): behaviour days imported
through the connector's import (not written by hand), summed over the window by the board's
own code, beside 加微率 (added ÷ assigned), the median time from assignment to the add and the
patients who deleted the assistant.

Window 2026-11-02 … 2026-11-08 (Asia/Shanghai). 林医助 (linxiaowen):
- WeCom days: 11-03 chats 20, reply 90 %, first reply 4 min, 7 new contacts, 60 messages;
  11-04 chats 10, reply 60 %, 10 min, 3 new, 25 messages; 11-10 (outside) 999 of everything.
  → new contacts 10, chats 30, messages 85, reply 80 % ((90×20 + 60×10) / 30),
  first reply 6.0 min ((4×20 + 10×10) / 30).
- Leads: A assigned 11-03 10:00, added 10:30 (30 min); B assigned 11-04 10:00, added 11:30
  (90 min); C assigned, never added → 加微率 2/3, median 60.0 min.
- B deleted her on WeCom on 11-05 (counted); A on 10-30 (before the window, not counted).
王医助 (wangfang): a WeCom day on 11-06 (chats 0, 3 new contacts) and no lead: a row anyway.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
import responses
from django.contrib.auth import get_user_model
from django.core.cache import cache

from channels.wecom.behavior import behavior_import
from channels.wecom.services import wecom_account_create
from funnel import events as lead_events
from funnel.models import Assistant, Lead, LeadEvent
from funnel.reports.selectors import Window, assistant_wecom_inputs
from funnel.reports.views import assistant_board_rows
from funnel.services.lead_facts import lead_facts_refresh
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN
from tests.reports.conftest import at, make_lead, stage_event

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
BASE = "https://wecom.test"
WEEK = Window(dt.date(2026, 11, 2), dt.date(2026, 11, 8))
FIGURES = {
    ("linxiaowen", dt.date(2026, 11, 3)): {
        "chat_cnt": 20,
        "reply_percentage": 90,
        "avg_reply_time": 4,
        "new_contact_cnt": 7,
        "message_cnt": 60,
        "new_apply_cnt": 1,
        "negative_feedback_cnt": 0,
    },
    ("linxiaowen", dt.date(2026, 11, 4)): {
        "chat_cnt": 10,
        "reply_percentage": 60,
        "avg_reply_time": 10,
        "new_contact_cnt": 3,
        "message_cnt": 25,
        "new_apply_cnt": 0,
        "negative_feedback_cnt": 1,
    },
    ("linxiaowen", dt.date(2026, 11, 10)): {
        "chat_cnt": 999,
        "reply_percentage": 1,
        "avg_reply_time": 999,
        "new_contact_cnt": 999,
        "message_cnt": 999,
        "new_apply_cnt": 999,
        "negative_feedback_cnt": 999,
    },
    ("wangfang", dt.date(2026, 11, 6)): {
        "chat_cnt": 0,
        "new_contact_cnt": 3,
        "message_cnt": 0,
        "new_apply_cnt": 0,
        "negative_feedback_cnt": 0,
    },
}


@pytest.fixture
def imported(settings):
    """The WeCom days above, imported through `behavior_import` from a recorded API."""
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    cache.clear()
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=BASE,
    )
    lin = Assistant.objects.create(name="林医助", wecom_userid="linxiaowen")
    wang = Assistant.objects.create(name="王医助", wecom_userid="wangfang")

    def reply(request):
        body = json.loads(request.body)
        (userid,) = body["userid"]
        day = dt.datetime.fromtimestamp(body["start_time"], tz=TZ).date()
        entry = FIGURES.get((userid, day))
        days = [{"stat_time": body["start_time"], **entry}] if entry else []
        return 200, {}, json.dumps({"errcode": 0, "behavior_data": days})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{BASE}/cgi-bin/gettoken", json={"errcode": 0, "access_token": "T"})
        rsps.add_callback(
            responses.POST,
            f"{BASE}/cgi-bin/externalcontact/get_user_behavior_data",
            callback=reply,
        )
        for day in {d for _, d in FIGURES}:
            behavior_import(account=account, day=day)
    return lin, wang


def _assign(lead, assistant, when, previous=None) -> None:
    """The routing's assignment event for `lead` to `assistant` at `when`."""
    if previous is None:
        event = lead_events.assigned_event(
            lead=lead,
            pool_slug="",
            assistant_id=assistant.pk,
            assistant_name=assistant.name,
            reason="route",
        )
    else:
        event = lead_events.reassigned_event(
            lead=lead,
            pool_slug="",
            assistant_id=assistant.pk,
            assistant_name=assistant.name,
            previous_assistant_id=previous.pk,
            reason="sla",
        )
    lead_events.event_record(event)
    LeadEvent.objects.filter(pk=event.pk).update(created_at=when)


@pytest.fixture
def leads(imported):
    lin, _ = imported
    a = make_lead(1, at(3, 9), assignee=lin)
    b = make_lead(2, at(4, 9), assignee=lin)
    c = make_lead(3, at(5, 9), assignee=lin)
    for lead, assigned in ((a, at(3, 10)), (b, at(4, 10)), (c, at(5, 10))):
        type(lead).objects.filter(pk=lead.pk).update(assigned_at=assigned)
        _assign(lead, lin, assigned)
    stage_event(a, "contacted", at(3, 10) + dt.timedelta(minutes=30), "new")
    stage_event(b, "contacted", at(4, 11, month=11) + dt.timedelta(minutes=30), "new")
    lead_facts_refresh(lead_ids=[a.pk, b.pk, c.pk])
    for lead, when in ((b, at(5, 15)), (a, at(30, 12, month=10))):
        lead_events.event_record(
            lead_events.wecom_contact_deleted_event(lead=lead, member_userid="linxiaowen", at=when)
        )
    return a, b, c


def test_the_board_shows_wecom_figures_beside_the_add_rate(imported, leads):
    rows = {r["assistant"]: r for r in assistant_board_rows(WEEK)}

    lin = rows["林医助"]
    assert (lin["leads"], lin["added"], lin["rate_contacted"]) == (3, 2, 0.6667)
    assert lin["add_median_minutes"] == 60.0
    assert lin["wecom_deletions"] == 1
    assert (lin["new_contact_cnt"], lin["chat_cnt"], lin["message_cnt"]) == (10, 30, 85)
    assert (lin["new_apply_cnt"], lin["negative_feedback_cnt"]) == (1, 1)
    assert lin["reply_percentage"] == 0.8
    assert lin["avg_reply_time"] == 6.0

    wang = rows["王医助"]
    assert (wang["leads"], wang["added"], wang["new_contact_cnt"]) == (0, 0, 3)
    assert (wang["reply_percentage"], wang["avg_reply_time"], wang["add_median_minutes"]) == (
        None,
        None,
        None,
    )


def test_the_board_page_and_its_export_carry_the_figures_and_a_chart(client, imported, leads):
    admin = get_user_model().objects.create_superuser("rep", "rep@example.invalid", "pw")
    client.force_login(admin)
    query = {"start": "2026-11-02", "end": "2026-11-08"}

    page = client.get("/admin/reports/assistants/", query).content.decode()
    export = client.get("/admin/reports/assistants/", {**query, "export": "csv"})

    assert "加微率与企业微信回复率" in page
    assert "<svg" in page
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    lin = next(r for r in rows if r["医助"] == "林医助")
    assert lin["分配到加微（中位，分钟）"] == "60.0"
    assert lin["回复率（企微）"] == "0.8"
    assert lin["被患者删除"] == "1"
    assert lin["聊天数（企微）"] == "30"


def test_the_add_median_counts_from_the_assignment_to_that_assistant(imported):
    """Minutes from the assignment to the board's assistant (the lead's assignee) at or before
    the first 已加微 to that add; never the lead's current `assigned_at` clamped at 0."""
    lin, wang = imported
    # D: routed to 王 at 09:00, moved to 林 at 10:00, added 10:20 → 林 20 min (not 80).
    d = make_lead(4, at(5, 8), assignee=lin)
    _assign(d, wang, at(5, 9))
    _assign(d, lin, at(5, 10), previous=wang)
    stage_event(d, "contacted", at(5, 10) + dt.timedelta(minutes=20), "new")
    # E: 林 at 10:00, added 10:40, then moved to 王 at 12:00 (his assigned_at) → no add of
    # his: skipped (was 0.0: the current assigned_at clamped).
    e = make_lead(5, at(6, 9), assignee=wang)
    _assign(e, lin, at(6, 10))
    stage_event(e, "contacted", at(6, 10) + dt.timedelta(minutes=40), "new")
    _assign(e, wang, at(6, 12), previous=lin)
    # F: 林 at 10:00, the SLA escalation (not an assignment) at 11:00, added 12:00 → 120 min;
    # the second 已加微 (re-added later) does not count.
    f = make_lead(6, at(7, 9), assignee=lin)
    _assign(f, lin, at(7, 10))
    lead_events.event_record(
        lead_events.sla_escalated_event(
            lead=f, pool_slug="", assistant_id=lin.pk, supervisor_id=None
        )
    )
    LeadEvent.objects.filter(lead=f, data__reason="sla").update(created_at=at(7, 11))
    stage_event(f, "contacted", at(7, 12), "new")
    stage_event(f, "contacted", at(8, 12), "new")
    # G: seeded with an assignee and assigned_at but no assignment event → skipped.
    g = make_lead(7, at(7, 9), assignee=wang)
    stage_event(g, "contacted", at(7, 9) + dt.timedelta(minutes=5), "new")
    for lead, when in ((d, at(5, 10)), (e, at(6, 12)), (f, at(7, 10)), (g, at(7, 23))):
        Lead.objects.filter(pk=lead.pk).update(assigned_at=when)
    lead_facts_refresh(lead_ids=[d.pk, e.pk, f.pk, g.pk])

    minutes = assistant_wecom_inputs(window=WEEK)["add_minutes"]
    rows = {r["assistant"]: r for r in assistant_board_rows(WEEK)}

    assert sorted(minutes[lin.pk]) == [20.0, 120.0]
    assert wang.pk not in minutes
    assert rows["林医助"]["add_median_minutes"] == 70.0
    assert rows["王医助"]["added"] == 2
    assert rows["王医助"]["add_median_minutes"] is None


def test_a_second_company_reporting_the_same_member_never_doubles_the_board(imported, leads):
    """Issue 16 review F4: two WeCom accounts asked about one userid (another company whose
    member has the same userid) made the board sum both. A member's day has one set of
    figures: the later import replaces the other account's, and the board shows no sum."""
    other, _ = wecom_account_create(
        name="branch",
        corp_id="ww-branch-corp",
        secret="s",
        agent_id="1000009",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url="https://branch.wecom.test",
    )
    day = dt.date(2026, 11, 3)
    same = FIGURES[("linxiaowen", day)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            "https://branch.wecom.test/cgi-bin/gettoken", json={"errcode": 0, "access_token": "B"}
        )
        rsps.post(
            "https://branch.wecom.test/cgi-bin/externalcontact/get_user_behavior_data",
            json={
                "errcode": 0,
                "behavior_data": [
                    {
                        "stat_time": int(
                            dt.datetime.combine(day, dt.time.min, tzinfo=TZ).timestamp()
                        ),
                        **same,
                    }
                ],
            },
        )
        behavior_import(account=other, day=day)

    lin = {r["assistant"]: r for r in assistant_board_rows(WEEK)}["林医助"]
    assert (lin["new_contact_cnt"], lin["chat_cnt"], lin["message_cnt"]) == (10, 30, 85)
    assert lin["reply_percentage"] == 0.8
