"""The patient's and the assistant's path in the system Chromium at a phone viewport."""

from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from funnel.models import InboundLead, Lead, Touchpoint
from landing.models import CarePlan, CarePlanItem
from landing.services.careplan import careplan_link_token
from tests.landing.conftest import build_landing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_landing_to_thank_you_care_plan_and_assistant(live_server, phone_page, settings) -> None:
    settings.LANDING_MIN_SUBMIT_SECONDS = 1
    landing = build_landing()
    page = phone_page

    # given a visitor from a Baidu search ad for 脂溢性脱发
    page.goto(
        f"{live_server.url}/lp/hair-loss/?utm_term=脂溢性脱发&bd_vid=BDVID42&utm_source=baidu"
    )
    # then the headline matches the search keyword
    assert page.locator("h1").inner_text() == "头皮出油、掉发多？先查清是不是脂溢性脱发"
    assert blocking_violations(page) == []
    # and a second visit is served from the page cache with the same attribution copied in
    page.goto(
        f"{live_server.url}/lp/hair-loss/?utm_term=脂溢性脱发&bd_vid=BDVID42&utm_source=baidu"
    )
    assert page.locator("input[name=bd_vid]").input_value() == "BDVID42"

    # when they submit without ticking the consent
    page.fill("#id_name", "张女士")
    page.fill("#id_phone", "13912345678")
    page.select_option("#id_gender", "f")
    time.sleep(1.2)  # the minimum time to submit
    page.click("button[type=submit]")
    page.wait_for_load_state()
    # then the form is refused and nothing is stored
    assert page.locator("[data-error-code=consent_required]").first.is_visible()
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0

    # when they tick the consent and double-click submit
    page.check("#id_consent")
    time.sleep(1.2)
    page.locator("button[type=submit]").dblclick()
    page.wait_for_url("**/lp/thanks/**")
    # then the thank-you page shows the assistant's WeCom QR and no referral code (a public
    # form's answer shows only what the submission chose; the code lives on the care plan)
    assert page.get_by_test_id("assistant-qr").is_visible()
    assert "林晓雯" in page.locator("#assistant-title").inner_text()
    assert page.get_by_test_id("referral-qr").count() == 0
    # and exactly one lead exists, with the click id and the keyword (CSRF passed on a cached page)
    time.sleep(0.3)
    assert InboundLead.objects.count() == 1
    lead = Lead.objects.get()
    touch = Touchpoint.objects.get(lead=lead)
    assert touch.click_ids == {"bd_vid": "BDVID42"}
    assert touch.keyword == "脂溢性脱发"
    assert lead.consent_version == "health-2026-01"

    # the package page
    page.goto(f"{live_server.url}/packages/{landing.package.slug}/")
    assert page.locator("h1").inner_text() == landing.package.name
    assert blocking_violations(page) == []

    # the care plan opened from its signed link, without logging in
    plan = CarePlan.objects.create(
        lead=lead, title="脱发3个月管理计划", therapist=landing.assistant
    )
    CarePlanItem.objects.create(
        plan=plan, day=lead.created_at.date(), kind="therapy", title="头皮护理"
    )
    page.goto(f"{live_server.url}/h5/plan/{careplan_link_token(plan_id=plan.pk)}/")
    assert page.get_by_test_id("careplan-title").inner_text() == "脱发3个月管理计划"
    assert page.get_by_test_id("referral-qr").is_visible()
    assert page.get_by_test_id("contact-qr").is_visible()  # whom to add on WeCom
    assert blocking_violations(page) == []

    # the assistant signs in and sees the new lead on the phone page
    page.goto(f"{live_server.url}/admin/login/?next=/h5/assistant/")
    page.fill("input[name=username]", landing.assistant.user.username)
    page.fill("input[name=password]", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url("**/h5/assistant/")
    assert "林晓雯的今日待办" in page.get_by_test_id("assistant-title").inner_text()
    page.click(f"a[href='/h5/assistant/leads/{lead.pk}/']")
    assert page.get_by_test_id("stage").inner_text() == "新线索"
    # the only console error is the expected 400 of the refused (no consent) submission
    assert [e for e in page.console_errors if "status of 400" not in e] == []
    assert len(page.console_errors) == 1
