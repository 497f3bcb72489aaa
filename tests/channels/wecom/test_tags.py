"""Stages and tags stay in step (issue 16 point 5): setup makes the 「引流阶段」 tag group once; a
stage change marks the new stage's tag (and removes the previous one) on each WeCom contact of
the lead through the outbox, recorded for staff; replays mark once; a WeCom failure is retried
later and never touches the stage change. WeCom is the sandbox's look-alike in a thread."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from channels.tasks import wecom_stage_tags_task
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomContact, WecomTagMark
from channels.wecom.services import external_key, wecom_account_create
from channels.wecom.tags import GROUP_NAME, LISTENER, stage_tags_setup
from funnel.models import LeadEvent, OutboxDelivery, Stage
from funnel.outbox import outbox_deliver, outbox_sweep
from funnel.services.stages import lead_stage_change
from funnel.services.tokens import api_token_create
from tests.channels.wecom.conftest import AES_KEY, CORP_ID, TOKEN

pytestmark = pytest.mark.django_db

MARK = "/cgi-bin/externalcontact/mark_tag"
ADD_TAG = "/cgi-bin/externalcontact/add_corp_tag"


def control(base: str, path: str = "/sandbox/wecom", **body) -> dict:
    answer = requests.post(f"{base}{path}", json=body, timeout=30)
    assert answer.status_code == 200
    return answer.json()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sandboxed(sandbox, db):
    """A company whose API is the sandbox: (state, base, account)."""
    state, base = sandbox
    account, _ = wecom_account_create(
        name="clinic",
        corp_id=CORP_ID,
        secret="contact-secret",
        agent_id="1000002",
        token=TOKEN,
        aes_key=AES_KEY,
        api_base_url=base,
    )
    return state, base, account


@pytest.fixture
def tagged(sandboxed, make_lead):
    """Stage tags set up; a new lead whose patient added member zhangsan (both sides know)."""
    state, base, account = sandboxed
    setup = stage_tags_setup(account_id=account.pk)
    lead = make_lead()
    contact = WecomContact.objects.create(
        account=account,
        lead=lead,
        member_userid="zhangsan",
        external_userid="wmPATIENT01",
        external_key=external_key("wmPATIENT01"),
        added_at=timezone.now(),
    )
    control(base, action="relation", userid="zhangsan", external_userid="wmPATIENT01")
    return state, base, lead, contact, setup.tags


def calls(state, path: str) -> int:
    with state.lock:
        return state.calls.get(path, 0)


def customer_tags(state, userid: str = "zhangsan", external: str = "wmPATIENT01") -> set[str]:
    with state.lock:
        return set(state.wecom["relations"][(userid, external)])


def marks(state) -> list[dict]:
    with state.lock:
        return [dict(m) for m in state.wecom["marks"]]


def test_setup_makes_one_group_with_a_tag_per_stage_and_a_second_setup_makes_nothing(
    sandboxed,
):
    state, base, account = sandboxed

    # when the IT person runs the setup twice
    first = run("wecom_account", "tags", "--name", "clinic")
    account.refresh_from_db()
    recorded = dict(account.settings["stage_tags"]["tags"])
    second = run("wecom_account", "tags", "--name", "clinic")

    # then WeCom holds one group with one tag per stage, and the account their ids
    (group,) = control(base, action="inspect")["tag_groups"]
    assert group["group_name"] == GROUP_NAME
    assert {t["name"]: t["id"] for t in group["tag"]} == {
        Stage(code).label: tag_id for code, tag_id in recorded.items()
    }
    assert set(recorded) == set(Stage.values)
    assert account.settings["stage_tags"]["group_id"] == group["group_id"]
    assert f"{len(Stage.values)} created, 0 already there" in first
    # and the second run looked, found everything and made nothing
    assert f"0 created, {len(Stage.values)} already there" in second
    assert calls(state, ADD_TAG) == 1
    account.refresh_from_db()
    assert account.settings["stage_tags"]["tags"] == recorded


def test_setup_completes_a_group_begun_in_the_console_and_keeps_its_tags(sandboxed):
    state, base, account = sandboxed
    # given someone made the group with two of the tags by hand
    begun = WecomClient(account).call(
        "POST",
        "externalcontact/add_corp_tag",
        json={"group_name": GROUP_NAME, "tag": [{"name": "新线索"}, {"name": "已加微"}]},
    )["tag_group"]
    kept = {t["name"]: t["id"] for t in begun["tag"]}

    setup = stage_tags_setup(account_id=account.pk)

    assert sorted(setup.existing) == ["已加微", "新线索"]
    assert len(setup.created) == len(Stage.values) - 2
    assert setup.tags[Stage.NEW] == kept["新线索"]
    assert setup.tags[Stage.CONTACTED] == kept["已加微"]
    (group,) = control(base, action="inspect")["tag_groups"]
    assert group["group_id"] == begun["group_id"] == setup.group_id
    assert len(group["tag"]) == len(Stage.values)


def test_a_stage_change_marks_the_new_stage_and_removes_the_previous_one(tagged, outbox_drain):
    state, _base, lead, contact, tags = tagged

    # when the lead reaches 已加微, then 已建档
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    outbox_drain()
    after_contacted = customer_tags(state)
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.PROFILED)
    outbox_drain()

    # then each change was one mark_tag: the new stage added, the previous removed first
    first, second = marks(state)
    assert first["userid"] == "zhangsan"
    assert first["external_userid"] == "wmPATIENT01"
    assert first["add_tag"] == [tags[Stage.CONTACTED]]
    assert first["remove_tag"][0] == tags[Stage.NEW]
    assert set(first["remove_tag"]) == set(tags.values()) - {tags[Stage.CONTACTED]}
    assert second["add_tag"] == [tags[Stage.PROFILED]]
    assert second["remove_tag"][0] == tags[Stage.CONTACTED]
    assert after_contacted == {tags[Stage.CONTACTED]}
    assert customer_tags(state) == {tags[Stage.PROFILED]}
    # and each mark is recorded with its result for staff
    rows = list(WecomTagMark.objects.filter(contact=contact).order_by("pk"))
    assert [(r.stage, r.status, r.tries, r.last_answer) for r in rows] == [
        (Stage.CONTACTED, "done", 1, "ok"),
        (Stage.PROFILED, "done", 1, "ok"),
    ]
    assert rows[1].add_tags == [tags[Stage.PROFILED]]
    assert rows[1].member_userid == "zhangsan"
    # and the log keeps no personal data: the patient's userid stays on the contact alone
    for row in rows:
        values = [str(getattr(row, f.attname)) for f in WecomTagMark._meta.concrete_fields]
        assert not [v for v in values if "wmPATIENT01" in v]


def test_a_replayed_delivery_marks_once(tagged, outbox_drain):
    state, _base, lead, _contact, _tags = tagged
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    outbox_drain()
    event = LeadEvent.objects.get(lead=lead, kind="stage", to_stage=Stage.CONTACTED)
    delivery = OutboxDelivery.objects.get(event=event, listener=LISTENER)
    assert delivery.status == "done"

    # when the same delivery runs again (at least once), directly and through the outbox
    assert wecom_stage_tags_task(event.pk) == 0
    OutboxDelivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=None)
    assert outbox_deliver(delivery_id=delivery.pk) == "done"

    # then WeCom was called once and one mark is recorded
    assert calls(state, MARK) == 1
    assert len(marks(state)) == 1
    assert WecomTagMark.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [("rate_limit", "RateLimited: 45009"), ("server_error", "Transient: http_500")],
)
def test_a_wecom_failure_is_retried_later_and_the_stage_change_stands(
    client, tagged, outbox_drain, django_capture_on_commit_callbacks, fault, error
):
    state, base, lead, contact, tags = tagged
    control(base, "/sandbox/control", faults=[{"kind": fault, "path": "mark_tag", "times": 1}])
    token = api_token_create(name="crm")

    # when another system reports the lead contacted while WeCom fails
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/api/v1/leads/{lead.pk}/events",
            data=json.dumps({"stage": "contacted"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    outbox_drain()

    # then the stage change answered and stands; the mark waits with its error
    assert answer.status_code == 200
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    delivery = OutboxDelivery.objects.get(listener=LISTENER)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, error)
    row = WecomTagMark.objects.get(contact=contact)
    assert (row.status, row.tries) == ("error", 1)
    assert customer_tags(state) == set()

    # when the sweep runs after the back-off
    assert outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1

    # then the mark went through, once
    delivery.refresh_from_db()
    row.refresh_from_db()
    assert delivery.status == "done"
    assert (row.status, row.tries, row.last_answer) == ("done", 2, "ok")
    assert calls(state, MARK) == 2
    assert customer_tags(state) == {tags[Stage.CONTACTED]}


def test_a_relationship_gone_at_wecom_is_recorded_and_not_retried(tagged, outbox_drain):
    state, base, lead, contact, _tags = tagged
    # given the patient deleted the member at WeCom (the callback has not come yet)
    with state.lock:
        del state.wecom["relations"][("zhangsan", "wmPATIENT01")]

    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    outbox_drain()

    row = WecomTagMark.objects.get(contact=contact)
    assert (row.status, row.last_answer) == ("failed", "84061")
    assert OutboxDelivery.objects.get(listener=LISTENER).status == "done"
    assert outbox_sweep(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert calls(state, MARK) == 1


def test_a_tag_deleted_in_the_console_fails_until_setup_runs_again(tagged, outbox_drain):
    state, base, lead, contact, tags = tagged
    control(base, action="del_tag", tag_id=tags[Stage.CONTACTED])

    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    outbox_drain()
    row = WecomTagMark.objects.get(contact=contact)
    assert (row.status, row.last_answer) == ("error", "40068")

    # when the IT person runs the setup again, the retry uses the new tag
    new = stage_tags_setup(account_id=contact.account_id)
    delivery = OutboxDelivery.objects.get(listener=LISTENER)
    outbox_sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1))

    row.refresh_from_db()
    assert new.created == [Stage.CONTACTED.label]
    assert row.status == "done"
    assert row.add_tags == [new.tags[Stage.CONTACTED]] != [tags[Stage.CONTACTED]]
    assert customer_tags(state) == {new.tags[Stage.CONTACTED]}


def test_an_older_delivery_retried_late_never_undoes_a_newer_stage(tagged, outbox_drain):
    state, base, lead, contact, tags = tagged
    # given the 已加微 mark fails once and the 已建档 mark goes through before its retry
    control(base, "/sandbox/control", faults=[{"kind": "rate_limit", "path": "mark_tag"}])
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    outbox_drain()
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.PROFILED)
    outbox_drain()

    # when the older delivery is retried
    outbox_sweep(now=timezone.now() + dt.timedelta(hours=2))

    # then it is superseded: nothing sent, the contact keeps the newer stage alone
    older, newer = WecomTagMark.objects.filter(contact=contact).order_by("event_at")
    assert (older.stage, older.status) == (Stage.CONTACTED, "superseded")
    assert (newer.stage, newer.status) == (Stage.PROFILED, "done")
    assert customer_tags(state) == {tags[Stage.PROFILED]}
    assert len(marks(state)) == 1


def test_without_stage_tags_nothing_is_marked_or_recorded(sandboxed, make_lead, outbox_drain):
    state, _base, account = sandboxed
    lead = make_lead()
    WecomContact.objects.create(
        account=account,
        lead=lead,
        member_userid="zhangsan",
        external_userid="wmPATIENT01",
        external_key=external_key("wmPATIENT01"),
        added_at=timezone.now(),
    )

    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    outbox_drain()

    assert not WecomTagMark.objects.exists()
    assert calls(state, MARK) == 0
    assert OutboxDelivery.objects.get(listener=LISTENER).status == "done"


def test_a_mark_left_sending_by_a_dead_worker_is_marked_by_the_sweep(tagged):
    """Review of issue 16 point 2 (the same kind of stuck row as a welcome): worker 1 claimed
    the delivery and the mark, then died; the outbox's retry came when the delivery's lease
    ended but inside the mark's, skipped the claimed mark and finished the delivery."""
    from channels.wecom.tags import _claim, _plan, tag_marks_sweep

    state, _base, lead, contact, tags = tagged
    lead_stage_change(lead_id=lead.pk, to_stage=Stage.CONTACTED)
    event = LeadEvent.objects.get(lead=lead, kind="stage", to_stage=Stage.CONTACTED)
    delivery = OutboxDelivery.objects.get(event=event, listener=LISTENER)
    t0 = timezone.now()
    # worker 1: the delivery leased, the mark claimed … and nothing more
    OutboxDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, next_attempt_at=t0 + dt.timedelta(minutes=5)
    )
    WecomTagMark.objects.bulk_create(_plan(event))
    assert _claim(WecomTagMark.objects.get(), t0)
    # the retry, right at the end of the delivery's lease
    assert outbox_deliver(delivery_id=delivery.pk, now=t0 + dt.timedelta(minutes=5)) == "done"
    row = WecomTagMark.objects.get()
    assert row.status == "sending"
    assert calls(state, MARK) == 0

    # when the sweep runs past the mark's lease
    assert tag_marks_sweep(now=t0 + dt.timedelta(minutes=6)) == 1

    row.refresh_from_db()
    assert (row.status, row.tries) == ("done", 2)
    assert customer_tags(state) == {tags[Stage.CONTACTED]}
    assert tag_marks_sweep(now=t0 + dt.timedelta(minutes=12)) == 0
