"""An ad account's settings (其他配置) are checked per known key, where the admin saves them and
where the connectors read them. A bad value used to be saved as typed; then every postback of
the platform failed planning with an AttributeError (no log row, nothing on /healthz) and a
pull crashed with a ValueError traceback, recording nothing on the account."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import responses
from django.contrib.auth import get_user_model

from channels.account_settings import settings_problems
from channels.models import ChannelAccount, PostbackLog
from channels.selectors import Outcome, postback_log, postbacks_failed_count
from channels.services.accounts import channel_account_create
from channels.services.pull import leads_pull
from channels.services.spend import spend_pull
from config.errors import ApplicationError
from funnel.models import InboundLead, Lead, OutboxDelivery, Stage
from funnel.outbox import outbox_sweep
from tests.channels.conftest import drain, payload
from tests.channels.test_postbacks import (
    BD,
    CONVERSION,
    DY,
    OCPC,
    OK_CONVERSION,
    OK_OCPC,
    _sent,
    _stage,
    api_lead,
)
from tests.channels.test_webhooks import douyin_headers, post, url, xhs_body, xhs_headers

pytestmark = pytest.mark.django_db

# The reviewer's values, and one of each other kind of mistake, with what the form says.
BAD = [
    ([], "须为 JSON 对象"),
    ({"page_size": "abc"}, "page_size：须为 1–1000 的整数"),
    ({"max_pages": 0}, "max_pages：须为 1–100000 的整数"),
    ({"ocpc_types": ["paid"]}, "ocpc_types：须为「阶段 → 平台事件」的对象"),
    ({"callback_states": {"paid": "三"}}, "callback_states：paid 的值须为 0–99 的整数"),
    ({"conversion_events": {"付款": "active_pay"}}, "conversion_events：未知阶段 付款"),
    ({"postback_default": "yes"}, "postback_default：须为 true 或 false"),
    ({"backoff_seconds": float("nan")}, "backoff_seconds：须为 0–60 的数（秒）"),
    ({"push_signature": "none"}, "push_signature：只能是 sha256_b64、hmac_sha256_b64"),
    ({"solution_types": "form"}, "solution_types：须为非空列表"),
    ({"page_sise": 50}, "page_sise：未知配置项"),
]
BAD_IDS = [
    "list",
    "page_size",
    "max_pages",
    "ocpc_types",
    "callback_states",
    "conversion_events",
    "postback_default",
    "backoff_seconds",
    "push_signature",
    "solution_types",
    "misspelt_key",
]


def _admin(client) -> None:
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)


def _edit(client, account: ChannelAccount, settings_text: str):
    return client.post(
        f"/admin/channels/accounts/edit/{account.pk}/",
        {
            "channel": account.channel,
            "name": account.name,
            "api_base_url": account.api_base_url,
            "advertiser_id": account.advertiser_id,
            "app_id": account.app_id,
            "webhook_secret": "",
            "is_active": "on",
            "settings": settings_text,
        },
    )


# --- where the admin saves them ---------------------------------------------------------------


@pytest.mark.parametrize(("bad", "message"), BAD, ids=BAD_IDS)
def test_the_account_form_refuses_a_bad_setting_at_the_settings_field(
    client, make_account, bad, message
):
    _admin(client)
    account = make_account("baidu", "bd", base=BD, webhook_secret="bd-push-token")
    before = ChannelAccount.objects.get(pk=account.pk).settings
    # when staff save the settings with the bad value (NaN as JSON writes it)
    refused = _edit(client, account, json.dumps(bad))
    # then the form answers again with the problem in Chinese at the settings field
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert message in " ".join(errors["settings"])
    assert message in refused.content.decode()
    # and nothing was stored
    assert ChannelAccount.objects.get(pk=account.pk).settings == before


def test_the_account_form_saves_good_settings(client, make_account):
    _admin(client)
    account = make_account("baidu", "bd", base=BD, webhook_secret="bd-push-token")
    good = {"page_size": 200, "ocpc_types": {"paid": 26, "contacted": None}, "max_pages": 50}
    saved = _edit(client, account, json.dumps(good))
    assert saved.status_code == 302
    assert ChannelAccount.objects.get(pk=account.pk).settings == good


@pytest.mark.parametrize(("bad", "message"), BAD, ids=BAD_IDS)
def test_the_service_refuses_a_bad_setting_too(bad, message):
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(channel="baidu", name="bd", settings=bad)
    assert refused.value.code == "invalid_settings"
    assert message in refused.value.message
    assert not ChannelAccount.objects.exists()


def test_every_documented_key_is_known_and_its_default_accepted() -> None:
    documented = {
        "page_size": 100,
        "max_pages": 1000,
        "trailing_minutes": 30,
        "initial_lookback_days": 7,
        "window_days": 365,
        "max_retries": 3,
        "backoff_seconds": 2.0,
        "rate_limit_codes": [40100],
        "auth_codes": [40101, 40102],
        "push_signature": "sha256_b64",
        "push_max_skew_seconds": 300,
        "name_labels": ["姓名"],
        "phone_labels": ["手机号", "电话"],
        "wechat_labels": ["微信"],
        "fee_unit": "fen",
        "solution_types": ["form", "phone"],
        "callback_states": {"contacted": 2, "paid": 3},
        "conversion_events": {"contacted": "form", "paid": "active_pay"},
        "conversion_base_url": "https://analytics.oceanengine.com",
        "ocpc_types": {"paid": 26},
        "ocpc_new_type": 26,
        "ocpc_landing_url": "https://www.example.com/lp/",
        "postback_default": False,
        "auth_base_url": "https://u.baidu.com",
        "ocpc_base_url": "https://ocpc.baidu.com",
        "user_id": 46221343,
    }
    assert settings_problems(documented) == {}


# --- where the connectors read them: a pull, a spend import -----------------------------------


def _stored_before_the_rule(account: ChannelAccount, settings) -> None:
    # `update` writes what an earlier version let staff save, past today's checks
    ChannelAccount.objects.filter(pk=account.pk).update(settings=settings)


@pytest.mark.parametrize(
    ("bad", "key"),
    [([], "须为 JSON 对象"), ({"page_size": "abc"}, "page_size"), ({"max_pages": 0}, "max_pages")],
    ids=["list", "page_size", "max_pages"],
)
@pytest.mark.parametrize("channel", ["douyin", "baidu"])
@responses.activate
def test_a_pull_with_a_bad_stored_setting_records_a_clear_error_and_sends_nothing(
    make_account, channel, bad, key
):
    account = make_account(channel, "acct", base=DY if channel == "douyin" else BD)
    _stored_before_the_rule(account, bad)
    # when the scheduled pull runs
    stats = leads_pull(account_id=account.pk)
    # then it stops before any request, with the problem named, recorded on the account
    assert len(responses.calls) == 0
    assert stats.error.startswith("SettingsInvalid: invalid_settings: 账户的其他配置有误")
    assert key in stats.error
    account.refresh_from_db()
    assert (account.last_error, account.consecutive_failures) == (stats.error, 1)


@responses.activate
def test_a_spend_import_with_a_bad_stored_setting_records_a_clear_error(make_account):
    account = make_account("xiaohongshu", "xhs")
    _stored_before_the_rule(account, {"max_pages": "all"})
    stats = spend_pull(account_id=account.pk, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 2))
    assert len(responses.calls) == 0
    assert "max_pages" in stats.error
    account.refresh_from_db()
    assert account.last_error == f"spend: {stats.error}"


# --- where the connectors read them: postbacks ------------------------------------------------


@pytest.fixture
def two_platforms(make_account):
    douyin = make_account(
        "douyin",
        "dy",
        base=DY,
        settings={"conversion_base_url": "https://analytics.example.invalid"},
    )
    baidu = make_account("baidu", "bd", base=BD, settings={"ocpc_landing_url": "https://lp.cn/x"})
    return douyin, baidu


@pytest.mark.parametrize(
    "bad",
    [[], {"ocpc_types": ["paid"]}, {"ocpc_new_type": "abc"}],
    ids=["list", "ocpc_types", "ocpc_new_type"],
)
@responses.activate
def test_a_postback_of_an_account_with_bad_settings_is_logged_failing_with_the_reason(
    client, two_platforms, django_capture_on_commit_callbacks, outbox_drain, bad
):
    # given the Baidu account's settings stored bad, Ocean Engine's fine, both answering
    _douyin, baidu = two_platforms
    responses.post(OCPC, json=OK_OCPC)
    responses.post(CONVERSION, json=OK_CONVERSION)
    _stored_before_the_rule(baidu, bad)
    lead_id = api_lead(bd_vid="bdvid-1", clickid="CK-1")
    # when the lead pays
    _stage(lead_id, Stage.PAID, django_capture_on_commit_callbacks, outbox_drain, amount="9.00")
    # then the planning listener did its work and Ocean Engine heard of the payment
    plan = OutboxDelivery.objects.get(listener="channels.postbacks_plan")
    assert (plan.status, plan.last_error) == ("done", "")
    assert len(_sent(CONVERSION)) == 1
    assert not _sent(OCPC)
    # and the Baidu postback is in the log, failing (retried) with the reason in words
    baidu_row = postback_log().get(platform="baidu")
    assert (baidu_row.outcome, baidu_row.platform_event) == (Outcome.RETRYING, "")
    assert baidu_row.answer.startswith("SettingsInvalid: invalid_settings: 账户的其他配置有误")
    assert postback_log().get(platform="douyin").outcome == Outcome.SENT
    # and the health page counts it
    assert client.get("/healthz").json()["postbacks"] == {"failed_last_day": 1}
    # when staff fix the settings and the outbox retries after its back-off
    ChannelAccount.objects.filter(pk=baidu.pk).update(settings={"ocpc_types": {"paid": 27}})
    delivery = OutboxDelivery.objects.get(listener="channels.postbacks")
    assert outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1
    # then the Baidu postback goes out with the event its settings now say, once
    baidu_row = postback_log().get(platform="baidu")
    assert (baidu_row.outcome, baidu_row.platform_event) == (Outcome.SENT, "27")
    assert [s["conversionTypes"][0]["newType"] for s in _sent(OCPC)] == [27]
    assert len(_sent(CONVERSION)) == 1
    assert postbacks_failed_count() == 0


@responses.activate
def test_a_row_planned_under_bad_settings_is_dropped_if_the_fixed_ones_do_not_report_it(
    two_platforms, django_capture_on_commit_callbacks, outbox_drain
):
    # given Ocean Engine's conversion events stored as a list
    douyin, _baidu = two_platforms
    _stored_before_the_rule(douyin, {"conversion_events": ["form"]})
    lead_id = api_lead(clickid="CK-2")
    _stage(lead_id, Stage.CONTACTED, django_capture_on_commit_callbacks, outbox_drain)
    assert postback_log().get().outcome == Outcome.RETRYING
    # when staff fix them to report payments only and the outbox retries
    ChannelAccount.objects.filter(pk=douyin.pk).update(
        settings={
            "conversion_base_url": "https://analytics.example.invalid",
            "conversion_events": {"paid": "active_pay"},
        }
    )
    delivery = OutboxDelivery.objects.get(listener="channels.postbacks")
    outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    # then nothing is sent for the contact, the row is gone and the delivery is done
    assert not _sent(CONVERSION)
    assert not PostbackLog.objects.exists()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("done", "")


# --- pushes never lose a lead over our own settings -------------------------------------------


def test_a_push_to_an_account_with_bad_label_or_skew_settings_still_becomes_a_lead(
    client, make_account
):
    account = make_account("xiaohongshu", "xhs")
    _stored_before_the_rule(
        account, {"name_labels": "姓名", "phone_labels": [], "push_max_skew_seconds": "abc"}
    )
    raw = json.dumps(xhs_body(), ensure_ascii=False).encode()
    answer = post(client, url("xiaohongshu", "xhs"), raw, **xhs_headers(raw))
    drain()
    assert answer.status_code == 200
    lead = Lead.objects.get()
    assert (lead.phone, lead.name) == ("+8613900000000", "李四")


@pytest.mark.parametrize("bad", [[], {"push_signature": ["sha256_b64"]}], ids=["list", "scheme"])
def test_a_douyin_account_whose_signature_setting_is_unreadable_refuses_pushes(
    client, make_account, bad
):
    # no unsigned scheme and no guessing one: refused as a bad signature, never a 500
    account = make_account("douyin", "dy")
    _stored_before_the_rule(account, bad)
    body = payload("douyin_feiyu_push.json")
    answer = post(
        client, url("douyin", "dy"), json.dumps(body).encode(), **douyin_headers(body["id"])
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_signature"
    assert not InboundLead.objects.exists()
