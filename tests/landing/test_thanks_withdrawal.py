"""Issue 13 point 1, W1: the thank-you page of a submission that matched a known phone and the
one of a submission that made a new lead must look the same to the submitter, before and after
the lead they touched is withdrawn (anonymized) or merged away, in every contact mode."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import pytest
import responses
from django.core.cache import cache

from channels.wecom.models import WecomContactWay
from channels.wecom.services import wecom_account_create
from funnel.models import Lead
from funnel.services.identity import lead_merge
from funnel.services.pii import consent_withdraw
from landing.views import _qr_data_uri
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN
from tests.landing.conftest import build_landing, form_data

pytestmark = pytest.mark.django_db

BASE = "https://wecom.test"
STATIC = "https://work.weixin.qq.com/ca/static-lin"
LINK = "https://work.weixin.qq.com/ca/cawcde1234567890"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47"
PATIENT, STRANGER = "13700008822", "13700009911"


def _wecom(mode: str) -> None:
    """The company in `mode` ("" = none connected), its API faked at the HTTP boundary: every
    code it makes has its own config id and image URL."""
    cache.clear()
    if not mode:
        return
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=BASE,
    )
    account.settings = {"contact_mode": mode}
    account.save()
    made = iter(range(1, 100))

    def way(request):
        n = next(made)
        qr = f"https://wework.qpic.cn/wwpic/contact-way-qr/c{n}"
        return 200, {}, json.dumps({"errcode": 0, "config_id": f"cfg-{n}", "qr_code": qr})

    responses.get(
        f"{BASE}/cgi-bin/gettoken", json={"errcode": 0, "access_token": "T", "expires_in": 7200}
    )
    responses.add_callback(
        responses.POST, f"{BASE}/cgi-bin/externalcontact/add_contact_way", callback=way
    )
    responses.post(f"{BASE}/cgi-bin/externalcontact/del_contact_way", json={"errcode": 0})
    responses.post(
        f"{BASE}/cgi-bin/externalcontact/customer_acquisition/create_link",
        json={"errcode": 0, "link": {"link_id": "cal-1", "url": LINK}},
    )


def _seen(body: str) -> str:
    """The page as its visitor compares it: the per-request and per-submission bits (CSRF
    token, script nonce, the code's image URL, a link's opaque customer_channel and the QR
    drawn from it) replaced by what kind of thing they are. The member's static code stays
    recognisable ("STATIC"), any code made for the lead or submission reads "CODE"."""
    static = _qr_data_uri(STATIC)
    body = body.replace(static, "STATIC")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r"https://wework\.qpic\.cn/[^\"']+", "CODE", body)
    body = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "CODE", body)
    body = re.sub(r"customer_channel=[^\"'&]+", "customer_channel=CH", html.unescape(body))
    return body


def _page(client, location: str, *, phone: bool) -> str:
    agent = {"HTTP_USER_AGENT": PHONE_UA} if phone else {}
    response = client.get(location, **agent)
    assert response.status_code == 200
    return _seen(response.content.decode())


def _withdraw(leads: list[int], capture) -> None:
    for lead_id in leads:
        with capture(execute=True):
            consent_withdraw(lead_id=lead_id, actor_label="患者本人")


def _merge_away(leads: list[int], capture) -> None:
    keeper = Lead.objects.create(phone_hash="keeper-hash", phone="+8613700009399")
    for lead_id in leads:
        with capture(execute=True):
            lead_merge(keep_id=keeper.pk, drop_id=lead_id)


@pytest.mark.parametrize("mode", ["contact_way", "temp", "acquisition_link", ""])
@pytest.mark.parametrize("gone", [_withdraw, _merge_away], ids=["withdrawn", "merged"])
@responses.activate
def test_a_known_and_a_new_phones_pages_stay_alike_after_the_lead_goes(
    client, mode: str, gone: Callable, django_capture_on_commit_callbacks
) -> None:
    # given a patient known by phone, and WeCom in `mode` (or none)
    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.wecom_qr_url = STATIC
    landing.assistant.save()
    _wecom(mode)
    own = client.post("/lp/hair-loss/", form_data(idem="wd-own", phone=PATIENT))
    client.get(own["Location"])  # the patient's own page: their verified code
    # when a visitor submits a phone never seen, and another the patient's phone
    new = client.post("/lp/hair-loss/", form_data(idem="wd-new", phone=STRANGER))["Location"]
    known = client.post("/lp/hair-loss/", form_data(idem="wd-known", phone=PATIENT))["Location"]
    assert Lead.objects.count() == 2
    before = {
        (kind, ua): _page(client, where, phone=ua)
        for kind, where in (("new", new), ("known", known))
        for ua in (True, False)
    }

    # then the two pages look the same, on a phone and on a desktop
    for ua in (True, False):
        assert before[("new", ua)] == before[("known", ua)]
    expected = "STATIC" if not mode else "CODE"
    assert expected in before[("new", True)]

    # when the owner of each phone withdraws (or staff merge each lead into another)
    gone(list(Lead.objects.values_list("pk", flat=True)), django_capture_on_commit_callbacks)

    # then the two pages still look the same: neither shows a code made for the lead or the
    # submission any more (the member's static code instead), and nothing else differs
    after = {
        (kind, ua): _page(client, where, phone=ua)
        for kind, where in (("new", new), ("known", known))
        for ua in (True, False)
    }
    for ua in (True, False):
        assert after[("new", ua)] == after[("known", ua)]
        assert "CODE" not in after[("new", ua)]
        assert "STATIC" in after[("new", ua)]
    assert 'data-testid="contact-link"' not in after[("known", True)]
    # the known phone's unverified code stays for the add it may still bring (a staff hint)
    if mode in ("contact_way", "temp"):
        assert WecomContactWay.objects.filter(verified=False).count() == 1
