"""Issue 15 points 2 and 3 on the assistant's phone page: follow-ups done or put off, only
allowed stage buttons, the lead's story readable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from funnel.models import FollowUp, Lead, LeadEvent, ScoringRule
from funnel.services.followups import followup_schedule
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.stages import lead_stage_change
from tests.funnel.factories import AssistantFactory, UserFactory, payload

pytestmark = pytest.mark.django_db


def _lead(**kwargs) -> int:
    item = payload("13912345678", **kwargs)
    return lead_intake(
        source=IntakeSource(channel=item.channel), external_id="h5-1", raw={}, payload=item
    ).outcome.lead_id


def _due_revisit(lead_id: int) -> FollowUp:
    due = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    return followup_schedule(lead_id=lead_id, kind="revisit", due_at=due, note="复诊回访")


def test_mark_done_from_the_phone_page(client, landing) -> None:
    # given: a revisit due today for the assistant's lead
    followup = _due_revisit(_lead())
    client.force_login(landing.assistant.user)
    assert f'data-followup="{followup.pk}"' in client.get("/h5/assistant/").content.decode()

    # when
    response = client.post(f"/h5/assistant/followups/{followup.pk}/", {"action": "done"})

    # then: back on the list, the reminder gone from it, done on the timeline
    assert response.status_code == 302
    assert response["Location"] == "/h5/assistant/#g-revisit"
    followup.refresh_from_db()
    assert followup.status == "done"
    assert f'data-followup="{followup.pk}"' not in client.get("/h5/assistant/").content.decode()
    notes = [e.note for e in LeadEvent.objects.filter(kind="followup")]  # encrypted at rest
    assert notes.count("已完成：复诊提醒") == 1


def test_snooze_until_tomorrow_from_the_phone_page(client, landing) -> None:
    followup = _due_revisit(_lead())
    client.force_login(landing.assistant.user)

    response = client.post(f"/h5/assistant/followups/{followup.pk}/", {"action": "tomorrow"})

    assert response.status_code == 302
    followup.refresh_from_db()
    due = timezone.localtime(followup.due_at)
    assert (due.date(), due.hour, due.minute) == (
        timezone.localdate() + dt.timedelta(days=1),
        9,
        0,
    )
    assert followup.status == "pending"


def test_done_twice_answers_409_and_another_assistants_follow_up_is_404(client, landing) -> None:
    followup = _due_revisit(_lead())
    client.force_login(landing.assistant.user)
    client.post(f"/h5/assistant/followups/{followup.pk}/", {"action": "done"})

    again = client.post(f"/h5/assistant/followups/{followup.pk}/", {"action": "done"})
    other = AssistantFactory(user=UserFactory(username="other_yz"))
    client.force_login(other.user)
    foreign = client.post(f"/h5/assistant/followups/{followup.pk}/", {"action": "1h"})

    assert again.status_code == 409
    assert 'data-error-code="followup_closed"' in again.content.decode()
    assert foreign.status_code == 404
    followup.refresh_from_db()
    assert followup.status == "done"
    assert LeadEvent.objects.filter(kind="followup").count() == 1


def test_stage_buttons_offer_only_allowed_moves(client, landing) -> None:
    lead_id = _lead()
    client.force_login(landing.assistant.user)

    def buttons() -> list[str]:
        html = client.get(f"/h5/assistant/leads/{lead_id}/").content.decode()
        return re.findall(r'name="stage" value="(\w+)"', html)

    new = buttons()
    lead_stage_change(lead_id=lead_id, to_stage="prescribed", actor_label="医助")
    prescribed = buttons()
    lead_stage_change(lead_id=lead_id, to_stage="lost", actor_label="医助")
    lost = buttons()

    assert new == ["contacted", "profiled", "consulted", "prescribed", "lost"]
    assert prescribed == ["lost"]
    assert lost == ["contacted"]
    # every button shown is accepted
    response = client.post(f"/h5/assistant/leads/{lead_id}/", {"stage": "contacted"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead_id).stage == "contacted"


def test_phone_page_tells_the_story_in_chinese_and_shanghai_time(client, landing) -> None:
    ScoringRule.objects.create(name="专科明确", kind="specialty_match", points=20)
    lead_id = _lead(channel="baidu", click_ids={"bd_vid": "BDVID7"}, keyword="脂溢性脱发")
    lead_stage_change(lead_id=lead_id, to_stage="consulted", actor_label="医助")
    at = dt.datetime(2026, 3, 1, 16, 5, tzinfo=dt.UTC)  # 3月2日 00:05 in Shanghai
    LeadEvent.objects.filter(lead_id=lead_id, to_stage="consulted").update(created_at=at)
    client.force_login(landing.assistant.user)

    html = client.get(f"/h5/assistant/leads/{lead_id}/").content.decode()

    assert "3月2日 00:05 新线索 → 已问诊" in html
    assert "consulted" not in html.split('id="notes-title"')[1]
    assert "点击 ID bd_vid=BDVID7" in html
    assert "评分 20：专科明确 +20" in html
