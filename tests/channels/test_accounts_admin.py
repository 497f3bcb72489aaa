"""Accounts (command, schedules, encryption), the admin's fix & replay, postbacks, seed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import responses
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from channels.baidu.postback import logid_url
from channels.models import ChannelAccount
from channels.services.postback import postbacks_for_event
from funnel.models import InboundLead, InboundStatus, Lead, OutboxDelivery, Touchpoint
from funnel.payload import LeadPayload
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.stages import order_record
from landing.models import ConsentText

pytestmark = pytest.mark.django_db


def test_channel_account_add_is_idempotent_and_encrypts_secrets():
    out = io.StringIO()
    args = [
        "channel_account",
        "add",
        "--channel",
        "baidu",
        "--name",
        "bd-1",
        "--advertiser-id",
        "u1",
        "--secret",
        "top-secret",
        "--access-token",
        "tok-1",
    ]
    call_command(*args, stdout=out)
    call_command(*args[:6], "--access-token", "tok-2", stdout=out)
    account = ChannelAccount.objects.get()
    assert out.getvalue().splitlines() == [
        f"created: baidu/bd-1 (id {account.pk})",
        f"updated: baidu/bd-1 (id {account.pk})",
    ]
    assert (account.secret, account.access_token) == ("top-secret", "tok-2")
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM channels_channelaccount")
        assert "top-secret" not in cur.fetchone()[0]
    assert PeriodicTask.objects.filter(args=f"[{account.pk}]").count() == 2


def test_channel_account_add_rejects_unknown_channel_and_creates_nothing():
    with pytest.raises(CommandError):
        call_command("channel_account", "add", "--channel", "weibo", "--name", "x")
    assert ChannelAccount.objects.count() == 0
    assert (
        PeriodicTask.objects.filter(task__in=["channels.pull_leads", "channels.pull_spend"]).count()
        == 0
    )


def test_pull_leads_without_accounts_is_a_clear_error():
    with pytest.raises(CommandError, match="no matching account"):
        call_command("pull_leads", "--channel", "douyin")


def _quarantined(make_account) -> InboundLead:
    account = make_account("douyin", "dy")
    payload = LeadPayload(
        phone="12345", name="张三", channel="douyin", account="dy", consent_required=False
    )
    stored = lead_intake(
        source=IntakeSource(channel="douyin", account=account.name),
        external_id="c1",
        raw={"clue_id": "c1"},
        payload=payload,
    )
    row = InboundLead.objects.get(pk=stored.inbound_id)
    assert (row.status, row.reason) == (InboundStatus.QUARANTINED, "invalid_phone")
    return row


def test_admin_fix_and_replay_turns_a_quarantined_record_into_a_lead(client, make_account):
    # given a quarantined record and a staff user
    row = _quarantined(make_account)
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    # when the queue is opened and the phone fixed
    queue = client.get("/admin/intake/quarantine/")
    old_address = client.get("/admin/channels/quarantine/")
    form = client.get(f"/admin/intake/{row.pk}/replay/")
    response = client.post(f"/admin/intake/{row.pk}/replay/", {"phone": "13800138000"})
    # then the record is processed into a lead
    row.refresh_from_db()
    assert queue.status_code == 200
    assert "invalid_phone" in queue.content.decode()
    assert (old_address.status_code, old_address["Location"]) == (302, "/admin/intake/quarantine/")
    assert form.status_code == 200
    assert response.status_code == 302
    assert row.status == InboundStatus.PROCESSED
    assert Lead.objects.get().phone == "+8613800138000"


def test_admin_replay_that_still_fails_stays_quarantined(client, make_account):
    row = _quarantined(make_account)
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    response = client.post(f"/admin/intake/{row.pk}/replay/", {"phone": "999"})
    row.refresh_from_db()
    assert response.status_code == 200
    assert row.status == InboundStatus.QUARANTINED
    assert Lead.objects.count() == 0


def test_admin_replay_refuses_a_consent_time_in_the_future_on_the_form(client, make_account):
    # Review of issue 14: accepted, then quarantined `consent_time_in_future` by intake.
    row = _quarantined(make_account)
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")

    response = client.post(
        f"/admin/intake/{row.pk}/replay/",
        {
            "phone": "13800138000",
            "consent_version": "health-2026-01",
            "consent_source": "线下义诊纸质授权",
            "consent_at": later,
            "consent_confirmed": "on",
        },
    )

    assert response.status_code == 200
    assert "授权时间不能晚于现在" in response.content.decode()
    row.refresh_from_db()
    assert row.status == InboundStatus.QUARANTINED
    assert Lead.objects.count() == 0


def test_admin_replay_edits_the_attribution_fields_too(client, make_account):
    row = _quarantined(make_account)
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)

    response = client.post(
        f"/admin/intake/{row.pk}/replay/",
        {"phone": "13800138000", "campaign_id": "777", "keyword": "脱发 医院", "concern": "头顶稀"},
    )

    assert response.status_code == 302
    touch = Touchpoint.objects.get()
    assert (touch.campaign_id, touch.keyword) == ("777", "脱发 医院")


def test_admin_lists_render(client, make_account):
    make_account("douyin", "dy")
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    pages = [
        client.get(f"/admin/{p}/")
        for p in (
            "channels/accounts",
            "channels/checkpoints",
            "funnel/inbound",
            "funnel/spend",
            "funnel/outbox",
        )
    ]
    assert [p.status_code for p in pages] == [200, 200, 200, 200, 200]


@responses.activate
def test_postback_skips_leads_from_our_own_forms(
    make_account, django_capture_on_commit_callbacks, outbox_drain
):
    # given a lead that came from the landing form (no platform account)
    payload = LeadPayload(phone="13800138000", channel="landing", consent_required=False)
    lead_id = lead_intake(
        source=IntakeSource(channel="landing"), external_id="f1", raw={}, payload=payload
    ).outcome.lead_id
    # when it pays, the postback listener sends nothing to any platform
    with django_capture_on_commit_callbacks(execute=True):
        order_record(lead_id=lead_id, amount="699.00")
    outbox_drain()
    delivery = OutboxDelivery.objects.get(listener="channels.postbacks")
    assert delivery.status == OutboxDelivery.Status.DONE
    assert postbacks_for_event(event_id=delivery.event_id) == 0
    assert len(responses.calls) == 0


def test_logid_url_adds_bd_vid_and_caps_length():
    assert logid_url("https://a.invalid/lp?x=1", "v9") == "https://a.invalid/lp?x=1&bd_vid=v9"
    assert logid_url("https://a.invalid/lp?bd_vid=v1", "v9") == "https://a.invalid/lp?bd_vid=v1"
    assert len(logid_url("https://a.invalid/" + "p" * 2000, "v")) == 1024


def test_seed_is_idempotent_and_points_at_the_sandbox(monkeypatch):
    from channels.seed import seed

    monkeypatch.setenv("SANDBOX_PORT", "9911")
    seed(stdout=io.StringIO())
    seed(stdout=io.StringIO())
    bases = dict(ChannelAccount.objects.values_list("name", "api_base_url"))
    assert bases == {
        "douyin-demo": "http://127.0.0.1:9911/open_api/",
        "xhs-demo": "http://127.0.0.1:9911",
        "baidu-demo": "http://127.0.0.1:9911",
    }


def test_admin_replay_records_the_missing_consent(client, make_account):
    # given a record quarantined for want of consent
    payload = LeadPayload(phone="13800138000", name="张三", channel="douyin", account="dy")
    make_account("douyin", "dy")
    stored = lead_intake(
        source=IntakeSource(channel="douyin", account="dy"),
        external_id="c2",
        raw={"clue_id": "c2"},
        payload=payload,
    )
    assert stored.outcome.reason == "consent_required"
    ConsentText.objects.create(version="health-2026-01", text="健康信息授权")
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    url = f"/admin/intake/{stored.inbound_id}/replay/"
    # when the version named is not a published consent text, nothing happens
    unknown = client.post(
        url,
        {"consent_version": "v-typo", "consent_source": "电话", "consent_confirmed": "on"},
    )
    assert unknown.status_code == 200
    assert "未知的授权文本版本" in unknown.content.decode()
    assert Lead.objects.count() == 0
    # when consent is half filled in, nothing happens
    half = client.post(url, {"consent_version": "health-2026-01"})
    assert half.status_code == 200
    assert "补录授权需填写版本、来源并勾选核实" in half.content.decode()
    assert Lead.objects.count() == 0
    # when staff record it fully
    done = client.post(
        url,
        {
            "consent_version": "health-2026-01",
            "consent_source": "电话回访录音",
            "consent_confirmed": "on",
        },
    )
    # then the record is a lead with that consent, recorded by that user
    assert done.status_code == 302
    lead = Lead.objects.get()
    assert (lead.consent_version, lead.consent_source) == ("health-2026-01", "电话回访录音·ops")


def test_an_accounts_name_cannot_change_and_an_account_with_data_cannot_be_deleted(
    client, make_account
):
    # given an account whose records and spend name it
    account = make_account("douyin", "dy")
    lead_intake(
        source=IntakeSource(channel="douyin", account="dy"),
        external_id="c9",
        raw={"clue_id": "c9"},
        payload=LeadPayload(phone="13800138009", channel="douyin", account="dy"),
    )
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    edit_url = f"/admin/channels/accounts/edit/{account.pk}/"
    form = client.get(edit_url)
    assert form.status_code == 200
    # when staff try to rename it
    renamed = client.post(
        edit_url,
        {
            "channel": "douyin",
            "name": "dy-new",
            "api_base_url": "",
            "advertiser_id": "",
            "app_id": "",
            "is_active": "on",
            "settings": "{}",
        },
    )
    # then the form refuses, and the name stays
    assert renamed.status_code == 200
    assert "创建后不能修改" in renamed.content.decode()
    account.refresh_from_db()
    assert account.name == "dy"
    # and deleting it is refused while data names it
    deleted = client.post(f"/admin/channels/accounts/delete/{account.pk}/", follow=True)
    assert "不能删除" in deleted.content.decode()
    assert ChannelAccount.objects.filter(pk=account.pk).exists()


def test_the_old_admin_addresses_lead_to_the_new_ones(client):
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    for old, new in [
        ("/admin/channels/quarantine/?q=1", "/admin/intake/quarantine/?q=1"),
        ("/admin/channels/inbound/", "/admin/funnel/inbound/"),
        ("/admin/channels/inbound/5/replay/", "/admin/intake/5/replay/"),
        ("/admin/channels/spend/?channel=baidu", "/admin/funnel/spend/?channel=baidu"),
    ]:
        answer = client.get(old)
        assert (answer.status_code, answer["Location"]) == (302, new)


def test_staff_can_retry_a_postback_that_gave_up(client, make_account):
    from funnel.models import LeadEvent

    lead_id = lead_intake(
        source=IntakeSource(channel="landing"),
        external_id="f9",
        raw={},
        payload=LeadPayload(phone="13800138010", channel="landing", consent_required=False),
    ).outcome.lead_id
    event = LeadEvent.objects.filter(lead_id=lead_id).first()
    delivery = OutboxDelivery.objects.create(
        event=event, listener="channels.postbacks", status="failed", attempts=12
    )
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)
    listing = client.get("/admin/funnel/outbox/")
    assert "重试" in listing.content.decode()
    answer = client.post(f"/admin/intake/outbox/{delivery.pk}/retry/")
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"
