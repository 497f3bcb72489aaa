"""Assistants' KPIs from WeCom (issue 16 point 7): the daily import of member behaviour data,
by Asia/Shanghai day, one row per (account, userid, day) whatever how often it runs."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import responses
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from channels.wecom.behavior import behavior_import, day_bounds
from channels.wecom.services import wecom_account_create
from funnel.models import Assistant, AssistantBehaviorDay
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN

pytestmark = pytest.mark.django_db

BASE = "https://wecom.test"
BEHAVIOR = f"{BASE}/cgi-bin/externalcontact/get_user_behavior_data"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def account(settings):
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    cache.clear()
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="s",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=BASE,
    )
    Assistant.objects.create(name="林医助", wecom_userid="linxiaowen")
    Assistant.objects.create(name="王医助", wecom_userid="wangfang")
    Assistant.objects.create(name="未接企微", wecom_userid="")
    Assistant.objects.create(name="已停用", wecom_userid="gone", is_active=False)
    return account


@pytest.fixture
def api(account):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            f"{BASE}/cgi-bin/gettoken",
            json={"errcode": 0, "access_token": "T", "expires_in": 7200},
        )
        yield rsps


def _midnight(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI).timestamp())


def _answer(api, figures: dict[str, dict]) -> None:
    """Each member's answer: their figures on the asked day, plus the next day's (which an
    import of one day must not store)."""

    def reply(request):
        body = json.loads(request.body)
        (userid,) = body["userid"]
        entry = figures.get(userid)
        if entry is None:
            return 200, {}, json.dumps({"errcode": 60111, "errmsg": "invalid userid"})
        start = body["start_time"]
        days = [
            {"stat_time": start, **entry},
            {"stat_time": start + 86400, **{k: 999 for k in entry}},
        ]
        return 200, {}, json.dumps({"errcode": 0, "errmsg": "ok", "behavior_data": days})

    api.add_callback(responses.POST, BEHAVIOR, callback=reply)


LIN = {
    "new_apply_cnt": 2,
    "new_contact_cnt": 7,
    "chat_cnt": 20,
    "message_cnt": 65,
    "reply_percentage": 87.5,
    "avg_reply_time": 4,
    "negative_feedback_cnt": 1,
}
WANG = {
    "new_apply_cnt": 0,
    "new_contact_cnt": 3,
    "chat_cnt": 0,
    "message_cnt": 0,
    "negative_feedback_cnt": 0,
}


def test_the_shanghai_day_is_asked_from_beijing_midnight():
    # 2026-03-01 00:00 +08:00 is 2026-02-28 16:00 UTC
    expected = int(dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC).timestamp())
    assert day_bounds(dt.date(2026, 3, 1)) == (expected, expected)


def test_import_stores_each_assistant_s_shanghai_day_once(api, account):
    day = timezone.localdate() - dt.timedelta(days=1)
    _answer(api, {"linxiaowen": LIN, "wangfang": WANG})

    result = behavior_import(account=account, day=day)

    # one call per active assistant with a userid, asking exactly that local day
    calls = [json.loads(c.request.body) for c in api.calls if c.request.url.startswith(BEHAVIOR)]
    assert sorted(c["userid"][0] for c in calls) == ["linxiaowen", "wangfang"]
    assert {(c["start_time"], c["end_time"]) for c in calls} == {(_midnight(day),) * 2}
    assert (result.rows, result.members, result.failed) == (2, 2, {})
    lin = AssistantBehaviorDay.objects.get(userid="linxiaowen")
    assert (lin.account_name, lin.day) == ("clinic", day)
    assert (lin.new_apply_cnt, lin.new_contact_cnt, lin.chat_cnt, lin.message_cnt) == (
        2,
        7,
        20,
        65,
    )
    assert (lin.reply_percentage, lin.avg_reply_time, lin.negative_feedback_cnt) == (
        Decimal("87.50"),
        4,
        1,
    )
    wang = AssistantBehaviorDay.objects.get(userid="wangfang")
    assert (wang.chat_cnt, wang.reply_percentage, wang.avg_reply_time) == (0, None, None)
    assert AssistantBehaviorDay.objects.count() == 2  # the next day's entry was not stored


def test_reimporting_a_day_replaces_its_figures(api, account):
    day = timezone.localdate() - dt.timedelta(days=2)
    _answer(api, {"linxiaowen": LIN, "wangfang": WANG})
    behavior_import(account=account, day=day)

    # WeCom settles the day later: the second import brings other figures
    api.remove(responses.POST, BEHAVIOR)
    _answer(api, {"linxiaowen": {**LIN, "message_cnt": 80}, "wangfang": WANG})
    behavior_import(account=account, day=day)
    behavior_import(account=account, day=day)

    assert AssistantBehaviorDay.objects.count() == 2
    assert AssistantBehaviorDay.objects.get(userid="linxiaowen").message_cnt == 80


def test_a_member_wecom_refuses_is_skipped_and_reported(api, account):
    day = timezone.localdate() - dt.timedelta(days=1)
    _answer(api, {"linxiaowen": LIN})

    result = behavior_import(account=account, day=day)

    assert result.failed == {"wangfang": "60111"}
    assert list(AssistantBehaviorDay.objects.values_list("userid", flat=True)) == ["linxiaowen"]


def test_the_command_imports_a_day_and_refuses_a_bad_one(api, account):
    day = timezone.localdate() - dt.timedelta(days=3)
    _answer(api, {"linxiaowen": LIN, "wangfang": WANG})
    out = StringIO()

    call_command("wecom_behavior_import", "--day", day.isoformat(), stdout=out)

    assert f"{day}: 2 rows, 2 members" in out.getvalue()
    assert set(AssistantBehaviorDay.objects.values_list("day", flat=True)) == {day}
    for bad in ("2026-13-01", (timezone.localdate() + dt.timedelta(days=1)).isoformat()):
        with pytest.raises(CommandError) as err:
            call_command("wecom_behavior_import", "--day", bad, stdout=StringIO())
        assert err.value.returncode == 2


def test_the_daily_import_is_scheduled_with_beat():
    task = PeriodicTask.objects.get(task="channels.wecom_behavior_import")
    assert (task.crontab.hour, task.crontab.minute) == ("6", "10")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


@pytest.mark.parametrize("accounts", [True, False], ids=["with-account", "no-account"])
def test_the_command_says_a_future_day_is_in_the_future(request, accounts):
    if accounts:
        request.getfixturevalue("account")
    future = dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=2)

    with pytest.raises(CommandError) as err:
        call_command("wecom_behavior_import", "--day", future.isoformat(), stdout=StringIO())

    assert err.value.returncode == 2
    assert "不能导入未来的日期" in str(err.value)
    assert "180" not in str(err.value)
    assert AssistantBehaviorDay.objects.count() == 0


def test_the_command_says_a_day_past_the_history_is_too_old(account):
    old = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=181)

    with pytest.raises(CommandError) as err:
        call_command("wecom_behavior_import", "--day", old.isoformat(), stdout=StringIO())

    assert err.value.returncode == 2
    assert "180" in str(err.value)


# ---- one broken account never blocks the others (F5) ---------------------------------------

BROKEN = "https://broken.test"


@pytest.fixture
def two_accounts(account):
    """`clinic` (good, on BASE) and `branch` on another host that the test breaks."""
    broken, _ = wecom_account_create(
        name="branch",
        corp_id="ww-branch",
        secret="wrong-secret",
        agent_id="1000003",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=BROKEN,
    )
    return account, broken


def _broken_token(api, answer: dict | None = None, status: int = 200, body: str | None = None):
    text = body if body is not None else json.dumps(answer)
    api.add(responses.GET, f"{BROKEN}/cgi-bin/gettoken", body=text, status=status)


def _broken_behavior(api, *, status: int = 200, body: str) -> None:
    api.add(
        responses.GET,
        f"{BROKEN}/cgi-bin/gettoken",
        json={"errcode": 0, "access_token": "B", "expires_in": 7200},
    )
    api.add(
        responses.POST,
        f"{BROKEN}/cgi-bin/externalcontact/get_user_behavior_data",
        body=body,
        status=status,
    )


def _good_rows() -> set[tuple[str, str]]:
    return set(AssistantBehaviorDay.objects.values_list("account_name", "userid"))


BAD_ANSWERS = {
    # a bad secret: gettoken refuses with WeCom's errcode
    "token": (
        "40001",
        lambda api: _broken_token(api, {"errcode": 40001, "errmsg": "invalid credential"}),
    ),
    "5xx": ("http_502", lambda api: _broken_behavior(api, status=502, body="Bad Gateway")),
    "not-json": ("http_200", lambda api: _broken_behavior(api, body="<html>oops</html>")),
    "missing-fields": (
        "bad_answer",
        lambda api: _broken_behavior(api, body=json.dumps({"errcode": 0, "errmsg": "ok"})),
    ),
    "entry-missing-fields": (
        "bad_answer",
        lambda api: _broken_behavior(
            api, body=json.dumps({"errcode": 0, "behavior_data": [{"chat_cnt": 3}]})
        ),
    ),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS), ids=list(BAD_ANSWERS))
def test_one_broken_account_does_not_block_the_others(api, two_accounts, case, caplog):
    code, breaks = BAD_ANSWERS[case]
    day = timezone.localdate() - dt.timedelta(days=1)
    _answer(api, {"linxiaowen": LIN, "wangfang": WANG})
    breaks(api)
    out = StringIO()

    with pytest.raises(CommandError) as err:
        call_command("wecom_behavior_import", "--day", day.isoformat(), stdout=out)

    # the good account was imported whatever became of the broken one
    assert _good_rows() == {("clinic", "linxiaowen"), ("clinic", "wangfang")}
    assert f"clinic · {day}: 2 rows, 2 members" in out.getvalue()
    # the command fails after that, naming the account and WeCom's code, in zh-hans
    assert err.value.returncode == 1
    assert "branch" in str(err.value)
    assert code in str(err.value)
    assert "导入失败" in str(err.value)
    assert "clinic" not in str(err.value)
    # and the log names them too
    assert any("branch" in r.getMessage() and code in r.getMessage() for r in caplog.records)


def test_the_task_retries_only_the_failed_account(api, two_accounts, monkeypatch):
    from channels.tasks import BehaviorImportFailed, wecom_behavior_import_task

    # eager retries re-run through apply(), which would raise the Retry itself otherwise
    monkeypatch.setitem(wecom_behavior_import_task.app.conf, "task_eager_propagates", False)

    day = timezone.localdate() - dt.timedelta(days=1)
    _answer(api, {"linxiaowen": LIN, "wangfang": WANG})
    _broken_token(api, {"errcode": 40001, "errmsg": "invalid credential"})

    # eager (no broker): each retry runs at once, with the kwargs the retry carries
    outcome = wecom_behavior_import_task.apply(kwargs={"day": day.isoformat()}, throw=False)

    with pytest.raises(BehaviorImportFailed) as err:
        outcome.get()
    assert "branch" in str(err.value)
    assert "40001" in str(err.value)
    good_calls = [c for c in api.calls if c.request.url.startswith(BEHAVIOR)]
    broken_tokens = [c for c in api.calls if c.request.url.startswith(f"{BROKEN}/cgi-bin/gettoken")]
    assert len(good_calls) == 2  # clinic's two members, asked once: never retried
    assert len(broken_tokens) == 1 + wecom_behavior_import_task.max_retries
    assert _good_rows() == {("clinic", "linxiaowen"), ("clinic", "wangfang")}


def test_the_task_retry_imports_the_failed_account_once_it_recovers(api, two_accounts):
    from channels.tasks import wecom_behavior_import_task

    day = timezone.localdate() - dt.timedelta(days=1)
    _answer(api, {"linxiaowen": LIN, "wangfang": WANG})
    # branch: a 5xx on the first try, then a healthy answer
    api.add(responses.GET, f"{BROKEN}/cgi-bin/gettoken", status=503, body="busy")
    api.add(
        responses.GET,
        f"{BROKEN}/cgi-bin/gettoken",
        json={"errcode": 0, "access_token": "B", "expires_in": 7200},
    )
    api.add(
        responses.POST,
        f"{BROKEN}/cgi-bin/externalcontact/get_user_behavior_data",
        json={"errcode": 0, "behavior_data": [{"stat_time": _midnight(day), **LIN}]},
    )

    rows = wecom_behavior_import_task.apply(kwargs={"day": day.isoformat()}, throw=False).get()

    # Both companies answered for the same userids: a member's day keeps one set of figures,
    # the later import's (activity.behavior_days_upsert), so the board never sums the two.
    assert _good_rows() == {("branch", "linxiaowen"), ("branch", "wangfang")}
    assert len([c for c in api.calls if c.request.url.startswith(BEHAVIOR)]) == 2
    assert rows == 2  # the retry's own rows (the first run's 2 were returned by nobody)
