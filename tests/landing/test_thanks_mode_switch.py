"""Issue 13 point 1, F1: switching the account's contact mode must not make a code kept from the
earlier mode show in the new one. A kept 联系我 row's state became a 获客链接's visible
`customer_channel` (a new phone's `yl`+lead id, a known phone's `yu…`), and a kept 获客链接
row's URL became a contact-way page's QR `<img src>` (a broken image)."""

from __future__ import annotations

import html
import re

import pytest
import responses

from channels.wecom.models import WecomAccount
from tests.landing.conftest import build_landing, form_data
from tests.landing.test_thanks_withdrawal import PATIENT, PHONE_UA, STATIC, STRANGER, _seen, _wecom

pytestmark = pytest.mark.django_db

MODES = ["contact_way", "temp", "acquisition_link"]
QR_IMAGE = "https://wework.qpic.cn/wwpic/contact-way-qr/"  # what the fake add_contact_way makes


def _raw(client, location: str, *, phone: bool) -> str:
    agent = {"HTTP_USER_AGENT": PHONE_UA} if phone else {}
    response = client.get(location, **agent)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _qr_src(body: str) -> str:
    return re.search(r'<img class="lp-qr" src="([^"]+)"[^>]*data-testid="assistant-qr"', body)[1]


@pytest.mark.parametrize("after", MODES)
@pytest.mark.parametrize("before", MODES)
@responses.activate
def test_a_mode_switch_shows_only_codes_of_the_new_mode_alike_for_new_and_known_phones(
    client, before: str, after: str
) -> None:
    # given a patient known by phone, and WeCom in mode `before`
    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.wecom_qr_url = STATIC
    landing.assistant.save()
    _wecom(before)
    own = client.post("/lp/hair-loss/", form_data(idem="sw-own", phone=PATIENT))
    client.get(own["Location"])
    # and a new phone's and a known phone's pages seen in that mode (their codes are kept)
    new = client.post("/lp/hair-loss/", form_data(idem="sw-new", phone=STRANGER))["Location"]
    known = client.post("/lp/hair-loss/", form_data(idem="sw-known", phone=PATIENT))["Location"]
    shown = {
        kind: _qr_src(_raw(client, where, phone=ua))
        for kind, where in (("new", new), ("known", known))
        for ua in (True, False)
    }

    # when the account switches to mode `after`
    account = WecomAccount.objects.get()
    account.settings = {**account.settings, "contact_mode": after}
    account.save()

    # then both pages show a code of the new mode, and look the same
    pages = {
        (kind, ua): _raw(client, where, phone=ua)
        for kind, where in (("new", new), ("known", known))
        for ua in (True, False)
    }
    for (kind, ua), body in pages.items():
        if after == "acquisition_link":
            assert _qr_src(body).startswith("data:image/svg+xml;base64,"), kind
            if ua:
                channels = re.findall(r"customer_channel=([^\"'&<\s]+)", body)
                assert channels, kind
                assert all(c.startswith("yc") for c in channels), (kind, channels)
        else:
            assert _qr_src(body).startswith(QR_IMAGE), (kind, _qr_src(body))
            assert 'data-testid="contact-link"' not in body
            if before != after:  # a temporary code is not shown as a permanent one, nor back
                assert _qr_src(body) != shown[kind], kind
    for ua in (True, False):
        assert _seen(pages[("new", ua)]) == _seen(pages[("known", ua)])
