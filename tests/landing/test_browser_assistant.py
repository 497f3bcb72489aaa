"""The assistant's morning on a 390 px phone (issue 15 point 2): close one reminder, put
another off, and see only the stage buttons the funnel accepts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from funnel.models import FollowUp
from funnel.services.followups import followup_schedule
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.stages import lead_stage_change
from tests.funnel.factories import payload
from tests.landing.conftest import build_landing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _lead(phone: str, key: str) -> int:
    item = payload(phone)
    return lead_intake(
        source=IntakeSource(channel=item.channel), external_id=key, raw={}, payload=item
    ).outcome.lead_id


def test_assistant_closes_and_snoozes_reminders_on_a_phone(live_server, phone_page) -> None:
    # given: two leads of 林晓雯, a revisit and a payment chase due today; one lead prescribed
    landing = build_landing()
    first = _lead("13912345678", "b-1")
    second = _lead("13712345678", "b-2")
    due = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    revisit = followup_schedule(lead_id=first, kind="revisit", due_at=due, note="复诊回访")
    lead_stage_change(lead_id=second, to_stage="prescribed", actor_label="医助")
    chase = FollowUp.objects.get(lead_id=second, kind="payment_chase")
    FollowUp.objects.filter(pk=chase.pk).update(due_at=due)
    page = phone_page

    # when she signs in on the phone
    page.goto(f"{live_server.url}/admin/login/?next=/h5/assistant/")
    page.fill("input[name=username]", landing.assistant.user.username)
    page.fill("input[name=password]", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url("**/h5/assistant/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll

    # then both reminders are listed; she marks the revisit done
    revisit_row = page.locator(f"[data-followup='{revisit.pk}']")
    assert "复诊回访" in revisit_row.inner_text()
    revisit_row.get_by_role("button", name="完成").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-followup='{revisit.pk}']").count() == 0
    assert "复诊提醒（0）" in page.locator("#g-revisit").inner_text()

    # and puts the payment chase off until tomorrow morning
    page.locator(f"[data-followup='{chase.pk}']").get_by_role("button", name="明天 9:00").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-followup='{chase.pk}']").count() == 0
    revisit.refresh_from_db()
    chase.refresh_from_db()
    assert revisit.status == "done"
    assert (chase.status, timezone.localtime(chase.due_at).hour) == ("pending", 9)

    # the prescribed lead offers only 流失 (no button that would answer 409)
    page.goto(f"{live_server.url}/h5/assistant/leads/{second}/")
    assert page.get_by_test_id("stage").inner_text() == "已开方"
    buttons = page.get_by_test_id("stage-buttons").locator("button").all_inner_texts()
    assert buttons == ["流失"]
    assert "新线索 → 已开方" in page.locator("#notes-title").locator("..").inner_text()
    assert page.console_errors == []
