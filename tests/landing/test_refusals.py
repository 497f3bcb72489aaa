"""A refused form is easy to fix (issue 15 point 5) and consent texts never change (point 6).

Each refusal re-renders the page; the next POST is built from the re-rendered form's own
fields, the way the browser would send it.
"""

from __future__ import annotations

import re
import time
import types

import pytest
from django.contrib.auth import get_user_model

from config.errors import ApplicationError
from funnel.models import InboundLead, Lead
from landing.models import ConsentText
from landing.services.consent import consent_text_publish
from tests.landing.conftest import CONSENT_V1, form_data, old_ticket

pytestmark = pytest.mark.django_db
URL = "/lp/hair-loss/"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    if match is None:
        match = re.search(rf'<input type="hidden" name="{name}"[^>]*>', html)
        assert match is not None, f"no hidden {name}"
        return ""
    return match.group(1).replace("&quot;", '"').replace("&amp;", "&")


def consent_ticked(html: str) -> bool:
    tag = re.search(r'<input type="checkbox" name="consent"[^>]*>', html).group(0)
    return " checked" in tag


def test_too_fast_keeps_the_tick_and_the_first_ticket(client, landing, monkeypatch, settings):
    # given a visitor who submits 1 s after the page loaded (minimum 3 s)
    settings.LANDING_MIN_SUBMIT_SECONDS = 3
    first_ticket = old_ticket(seconds=1)
    # when
    refused = client.post(URL, form_data(ticket=first_ticket))
    # then: refused next to the button, the tick and the page-load ticket are kept
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'data-field-error="submit" data-error-code="too_fast"' in html
    assert "提交过快，请稍后再试" in html
    assert consent_ticked(html)
    assert hidden(html, "ticket") == first_ticket
    assert Lead.objects.count() == 0
    # when they submit again 3 s after the first page load, with the re-rendered form
    real = time.time
    monkeypatch.setattr(
        "landing.services.guards.time", types.SimpleNamespace(time=lambda: real() + 2.5)
    )
    again = client.post(URL, form_data(ticket=hidden(html, "ticket"), idem=hidden(html, "idem")))
    # then it is accepted: the time counted from the first load, not from the re-render
    assert again.status_code == 302
    assert Lead.objects.count() == 1


def test_a_field_error_sits_next_to_its_field_and_keeps_the_tick(client, landing):
    refused = client.post(URL, form_data(phone="12"))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'id="id_phone"' in html
    assert re.search(r'id="id_phone"[^>]*aria-invalid="true" aria-describedby="err-phone"', html)
    assert '<p class="lp-field-error" id="err-phone" data-field-error="phone">' in html
    assert "请检查以下标红的内容" in html
    assert consent_ticked(html)
    assert 'action="#lead-form"' in html  # without JavaScript the browser still lands there


def test_unticked_consent_is_shown_at_the_box(client, landing):
    refused = client.post(URL, form_data(consent=None))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'id="err-consent" data-field-error="consent" data-error-code="consent_required"' in html
    assert not consent_ticked(html)


def test_a_bad_phone_is_shown_at_the_phone_and_the_fix_goes_through(client, landing):
    # given a number the one phone normaliser refuses (the form validates with it, so nothing
    # is stored: intake would have refused it too)
    refused = client.post(URL, form_data(phone="1234567", idem="k-bad"))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'data-field-error="phone">请填写正确的手机号' in html
    assert consent_ticked(html)
    assert InboundLead.objects.count() == 0
    # when the visitor corrects it, the form goes through
    fixed = client.post(URL, form_data(phone="13912345678", idem=hidden(html, "idem") or "k2"))
    assert fixed.status_code == 302
    assert Lead.objects.count() == 1


def test_a_stale_form_re_renders_with_the_new_text_and_the_next_submit_is_accepted(client, landing):
    # given the visitor opened the page with v1, then v2 was published
    consent_text_publish(version="health-2026-02", text="新版授权文本：增加了数据保存期限说明。")
    # when they submit the v1 form
    stale = client.post(URL, form_data())
    html = stale.content.decode()
    # then: 409, the v2 text and version in the form, the box to tick again for the new words
    assert stale.status_code == 409
    assert hidden(html, "consent_version") == "health-2026-02"
    assert 'data-consent-version="health-2026-02"' in html
    assert 'data-error-code="consent_version_stale">授权文本已更新' in html
    assert not consent_ticked(html)
    assert Lead.objects.count() == 0
    # when they tick and send the re-rendered form
    resubmit = form_data(
        consent_version=hidden(html, "consent_version"),
        ticket=hidden(html, "ticket"),
        idem=hidden(html, "idem"),
    )
    accepted = client.post(URL, resubmit)
    # then it is accepted with v2, not refused again
    assert accepted.status_code == 302
    assert Lead.objects.get().consent_version == "health-2026-02"


def test_publishing_other_words_under_a_used_version_is_refused(landing):
    with pytest.raises(ApplicationError) as raised:
        consent_text_publish(version=CONSENT_V1, text="偷偷改过的文本")
    assert (raised.value.code, raised.value.status) == ("consent_text_immutable", 409)
    assert ConsentText.objects.get(version=CONSENT_V1).text == landing.consent.text


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_the_admin_refuses_to_edit_a_published_text(admin_client, landing):
    url = f"/admin/snippets/landing/consenttext/edit/{landing.consent.pk}/"
    response = admin_client.post(
        url, {"version": CONSENT_V1, "title": "健康信息授权", "text": "改写后的文本"}
    )
    assert response.status_code == 200
    assert "已发布的授权文本不能修改" in response.content.decode()
    row = ConsentText.objects.get(pk=landing.consent.pk)
    assert (row.text, row.is_current) == (landing.consent.text, True)


def test_a_new_version_from_the_admin_becomes_current(admin_client, landing):
    response = admin_client.post(
        "/admin/snippets/landing/consenttext/add/",
        {"version": "health-2026-03", "title": "健康信息授权", "text": "第三版文本"},
    )
    assert response.status_code == 302
    current = ConsentText.objects.get(is_current=True)
    assert (current.version, current.text) == ("health-2026-03", "第三版文本")
    assert ConsentText.objects.get(version=CONSENT_V1).text == landing.consent.text


def test_a_used_text_cannot_be_deleted(admin_client, client, landing):
    url = f"/admin/snippets/landing/consenttext/delete/{landing.consent.pk}/"
    response = admin_client.post(url)
    assert response.status_code == 302
    assert ConsentText.objects.filter(pk=landing.consent.pk).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "治愈率98%，全国第一，签约治疗无效全额退款。"),
        ("text", "授权后享受三天见效的专属方案。"),
        ("title", "健康信息授权（保证治愈）"),
    ],
)
def test_a_new_consent_text_with_an_ad_claim_is_refused(admin_client, landing, field, value):
    """Round 13 verification F2: a new text goes onto every landing and package page at once,
    outside any page's check and certificate; one with 治愈率 and a WeChat id went live. (A
    contact for privacy questions is lawful there, as on any ad page.)"""
    data = {"version": "health-2026-09", "title": "健康信息授权", "text": "第三版文本"}
    data[field] = value

    response = admin_client.post("/admin/snippets/landing/consenttext/add/", data)

    assert response.status_code == 200
    assert "授权文本不得含有医疗广告用语" in response.content.decode()
    assert not ConsentText.objects.filter(version="health-2026-09").exists()
    assert ConsentText.objects.get(is_current=True).version == CONSENT_V1
