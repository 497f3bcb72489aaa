"""Issue 13, points 4 and 17: push accounts keep their secret, tokens go only to the platform's
own hosts (admin form, `channel_account add`, the client at call time), and remote error text
never reaches the admin."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from channels.models import ChannelAccount
from channels.services.accounts import channel_account_create
from channels.services.pull import leads_pull
from config.errors import ApplicationError

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
EVIL = "https://collector.evil.example.com/open_api/"


def _admin(client):
    admin = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(admin)


def _form(**overrides) -> dict:
    data = {
        "channel": "xiaohongshu",
        "name": "xhs-main",
        "api_base_url": "",
        "advertiser_id": "",
        "app_id": "",
        "webhook_secret": "",
        "is_active": "on",
        "settings": "{}",
    }
    data.update(overrides)
    return data


# --- point 4: a push account cannot be saved without its secret --------------------------------


def test_service_refuses_a_push_only_account_without_webhook_secret():
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(channel="xiaohongshu", name="xhs")

    assert refused.value.code == "webhook_secret_missing"
    assert not ChannelAccount.objects.exists()


@pytest.mark.parametrize("blank", [" ", "   ", "\t", "\n"])
def test_a_secret_of_spaces_is_no_secret(blank):
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(channel="xiaohongshu", name="xhs", webhook_secret=blank)

    assert refused.value.code == "webhook_secret_missing"
    assert not ChannelAccount.objects.exists()


def test_pasted_credentials_lose_their_stray_spaces():
    account, _ = channel_account_create(
        channel="xiaohongshu", name="xhs", webhook_secret=" juguang-token\n"
    )

    assert account.webhook_secret == "juguang-token"


def test_command_refuses_a_push_account_without_webhook_secret_and_takes_one_with_it():
    with pytest.raises(CommandError, match="推送密钥"):
        call_command("channel_account", "add", "--channel", "xiaohongshu", "--name", "xhs")
    assert not ChannelAccount.objects.exists()

    call_command(
        "channel_account",
        "add",
        "--channel",
        "xiaohongshu",
        "--name",
        "xhs",
        "--webhook-secret",
        "juguang-token",
    )

    assert ChannelAccount.objects.get(name="xhs").webhook_secret == "juguang-token"


def test_admin_form_requires_the_secret_keeps_it_hidden_and_keeps_it_when_left_blank(client):
    _admin(client)
    add = "/admin/channels/accounts/add/"

    # the add form has a write-only secret field
    page = client.get(add).content.decode()
    assert 'name="webhook_secret"' in page
    assert 'type="password"' in page

    # without a secret: refused, nothing saved
    refused = client.post(add, _form())
    assert refused.status_code == 200
    assert "推送账户必须填写推送密钥" in refused.content.decode()
    assert not ChannelAccount.objects.exists()

    # with one: saved
    client.post(add, _form(webhook_secret="juguang-token"))
    account = ChannelAccount.objects.get(name="xhs-main")
    assert account.webhook_secret == "juguang-token"

    # editing with the field blank keeps it, and it is never shown back
    edit = f"/admin/channels/accounts/edit/{account.pk}/"
    assert "juguang-token" not in client.get(edit).content.decode()
    client.post(edit, _form(app_id="app-2"))
    account.refresh_from_db()
    assert (account.app_id, account.webhook_secret) == ("app-2", "juguang-token")


# --- point 17: tokens go only to the platform's hosts ------------------------------------------


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        ("douyin", EVIL),
        ("douyin", "http://ad.oceanengine.com/open_api/"),  # not https
        ("douyin", "https://oceanengine.com.evil.example.com/"),
        ("douyin", "https://user:pw@ad.oceanengine.com/"),
        ("baidu", "https://api.baidu.com.cn/"),
        ("xiaohongshu", "https://adapi.xiaohongshu.com.evil.example.com"),
        ("xiaohongshu", "http://169.254.169.254/latest/meta-data"),
    ],
)
def test_service_and_command_refuse_a_base_url_off_the_platforms_hosts(channel, url):
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(
            channel=channel, name="acct", api_base_url=url, webhook_secret="hook"
        )
    assert refused.value.code == "invalid_api_base_url"
    with pytest.raises(CommandError, match="API 地址"):
        call_command(
            "channel_account",
            "add",
            "--channel",
            channel,
            "--name",
            "acct",
            "--api-base-url",
            url,
            "--webhook-secret",
            "hook",
        )
    assert not ChannelAccount.objects.exists()


# Each of these is read as an official host by one parser and as another host (or another
# port, or with credentials) by the HTTP client, a proxy or a resolver: all are refused.
TRICK_URLS = [
    "https://evil.example\\.oceanengine.com/",  # urllib3 connects to evil.example
    "https://evil.example\\@ad.oceanengine.com/",
    "https://ad.oceanengine.com\\@evil.example/",
    "https://evil.example%2f.oceanengine.com/",  # percent-escapes
    "https://evil.example%2F@ad.oceanengine.com/",
    "https://ad%2eoceanengine.com/",
    "https://ad.oceanengine.com%00.evil.example/",
    "https://x@ad.oceanengine.com/",  # userinfo without a password
    "https://@ad.oceanengine.com/",
    "https://ad.oceanengine.com:pw@evil.example/",
    "https://ad.oceanengine.com /open_api/",  # whitespace and control characters
    "https://ad.oceanengine.com\t.evil.example/",
    "https://ad.oceanengine.com\n/",
    "https://ad.oceanengine.com\x00.evil.example/",
    "https://ad.oceanengine.com\x7f/",
    "https://ad.oceanengine.com:8443/",  # non-default ports
    "https://ad.oceanengine.com:80/",
    "https://ad.oceanengine.com:0/",
    "https://ad.oceanengine.com./",  # trailing dot, empty label
    "https://ad..oceanengine.com/",
    "https://.oceanengine.com/",
    "https://ad.oceanengine\u3002com/",  # IDN / Unicode look-alikes
    "https://evil.example\uff0f.oceanengine.com/",
    "https://\u0430d.oceanengine.com/",  # Cyrillic a
    "https://ad.oceanengine.com\u200b/",
    "https://xn--d-7sb.oceanengine.com\u2024evil.example/",
    "https://ad.oceanengine.com/open_api/?next=https://evil.example",  # query, fragment
    "https://ad.oceanengine.com/#frag",
    "https://[::1].oceanengine.com/",
    "//ad.oceanengine.com/",  # no scheme
    "https:ad.oceanengine.com",
]


@pytest.mark.parametrize("url", TRICK_URLS)
def test_urls_the_http_client_would_read_differently_are_refused(url):
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(
            channel="douyin", name="acct", api_base_url=url, webhook_secret="hook"
        )
    assert refused.value.code == "invalid_api_base_url"
    with pytest.raises(CommandError, match="API 地址"):
        call_command(
            "channel_account",
            "add",
            "--channel",
            "douyin",
            "--name",
            "acct",
            "--api-base-url",
            url,
            "--webhook-secret",
            "hook",
        )
    assert not ChannelAccount.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765\\@ad.oceanengine.com/",
        "http://2130706433/",  # 127.0.0.1 as one number: not read as loopback by every parser
        "http://127.1:8765/",
        "http://localhost.:8765/",
        "http://127.0.0.1%2f@evil.example/",
        "http://sandbox.test\\.evil.example/",
    ],
)
def test_sandbox_urls_are_held_to_the_same_rule(settings, url):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(
            channel="douyin", name="acct", api_base_url=url, webhook_secret="hook"
        )
    assert refused.value.code == "invalid_api_base_url"


def test_official_hosts_on_other_ports_only_in_the_sandbox(settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = False
    account, _ = channel_account_create(
        channel="douyin",
        name="dy",
        api_base_url="https://ad.oceanengine.com:443/open_api/",
        webhook_secret="h",
    )
    assert account.api_base_url == "https://ad.oceanengine.com:443/open_api/"
    with pytest.raises(ApplicationError):
        channel_account_create(
            channel="douyin",
            name="dy",
            api_base_url="https://ad.oceanengine.com:8443/open_api/",
            webhook_secret="h",
        )


def test_admin_form_refuses_a_url_the_http_client_reads_differently(client):
    _admin(client)

    refused = client.post(
        "/admin/channels/accounts/add/",
        _form(
            channel="douyin",
            name="dy",
            api_base_url="https://evil.example\\.oceanengine.com/",
            webhook_secret="hook",
        ),
    )

    assert refused.status_code == 200
    assert not ChannelAccount.objects.exists()


@responses.activate
@pytest.mark.parametrize(
    "stored",
    [
        "https://evil.example\\.oceanengine.com/open_api/",
        "https://x@ad.oceanengine.com/open_api/",
        "https://ad.oceanengine.com:8443/open_api/",
        "https://ad.oceanengine.com./open_api/",
    ],
)
def test_client_refuses_at_call_time_a_url_the_http_client_reads_differently(settings, stored):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = False
    account = ChannelAccount.objects.create(
        channel="douyin",
        name="dy",
        api_base_url=stored,
        access_token="live-token",
        webhook_secret="hook",
        settings={"max_retries": 0},
    )
    responses.get("https://evil.example/open_api/2/tools/clue/get/", json={"code": 0})

    error = leads_pull(account_id=account.pk, now=NOW).error

    assert len(responses.calls) == 0
    assert "invalid_api_base_url" in error


def test_a_url_setting_off_the_platforms_hosts_is_refused_too():
    with pytest.raises(ApplicationError) as refused:
        channel_account_create(
            channel="baidu",
            name="bd",
            webhook_secret="hook",
            settings={"ocpc_base_url": "https://evil.example.com"},
        )
    assert refused.value.code == "invalid_api_base_url"


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        ("douyin", "https://ad.oceanengine.com/open_api/"),
        ("baidu", "https://api.baidu.com"),
        ("xiaohongshu", "https://adapi.xiaohongshu.com"),
    ],
)
def test_official_hosts_are_accepted(channel, url):
    account, _ = channel_account_create(
        channel=channel, name="acct", api_base_url=url, webhook_secret="hook"
    )
    assert account.api_base_url == url


def test_loopback_sandbox_only_where_settings_allow_it(settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = False
    with pytest.raises(ApplicationError):
        channel_account_create(
            channel="douyin", name="dy", api_base_url="http://127.0.0.1:8765/", webhook_secret="h"
        )

    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    account, _ = channel_account_create(
        channel="douyin", name="dy", api_base_url="http://127.0.0.1:8765/", webhook_secret="h"
    )
    assert account.api_base_url == "http://127.0.0.1:8765/"


def test_admin_form_refuses_a_foreign_base_url(client):
    _admin(client)

    refused = client.post(
        "/admin/channels/accounts/add/",
        _form(channel="douyin", name="dy", api_base_url=EVIL, webhook_secret="hook"),
    )

    assert refused.status_code == 200
    assert "不是该平台的官方地址" in refused.content.decode()
    assert not ChannelAccount.objects.exists()


@responses.activate
def test_client_refuses_at_call_time_a_foreign_url_stored_before_the_rule(settings):
    # given an account whose base URL was pointed elsewhere before the rule existed
    account = ChannelAccount.objects.create(
        channel="douyin",
        name="dy",
        api_base_url=EVIL,
        access_token="live-token",
        webhook_secret="hook",
        settings={"max_retries": 0},
    )
    responses.get(EVIL + "2/tools/clue/get/", json={"code": 0, "data": {"list": []}})

    # when a pull runs
    error = leads_pull(account_id=account.pk, now=NOW).error

    # then nothing was sent there (no token left the process) and a code is recorded
    assert len(responses.calls) == 0
    account.refresh_from_db()
    assert "invalid_api_base_url" in error
    assert "invalid_api_base_url" in account.last_error


@responses.activate
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, "<html>REMOTE-SECRET-TEXT stack trace</html>"),
        (429, "REMOTE-SECRET-TEXT slow down"),
        (200, '{"code": 40001, "message": "REMOTE-SECRET-TEXT <script>x</script>"}'),
    ],
)
def test_remote_error_text_is_never_echoed_into_the_account(make_account, status, body):
    dy = "https://ad.oceanengine.com/open_api/"
    account = make_account("douyin", "dy", base=dy, settings={"max_retries": 0})
    responses.get(dy + "2/tools/clue/get/", body=body, status=status)

    error = leads_pull(account_id=account.pk, now=NOW).error

    account.refresh_from_db()
    assert error
    assert "REMOTE-SECRET-TEXT" not in error
    assert "REMOTE-SECRET-TEXT" not in account.last_error


# --- point 17 (review): a redirect never carries a token to another host -------------------------

FOREIGN = "https://collector.evil.example.com/stolen"
OFFICIAL = {
    "douyin": "https://ad.oceanengine.com/open_api/",
    "baidu": "https://api.baidu.com",
    "xiaohongshu": "https://adapi.xiaohongshu.com",
}


def _redirect_everything_on(host_pattern: str, status: int) -> None:
    """Every GET/POST to the platform's host answers `status` towards FOREIGN; FOREIGN itself
    answers 200, so a client that follows the redirect would be seen calling it."""
    import re

    for method in (responses.GET, responses.POST):
        responses.add(
            method, re.compile(host_pattern), status=status, headers={"Location": FOREIGN}
        )
        responses.add(method, FOREIGN, json={"code": 0, "errcode": 0, "data": {}})


@responses.activate
@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize(
    ("channel", "pull"),
    [
        ("douyin", "leads"),
        ("baidu", "leads"),
        ("douyin", "spend"),
        ("baidu", "spend"),
        ("xiaohongshu", "spend"),  # its leads are pushed, never pulled
    ],
)
def test_a_pull_never_follows_a_redirect_off_the_platform(make_account, channel, pull, status):
    from channels.services.spend import spend_pull

    account = make_account(channel, "acct", base=OFFICIAL[channel], settings={"max_retries": 0})
    _redirect_everything_on(r"https://[a-z.]*(oceanengine|baidu|xiaohongshu)\.com/.*", status)

    if pull == "leads":
        error = leads_pull(account_id=account.pk, now=NOW).error
    else:
        error = spend_pull(account_id=account.pk, start=NOW.date(), end=NOW.date()).error

    assert not [c for c in responses.calls if "evil.example" in c.request.url]
    assert "unexpected_redirect" in error
    account.refresh_from_db()
    assert "unexpected_redirect" in account.last_error


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_checked_session_refuses_any_redirect_and_keeps_the_token_home(status):
    from channels.base import session
    from channels.errors import PlatformError

    _redirect_everything_on(r"https://ad\.oceanengine\.com/.*", status)

    with pytest.raises(PlatformError) as refused:
        session(("oceanengine.com",)).post(
            "https://ad.oceanengine.com/open_api/x",
            headers={"Access-Token": "S"},
            json={"accessToken": "S"},
        )

    assert str(refused.value) == "unexpected_redirect"
    assert [c.request.url for c in responses.calls] == ["https://ad.oceanengine.com/open_api/x"]


@responses.activate
@pytest.mark.parametrize("status", [302, 307, 308])
def test_the_wecom_client_never_follows_a_redirect_with_its_secret(status):
    from channels.errors import PlatformError
    from channels.wecom.client import WecomClient
    from channels.wecom.services import wecom_account_create

    account, _ = wecom_account_create(
        name="clinic",
        corp_id="ww-corp",
        secret="contact-secret",
        agent_id="1000002",
        token="tok",
        aes_key="a" * 43,
        api_base_url="https://qyapi.weixin.qq.com",
    )
    _redirect_everything_on(r"https://qyapi\.weixin\.qq\.com/.*", status)

    with pytest.raises(PlatformError) as refused:
        WecomClient(account).access_token()

    assert "unexpected_redirect" in str(refused.value)
    assert not [c for c in responses.calls if "evil.example" in c.request.url]


@responses.activate
@pytest.mark.parametrize("status", [302, 307])
def test_the_sandbox_never_follows_a_redirect_with_its_signed_requests(status):
    # The sandbox posts signed pushes and WeCom events to the target it is told: a redirect
    # answer is its answer (a failure), never a second request elsewhere.
    from channels.sandbox.server import push_leads
    from channels.sandbox.state import SandboxState
    from channels.sandbox.wecom import send_event, verify_url

    target = "http://127.0.0.1:8000/channels/hooks/douyin/dy/"
    _redirect_everything_on(r"http://127\.0\.0\.1:8000/.*", status)
    keys = {"token": "t", "aes_key": "a" * 43, "corp_id": "ww-corp"}

    statuses = push_leads(SandboxState(), channel="douyin", target=target, secret="s")
    event = send_event(target=target, xml="<xml></xml>", **keys)
    passed, _answer = verify_url(target=target, **keys)

    assert (statuses, event.status_code, passed) == ([status], status, False)
    assert not [c for c in responses.calls if c.request.url.startswith(FOREIGN)]
