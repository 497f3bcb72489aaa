"""The same WeCom callback delivered by several workers at once on the real PostgreSQL (WeCom
retries while the first delivery is still running): one intake record, one contact, one
stage change."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from django.db import connections

from channels.wecom.models import WecomContact
from channels.wecom.state import state_for_lead
from funnel.models import InboundLead, InboundStatus, Lead, LeadEvent, Stage
from tests.channels.wecom.conftest import callback_request, event_xml

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 6


def _deliver(requests: list[tuple[str, bytes]], queue) -> None:
    from django.test import Client

    from funnel.services.intake import intake_process

    connections.close_all()  # never share the parent's socket
    client = Client()
    codes = []
    for query, body in requests:
        response = client.post(
            f"/channels/hooks/wecom/clinic/?{query}", data=body, content_type="text/xml"
        )
        codes.append(response.status_code)
    # Every worker also plays the intake task for whatever is waiting.
    ids = list(
        InboundLead.objects.filter(channel="wecom", status=InboundStatus.RECEIVED).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        intake_process(inbound_ids=[pk])
    queue.put(codes)
    connections.close_all()


def test_same_event_from_six_workers_has_one_effect(wecom_account) -> None:
    lead = Lead.objects.create(phone_hash="wecom-race", phone="+8613800000001")
    state = state_for_lead(lead.pk)
    created = str(int(time.time()) - 30)
    same = event_xml(State=state, CreateTime=created, ExternalUserID="wmRACE")
    second_member = event_xml(State=state, CreateTime=created, ExternalUserID="wmRACE", UserID="m2")
    # Each worker sends the event twice (fresh nonce and ciphertext each time, as WeCom
    # retries) and half of them the second member's add too.
    per_worker = [
        [callback_request(same), callback_request(same)]
        + ([callback_request(second_member)] if w % 2 else [])
        for w in range(WORKERS)
    ]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_deliver, args=(per_worker[w], queue)) for w in range(WORKERS)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=300)

    assert [p.exitcode for p in procs] == [0] * WORKERS
    assert all(code == 200 for codes in results for code in codes)
    rows = InboundLead.objects.filter(channel="wecom")
    assert rows.count() == 2  # the event and the second member's add
    assert set(rows.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
    assert WecomContact.objects.filter(lead=lead).count() == 2
    lead.refresh_from_db()
    assert lead.stage == Stage.CONTACTED
    stages = LeadEvent.objects.filter(lead=lead, kind="stage", to_stage=Stage.CONTACTED)
    assert stages.count() == 1


def test_same_fresh_add_from_six_workers_sends_one_welcome(wecom_account, sandbox, settings):
    """Six workers receive and process the same fresh add (its code good for 20 s): one
    welcome row, one `send_welcome_msg` at the sandbox (which would also take the code only
    once), sent."""
    from channels.sandbox import wecom as sandbox_wecom
    from channels.wecom.models import WecomWelcome, WecomWelcomeTemplate

    state, base = sandbox
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    WecomAccount = type(wecom_account)
    WecomAccount.objects.filter(pk=wecom_account.pk).update(api_base_url=base)
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，已收到您的咨询。")
    lead = Lead.objects.create(phone_hash="wecom-race-welcome", phone="+8613800000021")
    code = sandbox_wecom.welcome_code_issue(state, userid="zhangsan", external_userid="wmWRACE")
    same = event_xml(State=state_for_lead(lead.pk), ExternalUserID="wmWRACE", WelcomeCode=code)
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_deliver, args=([callback_request(same)], queue)) for _ in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=300)

    assert [p.exitcode for p in procs] == [0] * WORKERS
    assert all(code == 200 for codes in results for code in codes)
    row = WecomWelcome.objects.get()
    assert row.status == WecomWelcome.Status.SENT
    with state.lock:
        assert [w["external_userid"] for w in state.wecom["welcomes"]] == ["wmWRACE"]
        assert state.calls["/cgi-bin/externalcontact/send_welcome_msg"] == 1


def test_resends_of_one_add_with_different_welcome_codes_send_one_welcome(
    wecom_account, sandbox, settings
):
    """Review of issue 16 point 6 under concurrency: WeCom resends one add (same identity,
    same CreateTime) with a fresh WelcomeCode each time, to six workers at once: one intake
    record, processed once, one welcome row and one `send_welcome_msg`."""
    from channels.sandbox import wecom as sandbox_wecom
    from channels.wecom.models import WecomWelcome, WecomWelcomeTemplate

    state, base = sandbox
    settings.CHANNELS_SANDBOX_URLS_ALLOWED = True
    WecomAccount = type(wecom_account)
    WecomAccount.objects.filter(pk=wecom_account.pk).update(api_base_url=base)
    WecomWelcomeTemplate.objects.create(specialty=None, text="您好，已收到您的咨询。")
    lead = Lead.objects.create(phone_hash="wecom-race-resend", phone="+8613800000031")
    created = str(int(time.time()))
    sends = [
        event_xml(
            State=state_for_lead(lead.pk),
            ExternalUserID="wmRESEND",
            CreateTime=created,
            WelcomeCode=sandbox_wecom.welcome_code_issue(
                state, userid="zhangsan", external_userid="wmRESEND"
            ),
        )
        for _ in range(WORKERS)
    ]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    # the first copy is received and processed (its welcome sent) …
    first = ctx.Process(target=_deliver, args=([callback_request(sends[0])], queue))
    first.start()
    results = [queue.get(timeout=300)]
    first.join(timeout=300)
    # … then WeCom's resends, each with its own code, reach five workers at once
    procs = [
        ctx.Process(target=_deliver, args=([callback_request(xml)], queue)) for xml in sends[1:]
    ]
    for proc in procs:
        proc.start()
    results += [queue.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=300)

    assert [p.exitcode for p in [first, *procs]] == [0] * WORKERS
    assert all(code == 200 for codes in results for code in codes)
    (record,) = InboundLead.objects.filter(channel="wecom")
    assert record.attempts == 1
    assert WecomWelcome.objects.count() == 1
    with state.lock:
        assert state.calls["/cgi-bin/externalcontact/send_welcome_msg"] == 1
