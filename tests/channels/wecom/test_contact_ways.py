"""Attributed contact codes (issue 16 point 2): the thank-you and care-plan pages show a 联系我
code made for the lead (`add_contact_way`, state naming the lead), so the patient's add moves
the lead by itself; without WeCom (or when it fails) the member's static code is shown."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.cache import cache
from django.utils import timezone

from channels.wecom.contactways import TEMP_EXPIRES_SECONDS, channel_lead, contact_code_for
from channels.wecom.models import WecomContact, WecomContactWay
from channels.wecom.services import wecom_account_create
from channels.wecom.state import lead_from_state
from funnel.models import Lead, Stage
from funnel.services.pii import consent_withdraw
from tests.channels.conftest import drain
from tests.channels.test_e2e_sandbox import our_server  # noqa: F401  (fixture)
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN
from tests.landing.conftest import build_landing, form_data

BASE = "https://wecom.test"
WAY_URL = f"{BASE}/cgi-bin/externalcontact/add_contact_way"
QR = "https://wework.qpic.cn/wwpic/contact-way-qr/0"


def _account(base: str = BASE, **settings_):
    cache.clear()
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=base,
    )
    if settings_:
        account.settings = settings_
        account.save()
    return account


def _token() -> None:
    responses.get(
        f"{BASE}/cgi-bin/gettoken", json={"errcode": 0, "access_token": "T", "expires_in": 7200}
    )


@pytest.fixture
def routed(client, db, settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.wecom_qr_url = "https://work.weixin.qq.com/ca/static-lin"
    landing.assistant.save()
    return landing


def _thanks(client) -> str:
    sent = client.post("/lp/hair-loss/", form_data(idem="cw-1"))
    assert sent.status_code == 302
    return client.get(sent["Location"]).content.decode()


@responses.activate
def test_the_thank_you_page_shows_a_code_made_for_the_lead_once(client, routed):
    _account()
    _token()
    way = responses.post(WAY_URL, json={"errcode": 0, "config_id": "cfg-1", "qr_code": QR})

    body = _thanks(client)
    again = client.get(client.post("/lp/hair-loss/", form_data(idem="cw-1"))["Location"])

    lead = Lead.objects.get()
    assert QR in body
    assert QR in again.content.decode()
    assert way.call_count == 1  # made once, kept (a lost config_id cannot be listed back)
    sent = json.loads(way.calls[0].request.body)
    assert sent["type"] == 1
    assert sent["scene"] == 2
    assert sent["user"] == ["linxiaowen"]
    assert lead_from_state(sent["state"]) == lead.pk
    assert len(sent["state"]) <= 30
    assert "is_temp" not in sent
    assert WecomContactWay.objects.get().config_id == "cfg-1"


@responses.activate
def test_a_temporary_session_account_asks_for_single_use_codes(client, routed):
    _account(contact_mode="temp")
    _token()
    way = responses.post(WAY_URL, json={"errcode": 0, "config_id": "cfg-t", "qr_code": QR})
    _thanks(client)
    sent = json.loads(way.calls[0].request.body)
    assert sent["is_temp"] is True
    assert sent["expires_in"] == 7 * 24 * 3600
    assert WecomContactWay.objects.get().is_temp is True


QR2 = "https://wework.qpic.cn/wwpic/contact-way-qr/2"


def _two_codes() -> responses.BaseResponse:
    """add_contact_way answering cfg-1/QR, then cfg-2/QR2."""
    first = responses.post(WAY_URL, json={"errcode": 0, "config_id": "cfg-1", "qr_code": QR})
    responses.post(WAY_URL, json={"errcode": 0, "config_id": "cfg-2", "qr_code": QR2})
    return first


def _added_through(way: WecomContactWay, at) -> None:
    """The patient's add through `way` (what `_contact_added` keeps: the way's state, the
    add's time and when we wrote it)."""
    WecomContact.objects.create(
        account=way.account,
        lead=way.lead,
        member_userid=way.member_userid,
        external_userid="wmPatient01",
        external_key="k-patient-01",
        state=way.state,
        added_at=at,
        add_recorded_at=timezone.now(),
    )


def _way_calls() -> list[dict]:
    return [
        json.loads(c.request.body)
        for c in responses.calls
        if c.request.url.split("?")[0] == WAY_URL
    ]


@responses.activate
def test_a_used_temporary_code_is_replaced_on_the_next_view(client, routed):
    _account(contact_mode="temp")
    _token()
    _two_codes()
    _thanks(client)
    lead, way = Lead.objects.get(), WecomContactWay.objects.get()
    _added_through(way, timezone.now())

    code = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")
    again = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")

    assert code is not None
    assert code.image_url == QR2
    assert code.is_temp
    assert again == code  # the fresh code is kept until it is used or expires in turn
    sent = _way_calls()
    assert len(sent) == 2
    assert sent[1]["is_temp"] is True
    assert lead_from_state(sent[1]["state"]) == lead.pk
    assert WecomContactWay.objects.get().config_id == "cfg-2"


@responses.activate
def test_an_add_from_before_the_temporary_code_does_not_use_it(client, routed):
    # The patient added through an older code of the lead (same state), long before this one.
    _account(contact_mode="temp")
    _token()
    _two_codes()
    _thanks(client)
    lead, way = Lead.objects.get(), WecomContactWay.objects.get()
    _added_through(way, way.created_at - dt.timedelta(hours=1))

    code = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")

    assert code is not None
    assert code.image_url == QR
    assert len(_way_calls()) == 1


@responses.activate
def test_an_expired_temporary_code_is_replaced(client, routed):
    _account(contact_mode="temp")
    _token()
    _two_codes()
    _thanks(client)
    lead = Lead.objects.get()
    WecomContactWay.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=TEMP_EXPIRES_SECONDS)
    )

    code = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")

    assert code is not None
    assert code.image_url == QR2
    assert len(_way_calls()) == 2
    assert WecomContactWay.objects.get().config_id == "cfg-2"


@responses.activate
def test_a_fresh_temporary_code_is_kept(client, routed):
    _account(contact_mode="temp")
    _token()
    _two_codes()
    _thanks(client)
    lead = Lead.objects.get()
    WecomContactWay.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=TEMP_EXPIRES_SECONDS // 2)
    )

    code = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")

    assert code is not None
    assert code.image_url == QR
    assert len(_way_calls()) == 1


@responses.activate
def test_a_permanent_code_is_kept_even_used_and_old(client, routed):
    _account()
    _token()
    _two_codes()
    _thanks(client)
    lead, way = Lead.objects.get(), WecomContactWay.objects.get()
    _added_through(way, timezone.now())
    WecomContactWay.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=2 * TEMP_EXPIRES_SECONDS)
    )

    code = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")

    assert code is not None
    assert code.image_url == QR
    assert not code.is_temp
    assert len(_way_calls()) == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"errcode": 41054, "errmsg": "user not active"}},
        {"status": 502, "body": "bad gateway"},
        {"json": {"errcode": 0, "config_id": "cfg-x", "qr_code": "javascript:alert(1)"}},
        {"json": {"errcode": 0, "config_id": "cfg-h", "qr_code": "http://evil.example/q.png"}},
        {"json": {"errcode": 0, "qr_code": QR}},  # no config_id
        {"status": 302, "headers": {"Location": "https://evil.example/"}},
    ],
    ids=["refused", "5xx", "hostile-qr", "plain-http-qr", "no-config-id", "redirect"],
)
@responses.activate
def test_a_failing_wecom_falls_back_to_the_static_code_and_keeps_nothing(client, routed, answer):
    _account()
    _token()
    responses.post(WAY_URL, **answer)

    body = _thanks(client)

    assert 'data-testid="assistant-qr"' in body
    assert 'src="data:image/svg+xml;base64,' in body  # the member's static code
    assert "javascript:" not in body
    assert "evil.example" not in body
    assert WecomContactWay.objects.count() == 0


def test_without_wecom_the_static_code_is_shown(client, routed):
    body = _thanks(client)
    assert 'src="data:image/svg+xml;base64,' in body
    assert WecomContactWay.objects.count() == 0


@responses.activate
def test_withdrawal_forgets_the_codes_and_deletes_them_at_wecom(
    client, routed, django_capture_on_commit_callbacks
):
    _account()
    _token()
    responses.post(WAY_URL, json={"errcode": 0, "config_id": "cfg-w", "qr_code": QR})
    delete = responses.post(f"{BASE}/cgi-bin/externalcontact/del_contact_way", json={"errcode": 0})
    _thanks(client)
    lead = Lead.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(lead_id=lead.pk, actor_label="患者本人")

    assert WecomContactWay.objects.count() == 0
    assert json.loads(delete.calls[0].request.body) == {"config_id": "cfg-w"}
    # and no new code names the withdrawn person
    assert contact_code_for(lead_id=lead.pk, member_userid="linxiaowen") is None
    assert len(responses.calls) == 3  # token, add, del: nothing more


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scanning_the_code_moves_the_lead_by_itself(client, sandbox, our_server, settings):  # noqa: F811
    """The whole path on the sandbox: page → add_contact_way → the patient scans → WeCom's
    encrypted add event → the lead reaches 已加微, bound to the member."""
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    _state, base = sandbox
    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.save()
    account = _account(base)
    configured = requests.post(
        f"{base}/sandbox/wecom",
        json={
            "action": "configure",
            "target": f"{our_server}/channels/hooks/wecom/{account.name}/",
            "token": TOKEN,
            "aes_key": AES_KEY,
            "corp_id": CORP_ID,
        },
        timeout=30,
    ).json()
    assert configured["ok"] is True

    body = _thanks(client)
    way = WecomContactWay.objects.get()
    assert f'src="{way.qr_code}"' in body
    image = requests.get(way.qr_code, timeout=10)
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/svg+xml"

    scanned = requests.get(f"{base}/sandbox/wecom/scan/latest", timeout=30)
    assert scanned.status_code == 200, scanned.text
    drain()

    lead = Lead.objects.get()
    assert lead.stage == Stage.CONTACTED
    contact = WecomContact.objects.get()
    assert (contact.lead_id, contact.member_userid) == (lead.pk, "linxiaowen")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scanning_the_code_brings_the_welcome_with_the_consent_notice(
    client,
    sandbox,
    our_server,  # noqa: F811
    settings,
):
    """page → code → the patient scans → the add event → the welcome message reaches WeCom
    (the sandbox) with the event's code, within its 20 s, with the template and the notice."""
    from channels.wecom.models import WecomWelcome, WecomWelcomeTemplate

    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    _state, base = sandbox
    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.save()
    WecomWelcomeTemplate.objects.create(
        specialty=landing.specialty, text="您好，我是林晓雯，已收到您的咨询，稍后为您安排医生答疑。"
    )
    account = _account(base)
    configured = requests.post(
        f"{base}/sandbox/wecom",
        json={
            "action": "configure",
            "target": f"{our_server}/channels/hooks/wecom/{account.name}/",
            "token": TOKEN,
            "aes_key": AES_KEY,
            "corp_id": CORP_ID,
        },
        timeout=30,
    ).json()
    assert configured["ok"] is True
    _thanks(client)

    scanned = requests.get(f"{base}/sandbox/wecom/scan/latest", timeout=30)
    assert scanned.status_code == 200, scanned.text
    drain()  # with Redis the intake task waits in the queue; embedded, it already ran

    welcomes = requests.post(f"{base}/sandbox/wecom", json={"action": "welcomes"}, timeout=30)
    (message,) = welcomes.json()["welcomes"]
    assert message["userid"] == "linxiaowen"
    assert message["content"].startswith("您好，我是林晓雯")
    assert "【个人信息告知】" in message["content"]
    assert "撤回授权" in message["content"]
    lead = Lead.objects.get()
    assert f"授权文本版本 {lead.consent_version}" in message["content"]
    assert WecomWelcome.objects.get().status == WecomWelcome.Status.SENT


LINK_URL = f"{BASE}/cgi-bin/externalcontact/customer_acquisition/create_link"
CA = "https://work.weixin.qq.com/ca/cawcde1234567890"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47"


@responses.activate
def test_an_acquisition_link_account_gives_phones_a_link_carrying_the_lead(client, routed):
    _account(contact_mode="acquisition_link")
    _token()
    made = responses.post(LINK_URL, json={"errcode": 0, "link": {"link_id": "cal-1", "url": CA}})

    sent = client.post("/lp/hair-loss/", form_data(idem="cw-link"))
    on_phone = client.get(sent["Location"], HTTP_USER_AGENT=PHONE_UA).content.decode()
    on_desktop = client.get(sent["Location"]).content.decode()

    lead = Lead.objects.get()
    match = re.search(r'data-testid="contact-link"', on_phone)
    assert match is not None
    href = re.search(r'href="([^"]+)"[^>]*data-testid="contact-link"', on_phone).group(1)
    query = parse_qs(urlsplit(html.unescape(href)).query)
    assert html.unescape(href).startswith(CA + "?")
    channel = query["customer_channel"][0]
    # opaque: neither the lead id nor whether it binds can be read off the URL
    assert channel.startswith("yc")
    assert lead_from_state(channel) is None
    account = WecomContactWay.objects.get().account
    assert channel_lead(account=account, state=channel) == lead.pk
    # a desktop gets the QR of that link, no button
    assert 'data-testid="contact-link"' not in on_desktop
    assert 'src="data:image/svg+xml;base64,' in on_desktop
    # one link per member, made once, shared by every lead
    assert made.call_count == 1
    body = json.loads(made.calls[0].request.body)
    assert body["range"] == {"user_list": ["linxiaowen"]}
    second = client.post("/lp/hair-loss/", form_data(idem="cw-link2", phone="13700002222"))
    client.get(second["Location"], HTTP_USER_AGENT=PHONE_UA)
    assert made.call_count == 1


@pytest.mark.parametrize(
    "link",
    [
        {"link_id": "x", "url": "https://evil.example/ca/x"},
        {"link_id": "x", "url": "http://work.weixin.qq.com/ca/x"},
        {"link_id": "x", "url": "https://work.weixin.qq.com/ca/x?customer_channel=someone"},
        {"link_id": "x", "url": "javascript:alert(1)"},
        {"url": CA},
    ],
    ids=["foreign-host", "plain-http", "own-query", "script", "no-link-id"],
)
@responses.activate
def test_a_link_we_would_not_show_falls_back_to_the_static_code(client, routed, link):
    account = _account(contact_mode="acquisition_link")
    _token()
    responses.post(LINK_URL, json={"errcode": 0, "link": link})

    sent = client.post("/lp/hair-loss/", form_data(idem="cw-bad"))
    body = client.get(sent["Location"], HTTP_USER_AGENT=PHONE_UA).content.decode()

    assert 'data-testid="contact-link"' not in body
    assert "evil.example" not in body and "javascript:" not in body  # noqa: PT018
    account.refresh_from_db()
    assert "acquisition_links" not in account.settings


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_opening_the_link_moves_the_lead_by_itself(client, sandbox, our_server, settings):  # noqa: F811
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    _state, base = sandbox
    landing = build_landing()
    landing.assistant.wecom_userid = "linxiaowen"
    landing.assistant.save()
    account = _account(base, contact_mode="acquisition_link")
    requests.post(
        f"{base}/sandbox/wecom",
        json={
            "action": "configure",
            "target": f"{our_server}/channels/hooks/wecom/{account.name}/",
            "token": TOKEN,
            "aes_key": AES_KEY,
            "corp_id": CORP_ID,
        },
        timeout=30,
    )
    sent = client.post("/lp/hair-loss/", form_data(idem="cw-e2e-link"))
    body = client.get(sent["Location"], HTTP_USER_AGENT=PHONE_UA).content.decode()
    href = html.unescape(re.search(r'href="([^"]+)"[^>]*data-testid="contact-link"', body).group(1))

    opened = requests.get(href, timeout=30)
    assert opened.status_code == 200, opened.text
    drain()

    lead = Lead.objects.get()
    assert lead.stage == Stage.CONTACTED
    assert WecomContact.objects.get().lead_id == lead.pk


@responses.activate
def test_a_known_phones_code_never_binds_by_itself(client, routed, post_event):
    """Review of issue 13 point 1: typing a patient's phone on a form must not earn a code that
    binds the scanner to the patient (the welcome would carry the care-plan link)."""
    from channels.wecom.contactways import unverified_way
    from channels.wecom.state import lead_from_state
    from tests.channels.wecom.conftest import event_xml

    _account()
    _token()
    way = responses.post(
        WAY_URL,
        json={"errcode": 0, "config_id": "cfg-k", "qr_code": QR},
    )
    first = client.post("/lp/hair-loss/", form_data(idem="cw-k1"))
    client.get(first["Location"])  # the patient's own page: a code that binds
    again = client.post("/lp/hair-loss/", form_data(idem="cw-k2"))  # same phone: known
    client.get(again["Location"])

    lead = Lead.objects.get()
    states = [json.loads(c.request.body)["state"] for c in way.calls]
    assert len(states) == 2
    assert lead_from_state(states[0]) == lead.pk
    assert lead_from_state(states[1]) is None
    account = WecomContactWay.objects.first().account
    assert unverified_way(account=account, state=states[1]).lead_id == lead.pk  # a staff hint
    # opaque: the state names nobody (no lead id, no signature over one)
    assert re.fullmatch(r"yu[0-9a-f]{16}", states[1])
    # an add through the known phone's code stays unmatched
    post_event(event_xml(State=states[1], UserID="linxiaowen", ExternalUserID="wmSCANNER"))
    drain()
    assert WecomContact.objects.get().lead_id is None


@responses.activate
def test_each_submission_of_a_known_phone_gets_its_own_code(client, routed):
    """Re-review of issue 13 point 1: a new phone's first and second submissions show two
    codes; a known phone's must too, or submitting twice tells it was known."""
    _account()
    _token()
    configs = iter(f"cfg-{i}" for i in range(10))
    responses.add_callback(
        responses.POST,
        WAY_URL,
        callback=lambda request: (
            200,
            {},
            json.dumps({"errcode": 0, "config_id": next(configs), "qr_code": QR}),
        ),
    )
    shown = []
    for i in range(3):
        sent = client.post("/lp/hair-loss/", form_data(idem=f"cw-n{i}"))
        shown.append(client.get(sent["Location"]).content.decode())
        # a reload shows that submission's code again
        assert client.get(sent["Location"]).content.decode() == shown[-1]

    ways = list(WecomContactWay.objects.order_by("pk"))
    assert [w.verified for w in ways] == [True, False, False]
    assert len({w.config_id for w in ways}) == 3
    assert len({w.submission for w in ways if not w.verified}) == 2


@responses.activate
def test_a_known_phones_welcome_is_the_one_a_new_phone_gets(
    client, routed, post_event, make_lead, django_capture_on_commit_callbacks
):
    """Re-review of issue 13 point 1: scanning a never-seen phone's code brought the clinic's
    welcome within seconds and a known phone's none. Both now get the same message: the
    template of the page's specialty and the notice with the consent text the page showed —
    never the known person's specialty, care-plan link or older consent version."""
    from channels.wecom.models import WecomWelcome, WecomWelcomeTemplate
    from landing.models import CarePlan
    from tests.channels.wecom.conftest import event_xml
    from tests.funnel.factories import SpecialtyFactory
    from tests.landing.conftest import CONSENT_V1

    _account()
    _token()
    configs = iter(f"cfg-w{i}" for i in range(10))
    responses.add_callback(
        responses.POST,
        WAY_URL,
        callback=lambda request: (
            200,
            {},
            json.dumps({"errcode": 0, "config_id": next(configs), "qr_code": QR}),
        ),
    )
    sent = responses.post(
        f"{BASE}/cgi-bin/externalcontact/send_welcome_msg", json={"errcode": 0, "errmsg": "ok"}
    )
    WecomWelcomeTemplate.objects.create(
        specialty=routed.specialty, text="您好，我是脱发门诊医助林晓雯，稍后为您安排医生答疑。"
    )
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，欢迎咨询。")
    # A patient the clinic knows: another specialty (own template), a care plan, an older text.
    SpecialtyFactory(slug="insomnia", name="失眠")
    patient = make_lead(phone="13700001111", specialty="insomnia")
    assert patient.specialty_id is not None
    WecomWelcomeTemplate.objects.create(specialty=patient.specialty, text="失眠门诊欢迎您。")
    CarePlan.objects.create(lead=patient, title="失眠 8 周计划")
    Lead.objects.filter(pk=patient.pk).update(consent_version="old-2025")

    states = []
    for idem, phone in (("w-new", "13600001111"), ("w-known", "13700001111")):
        thanks = client.post("/lp/hair-loss/", form_data(idem=idem, phone=phone))
        assert client.get(thanks["Location"]).status_code == 200
        states.append(json.loads(responses.calls[-1].request.body)["state"])
    for state, who, code in ((states[0], "wmNEW", "W-NEW"), (states[1], "wmATTACKER", "W-ATT")):
        xml = event_xml(State=state, UserID="linxiaowen", ExternalUserID=who, WelcomeCode=code)
        assert post_event(xml).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            drain()

    new, known = (json.loads(c.request.body) for c in sent.calls)
    assert (new["welcome_code"], known["welcome_code"]) == ("W-NEW", "W-ATT")
    assert new["text"] == known["text"]
    text = known["text"]["content"]
    assert text.startswith("您好，我是脱发门诊医助林晓雯")
    assert f"授权文本版本 {CONSENT_V1}" in text
    assert "失眠" not in text and "/h5/plan/" not in text and "old-2025" not in text  # noqa: PT018
    # the known phone's add stays unmatched; its welcome row names no lead, no timeline note
    from channels.wecom.services import external_key

    assert WecomContact.objects.get(external_key=external_key("wmATTACKER")).lead_id is None
    unmatched = WecomWelcome.objects.get(lead__isnull=True)
    assert unmatched.status == WecomWelcome.Status.SENT
    patient.refresh_from_db()
    assert patient.stage != Stage.CONTACTED


@responses.activate
def test_a_used_temporary_code_is_renewed_for_known_and_new_phones_alike(
    client, routed, post_event
):
    """Re-review of issue 13 point 1: in temp mode a new phone's page showed a fresh code
    after the scan and a known phone's kept its used (dead) code, which told them apart."""
    from tests.channels.wecom.conftest import event_xml

    _account(contact_mode="temp")
    _token()
    made = iter(range(1, 20))

    def answer(request):
        n = next(made)
        qr = f"https://wework.qpic.cn/wwpic/contact-way-qr/t{n}"
        return 200, {}, json.dumps({"errcode": 0, "config_id": f"cfg-t{n}", "qr_code": qr})

    responses.add_callback(responses.POST, WAY_URL, callback=answer)

    def qr_of(body: str) -> str:
        return re.search(r'src="(https://wework\.qpic\.cn/[^"]+)"', body).group(1)

    client.post("/lp/hair-loss/", form_data(idem="t-known-0", phone="13700008888"))  # known
    for idem, phone, who in (("t-new", "13700009999", "wmN"), ("t-known", "13700008888", "wmK")):
        location = client.post("/lp/hair-loss/", form_data(idem=idem, phone=phone))["Location"]
        before = qr_of(client.get(location).content.decode())
        state = _way_calls()[-1]["state"]
        xml = event_xml(State=state, UserID="linxiaowen", ExternalUserID=who, WelcomeCode="")
        assert post_event(xml).status_code == 200
        drain()
        after = qr_of(client.get(location).content.decode())
        assert after != before, phone  # the used code is replaced on the next view
        assert qr_of(client.get(location).content.decode()) == after  # and then kept


def _known_phone_code(client) -> WecomContactWay:
    """A temporary code shown to a second submission of a known phone (unverified, `yu…`)."""
    first = client.post("/lp/hair-loss/", form_data(idem="cw-u1"))
    client.get(first["Location"])
    again = client.post("/lp/hair-loss/", form_data(idem="cw-u2"))
    client.get(again["Location"])
    return WecomContactWay.objects.get(verified=False)


@responses.activate
def test_an_expired_unverified_temporary_code_is_renewed(client, routed):
    _account(contact_mode="temp")
    _token()
    configs = iter(f"cfg-{i}" for i in range(10))
    responses.add_callback(
        responses.POST,
        WAY_URL,
        callback=lambda request: (
            200,
            {},
            json.dumps({"errcode": 0, "config_id": next(configs), "qr_code": QR}),
        ),
    )
    way = _known_phone_code(client)
    WecomContactWay.objects.filter(pk=way.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=TEMP_EXPIRES_SECONDS)
    )

    contact_code_for(
        lead_id=way.lead_id, member_userid="linxiaowen", verified=False, submission=way.submission
    )

    current = WecomContactWay.objects.get(verified=False, submission=way.submission)
    assert current.config_id != way.config_id
    # the expired code's row stays out of the submission's slot (its hint for staff)
    assert WecomContactWay.objects.filter(verified=False).count() == 2


@responses.activate
def test_a_leads_temporary_code_used_by_a_stranger_is_renewed_too(client, routed, post_event):
    """Review of issue 16 point 3 (the same kind): a shared screenshot of the patient's own
    temporary code, scanned by someone else, stays unmatched (one person per lead) — and the
    single-use code is spent all the same: the patient's page shows a fresh one."""
    from tests.channels.wecom.conftest import event_xml

    _account(contact_mode="temp")
    _token()
    _two_codes()
    _thanks(client)
    lead, way = Lead.objects.get(), WecomContactWay.objects.get()
    _added_through(way, timezone.now() - dt.timedelta(hours=2))  # the patient, earlier code
    WecomContact.objects.update(added_at=way.created_at - dt.timedelta(hours=1))
    post_event(event_xml(State=way.state, UserID="linxiaowen", ExternalUserID="wmSTRANGER"))
    drain()
    assert WecomContact.objects.filter(lead__isnull=True).count() == 1  # the stranger

    code = contact_code_for(lead_id=lead.pk, member_userid="linxiaowen")

    assert code is not None
    assert code.image_url == QR2


@responses.activate
def test_a_renewed_unverified_code_keeps_its_hint_for_staff(client, routed, post_event):
    """Third review: in temp mode the reload that renewed a known phone's used code deleted
    its row, and the supervisor lost the hint for the add waiting behind it."""
    from channels.wecom.contactways import unverified_way
    from tests.channels.wecom.conftest import event_xml

    account = _account(contact_mode="temp")
    _token()
    made = iter(range(1, 20))
    responses.add_callback(
        responses.POST,
        WAY_URL,
        callback=lambda request: (
            200,
            {},
            json.dumps({"errcode": 0, "config_id": f"cfg-h{next(made)}", "qr_code": QR}),
        ),
    )
    client.post("/lp/hair-loss/", form_data(idem="h-0", phone="13700008811"))  # the patient
    location = client.post("/lp/hair-loss/", form_data(idem="h-1", phone="13700008811"))["Location"]
    client.get(location)
    state = _way_calls()[-1]["state"]
    assert (
        post_event(event_xml(State=state, UserID="linxiaowen", WelcomeCode="")).status_code == 200
    )
    drain()
    client.get(location)  # renewed
    assert _way_calls()[-1]["state"] != state
    hint = unverified_way(account=account, state=state)
    assert hint is not None
    assert hint.lead_id == Lead.objects.get().pk


@responses.activate
def test_after_a_withdrawal_the_page_of_whoever_typed_the_phone_shows_no_code(client, routed):
    """Third review: withdrawing a patient deleted the unverified codes shown to whoever had
    typed their phone. Issue 13 point 1, W1: a new phone's page loses its code when its owner
    withdraws, so a known phone's page must lose its unverified code too (both show the
    member's static code); the row stays (the hint for an add already made through it).
    The whole pages are compared in tests/landing/test_thanks_withdrawal.py."""
    _account()
    _token()
    made = iter(range(1, 20))

    def answer(request):
        n = next(made)
        qr = f"https://wework.qpic.cn/wwpic/contact-way-qr/w{n}"
        return 200, {}, json.dumps({"errcode": 0, "config_id": f"cfg-w{n}", "qr_code": qr})

    responses.add_callback(responses.POST, WAY_URL, callback=answer)
    deleted = responses.post(f"{BASE}/cgi-bin/externalcontact/del_contact_way", json={"errcode": 0})
    own = client.post("/lp/hair-loss/", form_data(idem="wd-0", phone="13700008822"))
    client.get(own["Location"])  # the patient's own page: their (verified) code
    patient = Lead.objects.get()
    location = client.post("/lp/hair-loss/", form_data(idem="wd-1", phone="13700008822"))[
        "Location"
    ]
    before = client.get(location).content.decode()
    consent_withdraw(lead_id=patient.pk, actor_label="患者本人")
    after = client.get(location).content.decode()

    qr = re.compile(r'src="([^"]+)"')
    assert qr.findall(before)[0].startswith("https://wework.qpic.cn/")
    assert qr.findall(after)[0].startswith("data:image/svg+xml;base64,")  # the static code
    assert WecomContactWay.objects.filter(verified=False).count() == 1
    # the patient's own (verified) code names them: it goes (at WeCom after the commit)
    assert not WecomContactWay.objects.filter(verified=True).exists()
    assert deleted.call_count == 0  # only after the commit (the next test runs it)


@responses.activate
def test_a_withdrawal_deletes_the_new_and_the_known_phones_codes_at_wecom_alike(
    client, routed, django_capture_on_commit_callbacks
):
    """F2 of issue 13 point 1: after the owners withdrew, the new phone's code was deleted at
    WeCom and the known phone's unverified one kept working, so scanning a saved QR told them
    apart. Both are deleted now; the unverified row stays as the staff hint, marked deleted."""
    from channels.wecom.contactways import DELETED_CONFIG, contact_ways_delete

    _account()
    _token()
    made = iter(range(1, 20))

    def answer(request):
        n = next(made)
        qr = f"https://wework.qpic.cn/wwpic/contact-way-qr/d{n}"
        return 200, {}, json.dumps({"errcode": 0, "config_id": f"cfg-d{n}", "qr_code": qr})

    responses.add_callback(responses.POST, WAY_URL, callback=answer)
    deleted = responses.post(f"{BASE}/cgi-bin/externalcontact/del_contact_way", json={"errcode": 0})
    # given a patient known by phone, a new phone's page and a known phone's page, each seen
    client.post("/lp/hair-loss/", form_data(idem="dd-0", phone="13700008822"))
    patient = Lead.objects.get()
    for idem, phone in (("dd-new", "13700009911"), ("dd-known", "13700008822")):
        client.get(client.post("/lp/hair-loss/", form_data(idem=idem, phone=phone))["Location"])
    new_code = WecomContactWay.objects.get(verified=True).config_id
    known_code = WecomContactWay.objects.get(verified=False).config_id
    newcomer = Lead.objects.exclude(pk=patient.pk).get()

    # when both owners withdraw
    for lead in (newcomer, patient):
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(lead_id=lead.pk, actor_label="患者本人")

    # then WeCom was asked to delete both codes, once each
    asked = sorted(json.loads(call.request.body)["config_id"] for call in deleted.calls)
    assert asked == sorted([new_code, known_code])
    # the verified row is gone, the unverified one stays as the hint, marked deleted
    assert not WecomContactWay.objects.filter(verified=True).exists()
    hint = WecomContactWay.objects.get(verified=False)
    assert (hint.lead_id, hint.config_id) == (patient.pk, DELETED_CONFIG)
    # and running the wiper again asks WeCom nothing more
    with django_capture_on_commit_callbacks(execute=True):
        contact_ways_delete(patient.pk)
    assert deleted.call_count == 2


# ---- T1 (issue 13 point 1): only an add spends a temporary code, not a rewrite of its contact


def _temp_codes() -> None:
    """temp mode, every add_contact_way answering its own config id and image URL."""
    _account(contact_mode="temp")
    _token()
    made = iter(range(1, 50))

    def answer(request):
        n = next(made)
        qr = f"https://wework.qpic.cn/wwpic/contact-way-qr/r{n}"
        return 200, {}, json.dumps({"errcode": 0, "config_id": f"cfg-r{n}", "qr_code": qr})

    responses.add_callback(responses.POST, WAY_URL, callback=answer)


def _qr(client, location: str) -> str:
    body = client.get(location).content.decode()
    return re.search(r'src="(https://wework\.qpic\.cn/[^"]+)"', body).group(1)


def _event(post_event, change: str, state: str, who: str = "wmPATIENT", ago: int = 0) -> None:
    """WeCom's callback, `ago` seconds back (CreateTime has whole seconds: two events of one
    kind and person in the same second would be one event delivered twice)."""
    import time

    from tests.channels.wecom.conftest import event_xml

    xml = event_xml(
        ChangeType=change,
        State=state,
        UserID="linxiaowen",
        ExternalUserID=who,
        WelcomeCode="",
        CreateTime=str(int(time.time()) - ago),
    )
    assert post_event(xml).status_code == 200
    drain()


def _renewed_after_the_patients_add(client, post_event, change: str = "add_external_contact"):
    """The patient's page shows code A; the patient adds through it (`change`: a full add, or
    a half add the member accepts later) and the next view renews the code to B.
    Returns (page location, state, A's image, B's image)."""
    location = client.post("/lp/hair-loss/", form_data(idem="t1-own"))["Location"]
    first = _qr(client, location)
    state = _way_calls()[-1]["state"]
    _event(post_event, change, state, ago=2)
    fresh = _qr(client, location)
    assert fresh != first  # A was spent by the add
    assert _qr(client, location) == fresh  # and B is kept
    return location, state, first, fresh


def _edit(post_event, state: str) -> None:
    _event(post_event, "edit_external_contact", state)


def _delete(post_event, state: str) -> None:
    _event(post_event, "del_follow_user", state)


def _bind_again(post_event, state: str) -> None:
    from channels.wecom.services import contact_bind

    contact = WecomContact.objects.get()
    contact_bind(contact_id=contact.pk, lead_id=contact.lead_id)


def _transfer(post_event, state: str) -> None:
    """The lead is reassigned and WeCom hands the customer over to the new member
    (`transfer_result` status 1, faked at the HTTP boundary): the old contact is rewritten."""
    from channels.wecom.models import WecomTransfer
    from channels.wecom.transfers import transfers_check
    from funnel.models import LeadEvent

    contact = WecomContact.objects.get()
    now = timezone.now()
    WecomTransfer.objects.create(
        account=contact.account,
        contact=contact,
        lead=contact.lead,
        event=LeadEvent.objects.filter(lead=contact.lead).first(),
        handover_userid="linxiaowen",
        takeover_userid="zhoumin",
        status=WecomTransfer.Status.WAITING,
        requested_at=now,
        next_check_at=now,
    )
    responses.post(
        f"{BASE}/cgi-bin/externalcontact/transfer_result",
        json={
            "errcode": 0,
            "customer": [
                {"external_userid": "wmPATIENT", "status": 1, "takeover_time": int(now.timestamp())}
            ],
            "next_cursor": "",
        },
    )
    assert transfers_check(now=now) == 1
    assert WecomContact.objects.get(pk=contact.pk).status == WecomContact.Status.TRANSFERRED


@pytest.mark.parametrize(
    "rewrite",
    [_edit, _delete, _bind_again, _transfer],
    ids=["edit_external_contact", "del_follow_user", "staff-bind", "transfer"],
)
@responses.activate
def test_a_rewrite_of_the_contact_that_spent_a_code_does_not_spend_its_successor(
    client, routed, post_event, rewrite
):
    """T1 of issue 13 point 1: an edit (or a transfer, a deletion, staff saving the binding)
    rewrote the contact row that spent the previous code (`updated_at` bumped), and inside the
    clock skew that marked the fresh code spent again: every view renewed the code (a quota'd
    call each) and the patient saw a new code on every reload."""
    _temp_codes()
    location, state, _first, fresh = _renewed_after_the_patients_add(client, post_event)
    calls = len(_way_calls())

    rewrite(post_event, state)

    assert _qr(client, location) == fresh
    assert len(_way_calls()) == calls  # no code made for nothing


@responses.activate
def test_the_member_accepting_a_half_add_does_not_spend_the_successor(client, routed, post_event):
    """The patient's scan (a half add: 待通过) spent code A; the member accepting it later is
    the same add, not another one through B."""
    _temp_codes()
    location, state, _first, fresh = _renewed_after_the_patients_add(
        client, post_event, change="add_half_external_contact"
    )
    calls = len(_way_calls())

    _event(post_event, "add_external_contact", state)

    assert WecomContact.objects.get().status == WecomContact.Status.ADDED
    assert _qr(client, location) == fresh
    assert len(_way_calls()) == calls


def _stranger_adds(post_event, state: str) -> None:
    _event(post_event, "add_external_contact", state, who="wmSTRANGER")


def _stranger_half_adds(post_event, state: str) -> None:
    _event(post_event, "add_half_external_contact", state, who="wmSTRANGER")


def _patient_deletes_and_adds_again(post_event, state: str) -> None:
    _event(post_event, "del_follow_user", state, ago=1)
    _event(post_event, "add_external_contact", state)


@pytest.mark.parametrize(
    "add",
    [_stranger_adds, _stranger_half_adds, _patient_deletes_and_adds_again],
    ids=["another-customer", "another-customer-half-add", "patient-re-adds"],
)
@responses.activate
def test_a_genuine_add_through_the_successor_spends_it(client, routed, post_event, add):
    _temp_codes()
    location, state, _first, fresh = _renewed_after_the_patients_add(client, post_event)

    add(post_event, state)

    renewed = _qr(client, location)
    assert renewed != fresh
    assert _qr(client, location) == renewed


@responses.activate
def test_after_a_withdrawal_a_saved_link_welcomes_new_and_known_phones_alike(
    client, routed, post_event, django_capture_on_commit_callbacks
):
    """F2 of issue 13 point 1, 获客链接 mode: the link is the member's, so a saved one still adds
    after the owners withdrew. The new phone's channel then named no code (its row forgotten:
    the default welcome) while the known phone's unverified row still chose the submission's
    specialty and consent version. An unmatched add through a code of an anonymized lead is
    welcomed as one through no code of ours."""
    from channels.wecom.models import WecomWelcomeTemplate
    from tests.channels.wecom.conftest import event_xml

    _account(contact_mode="acquisition_link")
    _token()
    responses.post(LINK_URL, json={"errcode": 0, "link": {"link_id": "cal-1", "url": CA}})
    sent = responses.post(
        f"{BASE}/cgi-bin/externalcontact/send_welcome_msg", json={"errcode": 0, "errmsg": "ok"}
    )
    WecomWelcomeTemplate.objects.create(specialty=routed.specialty, text="脱发门诊欢迎您。")
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，欢迎咨询。")
    # given a patient known by phone, and a new phone's and a known phone's saved links
    client.post("/lp/hair-loss/", form_data(idem="lw-0", phone="13700008822"))
    patient = Lead.objects.get()
    channels = []
    for idem, phone in (("lw-new", "13700009911"), ("lw-known", "13700008822")):
        page = client.get(
            client.post("/lp/hair-loss/", form_data(idem=idem, phone=phone))["Location"],
            HTTP_USER_AGENT=PHONE_UA,
        ).content.decode()
        channels.append(re.search(r"customer_channel=([^\"'&]+)", html.unescape(page))[1])
    newcomer = Lead.objects.exclude(pk=patient.pk).get()
    # when both owners withdraw, then each link is opened and the member added
    for lead in (newcomer, patient):
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(lead_id=lead.pk, actor_label="患者本人")
    for state, who, code in ((channels[0], "wmNEW", "W-NEW"), (channels[1], "wmKNOWN", "W-KN")):
        xml = event_xml(State=state, UserID="linxiaowen", ExternalUserID=who, WelcomeCode=code)
        assert post_event(xml).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            drain()

    # then both get the same welcome: the default one, nothing of the submission's choice
    new, known = (json.loads(c.request.body) for c in sent.calls)
    assert (new["welcome_code"], known["welcome_code"]) == ("W-NEW", "W-KN")
    assert new["text"] == known["text"]
    assert known["text"]["content"].startswith("您好，欢迎咨询。")


@responses.activate
def test_a_deletion_wecom_did_not_confirm_is_finished_by_the_sweep(
    client, routed, django_capture_on_commit_callbacks
):
    """Issue 16 re-check: with WeCom failing (or the withdrawal request's time budget spent)
    the codes stayed live at WeCom and nothing tried again; a withdrawn person's saved QR
    still added them. Now the WeCom sweep finishes every deletion WeCom has not confirmed."""
    from channels.wecom.contactways import DELETED_CONFIG, contact_ways_delete_sweep

    _account()
    _token()
    made = iter(range(1, 20))

    def answer(request):
        n = next(made)
        qr = f"https://wework.qpic.cn/wwpic/contact-way-qr/e{n}"
        return 200, {}, json.dumps({"errcode": 0, "config_id": f"cfg-e{n}", "qr_code": qr})

    responses.add_callback(responses.POST, WAY_URL, callback=answer)
    delete_url = f"{BASE}/cgi-bin/externalcontact/del_contact_way"
    failing = responses.post(delete_url, status=502, body="Bad Gateway")
    # a patient with their own code and a known phone's code
    client.get(
        client.post("/lp/hair-loss/", form_data(idem="de-0", phone="13700008833"))["Location"]
    )
    client.get(
        client.post("/lp/hair-loss/", form_data(idem="de-1", phone="13700008833"))["Location"]
    )
    patient = Lead.objects.get()
    codes = sorted(WecomContactWay.objects.values_list("config_id", flat=True))
    assert len(codes) == 2

    # when they withdraw while WeCom fails
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(lead_id=patient.pk, actor_label="患者本人")
    assert failing.call_count == 2
    pending = WecomContactWay.objects.filter(lead=patient, verified=False)
    assert sorted(pending.values_list("config_id", flat=True)) == codes  # kept, not shown

    # then the sweep deletes both once WeCom answers, and asks nothing more after that
    responses.replace(responses.POST, delete_url, json={"errcode": 0})
    assert contact_ways_delete_sweep() == 2
    assert set(pending.values_list("config_id", flat=True)) == {DELETED_CONFIG}
    assert not WecomContactWay.objects.filter(verified=True).exists()
    assert contact_ways_delete_sweep() == 0
