"""The WeCom company: `wecom_account` command, stored secrets, the access-token client."""

from __future__ import annotations

from io import StringIO

import pytest
import responses
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection

from channels.errors import PlatformError
from channels.wecom.client import WecomClient
from channels.wecom.models import OFFICIAL_BASE_URL, WecomAccount
from tests.channels.wecom.conftest import AES_KEY

pytestmark = pytest.mark.django_db

ARGS = [
    "add",
    "--name", "clinic-a",
    "--corp-id", "ww00000000000000aa",
    "--secret", "S3CRET-value-xyz",
    "--agent-id", "1000002",
    "--token", "TOKEN-value-abc",
    "--aes-key", AES_KEY,
]  # fmt: skip


def _run(*args: str) -> str:
    out = StringIO()
    call_command("wecom_account", *args, stdout=out)
    return out.getvalue()


def test_add_and_list_never_print_secrets():
    out = _run(*ARGS) + _run("list")
    assert "created: wecom/clinic-a" in out
    assert "ww00000000000000aa" in out
    assert "1000002" in out
    for secret in ("S3CRET-value-xyz", "TOKEN-value-abc", AES_KEY):
        assert secret not in out
    account = WecomAccount.objects.get(name="clinic-a")
    assert account.api_base_url == OFFICIAL_BASE_URL
    assert account.secret == "S3CRET-value-xyz"
    # Encrypted at rest: the raw column does not hold the values.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret, token, aes_key FROM channels_wecomaccount WHERE id = %s", [account.pk]
        )
        stored = " ".join(cursor.fetchone())
    for secret in ("S3CRET-value-xyz", "TOKEN-value-abc", AES_KEY):
        assert secret not in stored
    assert "updated: wecom/clinic-a" in _run(*ARGS)


@pytest.mark.parametrize("key", ["short", AES_KEY + "x", "!" * 43])
def test_aes_key_must_be_43_base64_chars(key):
    args = list(ARGS)
    args[args.index(AES_KEY)] = key
    with pytest.raises(CommandError, match="EncodingAESKey"):
        _run(*args)
    assert not WecomAccount.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://qyapi.weixin.qq.com",
        "ftp://example.com",
        "https://user:pw@example.com",
        "https://example.com/?x=1",
        "http://10.0.0.5:8000",
        "javascript:alert(1)",
        "https://proxy.example.com/wecom",  # any other host would receive the corp secret
        "https://qyapi.weixin.qq.com.evil.example/",
        "https://evil.example\\.qyapi.weixin.qq.com/",  # the HTTP client reads evil.example
        "https://evil.example%2f.qyapi.weixin.qq.com/",
        "https://x@qyapi.weixin.qq.com/",
        "https://qyapi.weixin.qq.com./",
        "https://qyapi.weixin.qq.com:8443/",
        "https://qyapi.weixin.qq.com\t.evil.example/",
        "https://qyapi.weixin.qq\u3002com/",
        "http://2130706433/",
    ],
)
def test_base_url_is_restricted(url):
    with pytest.raises(CommandError, match="API"):
        _run(*ARGS, "--api-base-url", url)


@pytest.mark.parametrize("url", ["https://qyapi.weixin.qq.com", "http://127.0.0.1:8765"])
def test_base_url_allowed(url):
    _run(*ARGS, "--api-base-url", url)
    assert WecomAccount.objects.get().api_base_url == url


def test_loopback_base_url_only_where_the_sandbox_is_allowed(settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = False
    with pytest.raises(CommandError, match="API"):
        _run(*ARGS, "--api-base-url", "http://127.0.0.1:8765")
    assert not WecomAccount.objects.exists()


@responses.activate
def test_client_refuses_at_call_time_a_base_url_stored_before_the_rule(settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = False
    cache.clear()
    _run(*ARGS)
    WecomAccount.objects.update(api_base_url="https://evil.example\\.qyapi.weixin.qq.com")
    responses.get("https://evil.example/.qyapi.weixin.qq.com/cgi-bin/gettoken", json={})

    with pytest.raises(PlatformError) as refused:
        WecomClient(WecomAccount.objects.get()).external_contact("wm1")

    assert refused.value.code == "invalid_api_base_url"
    assert len(responses.calls) == 0


BASE = "https://wecom.test"


@pytest.fixture
def account():
    cache.clear()
    _run(*ARGS, "--api-base-url", BASE)
    return WecomAccount.objects.get()


@responses.activate
def test_token_is_cached_for_its_lifetime(account):
    token = responses.get(
        f"{BASE}/cgi-bin/gettoken",
        json={"errcode": 0, "errmsg": "ok", "access_token": "TOK1", "expires_in": 7200},
    )
    api = responses.get(
        f"{BASE}/cgi-bin/externalcontact/get",
        json={"errcode": 0, "errmsg": "ok", "external_contact": {"name": "x"}},
    )
    client = WecomClient(account)
    client.external_contact("wm1")
    WecomClient(WecomAccount.objects.get()).external_contact("wm2")  # another worker
    assert token.call_count == 1
    assert api.call_count == 2
    query = responses.calls[0].request.params
    assert query == {"corpid": "ww00000000000000aa", "corpsecret": "S3CRET-value-xyz"}
    assert all(c.request.params.get("access_token") == "TOK1" for c in responses.calls[1:])


@pytest.mark.parametrize("errcode", [40014, 42001])
@responses.activate
def test_token_expiring_mid_run_is_refreshed_once(account, errcode):
    responses.get(
        f"{BASE}/cgi-bin/gettoken",
        json={"errcode": 0, "access_token": "OLD", "expires_in": 7200},
    )
    WecomClient(account).access_token()  # cached OLD
    responses.replace(
        responses.GET,
        f"{BASE}/cgi-bin/gettoken",
        json={"errcode": 0, "access_token": "NEW", "expires_in": 7200},
    )
    api = responses.get(
        f"{BASE}/cgi-bin/externalcontact/get",
        match=[
            responses.matchers.query_param_matcher(
                {"external_userid": "wm1", "access_token": "OLD"}
            )
        ],
        json={"errcode": errcode, "errmsg": "access_token expired"},
    )
    ok = responses.get(
        f"{BASE}/cgi-bin/externalcontact/get",
        match=[
            responses.matchers.query_param_matcher(
                {"external_userid": "wm1", "access_token": "NEW"}
            )
        ],
        json={"errcode": 0, "external_contact": {"name": "x"}},
    )
    assert WecomClient(account).external_contact("wm1")["external_contact"] == {"name": "x"}
    assert api.call_count == 1
    assert ok.call_count == 1
    assert WecomClient(account).access_token() == "NEW"  # the fresh token is cached


@responses.activate
def test_token_refused_twice_is_an_error_not_a_loop(account):
    gettoken = responses.get(
        f"{BASE}/cgi-bin/gettoken", json={"errcode": 0, "access_token": "T", "expires_in": 7200}
    )
    api = responses.get(
        f"{BASE}/cgi-bin/externalcontact/get", json={"errcode": 42001, "errmsg": "expired"}
    )
    with pytest.raises(PlatformError) as exc:
        WecomClient(account).external_contact("wm1")
    assert exc.value.code == "42001"
    assert gettoken.call_count == 2
    assert api.call_count == 2


@responses.activate
def test_gettoken_error_is_a_platform_error(account):
    responses.get(f"{BASE}/cgi-bin/gettoken", json={"errcode": 40001, "errmsg": "invalid secret"})
    with pytest.raises(PlatformError) as exc:
        WecomClient(account).access_token()
    assert exc.value.code == "40001"


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--name", "bad/name x"),
        ("--name", ""),
        ("--corp-id", ""),
        ("--corp-id", "w" * 500),
        ("--secret", " "),
        ("--token", ""),
        ("--agent-id", ""),
    ],
)
def test_add_refuses_what_the_admin_form_refuses(flag, value):
    """Review of issue 16: `add` created accounts whose callback path never matches, with
    empty secrets, or a 500-character corp id (a DataError on PostgreSQL)."""
    args = list(ARGS)
    args[args.index(flag) + 1] = value
    with pytest.raises(CommandError):
        _run(*args)
    assert not WecomAccount.objects.exists()


def test_one_company_is_connected_once():
    """Issue 16 review F4: a second account for the same corp id would import its members'
    behaviour again (the board summed both). The command refuses it by name; a switched-off
    account does not count; the database refuses what slips past the check."""
    _run(*ARGS)
    args = list(ARGS)
    args[args.index("--name") + 1] = "clinic-copy"
    with pytest.raises(CommandError, match="已由另一个启用的账户连接"):
        _run(*args)
    assert list(WecomAccount.objects.values_list("name", flat=True)) == ["clinic-a"]
    shouted = list(args)
    shouted[shouted.index("--corp-id") + 1] = (
        "WW00000000000000AA"  # the same corp, typed in capitals
    )
    with pytest.raises(CommandError, match="已由另一个启用的账户连接"):
        _run(*shouted)
    _run(*ARGS)  # the same account again is an update, not a second company

    WecomAccount.objects.filter(name="clinic-a").update(is_active=False)
    assert "created: wecom/clinic-copy" in _run(*args)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        WecomAccount.objects.filter(name="clinic-a").update(is_active=True)
