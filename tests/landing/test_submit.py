"""The landing form: consent, honeypot, minimum time, rate limits, idempotent double submit."""

from __future__ import annotations

import pytest
from django.core import signing

from funnel.models import InboundLead, Lead, LeadEvent, Touchpoint
from landing.services.consent import consent_text_publish
from landing.services.guards import TICKET_SALT
from tests.landing.conftest import CONSENT_V1, form_data

pytestmark = pytest.mark.django_db
URL = "/lp/hair-loss/"


def test_submit_with_consent_creates_one_attributed_lead(client, landing) -> None:
    # given a visitor from a Baidu ad
    # when they submit the form with consent
    response = client.post(URL, form_data())
    # then they land on the thank-you page and exactly one lead carries the click and keyword
    assert response.status_code == 302
    assert response["Location"].startswith("/lp/thanks/")
    lead = Lead.objects.get()
    touch = Touchpoint.objects.get(lead=lead)
    assert touch.channel == "landing"
    assert touch.keyword == "脂溢性脱发怎么办"
    assert touch.click_ids == {"bd_vid": "BDVID123"}
    assert touch.utm == {"utm_source": "baidu", "utm_term": "脂溢性脱发怎么办"}
    assert touch.landing_page_id == landing.page.pk
    assert lead.consent_version == CONSENT_V1
    assert lead.consent_source == "landing"
    assert lead.assignee == landing.assistant
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "您的专属医助：林晓雯" in thanks.content.decode()
    assert 'data-testid="assistant-qr"' in thanks.content.decode()


def test_without_consent_is_refused_and_nothing_stored(client, landing) -> None:
    response = client.post(URL, form_data(consent=None))
    assert response.status_code == 400
    assert 'data-error-code="consent_required"' in response.content.decode()
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0


def test_double_submit_with_the_same_key_makes_one_lead(client, landing) -> None:
    # given one submission went through
    first = client.post(URL, form_data())
    # when the same form (same client idempotency key) is sent again, with a fresh ticket
    second = client.post(URL, form_data(ticket=signing.dumps({"t": 1}, salt=TICKET_SALT)))
    # then both answers lead to the same thank-you, and one lead, inbound and touchpoint exist
    assert first.status_code == 302
    assert second.status_code == 302
    assert InboundLead.objects.count() == 1
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.count() == 1
    assert "您的专属医助：林晓雯" in client.get(second["Location"]).content.decode()


def test_honeypot_answers_like_success_and_stores_nothing(client, landing) -> None:
    response = client.post(URL, form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "提交成功" in response.content.decode()
    assert InboundLead.objects.count() == 0
    assert Lead.objects.count() == 0


def test_too_fast_and_missing_ticket_are_refused(client, landing, settings) -> None:
    settings.LANDING_MIN_SUBMIT_SECONDS = 3
    fast = client.post(
        URL, form_data(ticket=signing.dumps({"t": __import__("time").time()}, salt=TICKET_SALT))
    )
    missing = client.post(URL, form_data(ticket="", idem="k-2"))
    forged = client.post(URL, form_data(ticket="abc:def", idem="k-3"))
    assert fast.status_code == 400
    assert 'data-error-code="too_fast"' in fast.content.decode()
    assert missing.status_code == 400
    assert 'data-error-code="ticket_invalid"' in missing.content.decode()
    assert forged.status_code == 400
    assert InboundLead.objects.count() == 0


def test_rate_limit_per_phone(client, landing, settings) -> None:
    settings.LANDING_RATE_LIMIT_PHONE = (2, 3600)
    codes = [client.post(URL, form_data(idem=f"k-{i}")).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert InboundLead.objects.count() == 2
    # another phone from the same IP still gets through
    assert client.post(URL, form_data(idem="k-x", phone="13700001111")).status_code == 302


def test_rate_limit_per_ip(client, landing, settings) -> None:
    settings.LANDING_RATE_LIMIT_IP = (2, 3600)
    phones = ["13900000001", "13900000002", "13900000003"]
    codes = [
        client.post(URL, form_data(idem=f"k-{p}", phone=p), REMOTE_ADDR="10.0.0.9").status_code
        for p in phones
    ]
    assert codes == [302, 302, 429]
    assert Lead.objects.count() == 2
    other_ip = client.post(URL, form_data(idem="k-o", phone="13900000004"), REMOTE_ADDR="10.0.0.8")
    assert other_ip.status_code == 302


def test_consent_versioning(client, landing) -> None:
    # given the visitor saw v1, then the clinic published v2
    consent_text_publish(version="health-2026-02", text="新版授权文本：增加了数据保存期限说明。")
    # when the visitor submits the v1 form, it is refused and the new text is shown
    stale = client.post(URL, form_data())
    assert stale.status_code == 409
    assert "health-2026-02" in stale.content.decode()
    assert Lead.objects.count() == 0
    # when they agree to v2, the lead records v2
    ok = client.post(URL, form_data(consent_version="health-2026-02", idem="k-v2"))
    assert ok.status_code == 302
    assert Lead.objects.get().consent_version == "health-2026-02"


def test_referral_code_binds_referee_to_referrer(client, landing) -> None:
    from funnel.services.referrals import referral_code_ensure

    client.post(URL, form_data(phone="13600000000", idem="k-ref"))
    referrer = Lead.objects.get()
    code = referral_code_ensure(lead_id=referrer.pk)
    client.post(URL, form_data(phone="13600000001", idem="k-new", ref=code))
    referee = Lead.objects.exclude(pk=referrer.pk).get()
    assert referee.referred_by_id == referrer.pk


def test_specialty_path_resolves_to_the_landing_page(client, landing) -> None:
    by_specialty = client.get("/lp/hair-loss/")
    by_slug = client.get("/lp/hair-loss-sem/")
    assert by_specialty.status_code == 200
    assert by_slug.status_code == 200
    assert "脱发困扰？先弄清原因再调理" in by_specialty.content.decode()
    assert client.get("/lp/no-such-specialty/").status_code == 404


def test_package_reserve_records_intent(client, landing) -> None:
    response = client.post(f"/packages/{landing.package.slug}/reserve/", form_data(idem="k-res"))
    assert response.status_code == 302
    event = LeadEvent.objects.get(kind="reserve")
    assert event.data["package"] == landing.package.slug
    # a replay of the same submission records no second reserve event
    client.post(f"/packages/{landing.package.slug}/reserve/", form_data(idem="k-res"))
    assert LeadEvent.objects.filter(kind="reserve").count() == 1
