"""The admin's stage form acts once per rendered form: 已支付 submitted twice (a double click,
two tabs, the back button), one after the other or at the same time, is one order and 已支付,
never a second order and a false 已复购."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from funnel.models import IdempotencyKey, Lead, LeadEvent, Order
from funnel.services import stages
from funnel.services.stages import lead_stage_change
from funnel.services.tokens import api_token_create
from tests.funnel.factories import UserFactory, payload

pytestmark = pytest.mark.django_db

RESUBMITTED = "该操作已提交，未重复记录"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def prescribed(ingest) -> int:
    """A lead at 已开方 (the payment is next)."""
    lead_id = ingest(payload("13800000201")).lead_id
    lead_stage_change(lead_id=lead_id, to_stage="prescribed")
    return lead_id


def _staff_client(username: str = "ops") -> Client:
    client = Client()
    client.force_login(UserFactory(username=username, is_superuser=True))
    return client


def _form_token(client: Client, lead_id: int) -> str:
    """The one-time token of the stage form as the lead page renders it."""
    page = client.get(f"/admin/funnel/leads/inspect/{lead_id}/").content.decode()
    (token,) = TOKEN.findall(page)
    return token


def _pay(client: Client, lead_id: int, token: str | None, amount: str = "1980", **kw):
    data = {"to_stage": "paid", "amount": amount, "note": ""}
    if token is not None:
        data["form_token"] = token
    return client.post(f"/admin/funnel/leads/{lead_id}/stage/", data, **kw)


def test_paying_twice_with_one_rendered_form_is_one_order(prescribed) -> None:
    # given the lead page, opened once
    client = _staff_client()
    token = _form_token(client, prescribed)
    # when 已支付 ¥1980 is sent twice from it (a double click)
    first = _pay(client, prescribed, token)
    second = _pay(client, prescribed, token, follow=True)
    # then one order, the lead 已支付 (not 已复购), and the second click was told so
    assert first.status_code == 302
    assert second.redirect_chain[0][1] == 302
    assert list(Order.objects.values_list("amount", flat=True)) == [Decimal("1980.00")]
    assert Lead.objects.get(pk=prescribed).stage == "paid"
    assert RESUBMITTED in second.content.decode()
    assert LeadEvent.objects.filter(lead_id=prescribed, kind="stage", to_stage="paid").count() == 1


def test_the_same_form_sent_again_with_another_amount_records_nothing(prescribed) -> None:
    # given a payment recorded from a page, when the back button sends that page's form again
    # with the amount changed
    client = _staff_client()
    token = _form_token(client, prescribed)
    _pay(client, prescribed, token, amount="1980")
    again = _pay(client, prescribed, token, amount="2980", follow=True)
    # then nothing new, and the user is told it was submitted already
    assert list(Order.objects.values_list("amount", flat=True)) == [Decimal("1980.00")]
    assert RESUBMITTED in again.content.decode()


def test_a_freshly_rendered_form_records_a_real_second_payment(prescribed) -> None:
    client = _staff_client()
    _pay(client, prescribed, _form_token(client, prescribed))
    # the page after the redirect carries a new token: a second payment is a repurchase
    _pay(client, prescribed, _form_token(client, prescribed), amount="980")
    assert Order.objects.count() == 2
    assert Lead.objects.get(pk=prescribed).stage == "repurchased"


def test_a_stage_form_without_its_token_records_nothing(prescribed) -> None:
    client = _staff_client()
    for token in (None, "", "not-a-token-we-rendered"):
        answer = _pay(client, prescribed, token, follow=True)
        assert "表单已失效，请刷新页面后重新提交" in answer.content.decode()
    assert Order.objects.count() == 0
    assert Lead.objects.get(pk=prescribed).stage == "prescribed"
    assert IdempotencyKey.objects.count() == 0


def test_a_refused_submission_spends_no_token(prescribed) -> None:
    # given 已支付 sent without an amount (refused: 支付需要金额)
    client = _staff_client()
    token = _form_token(client, prescribed)
    refused = _pay(client, prescribed, token, amount="", follow=True)
    assert "支付需要金额" in refused.content.decode()
    assert Order.objects.count() == 0
    # when the same form is sent again with the amount filled in, it acts (nothing was done)
    fixed = _pay(client, prescribed, token, amount="1980", follow=True)
    assert RESUBMITTED not in fixed.content.decode()
    assert Order.objects.count() == 1
    assert Lead.objects.get(pk=prescribed).stage == "paid"


def test_form_tokens_never_meet_api_keys_or_other_staff(client, prescribed) -> None:
    # given a payment recorded from the admin with token T
    ops = _staff_client("ops")
    token = _form_token(ops, prescribed)
    _pay(ops, prescribed, token)
    # when an API client sends a payment with Idempotency-Key T, it is that client's own
    # request: recorded (a second order), not answered with the admin's answer
    auth = {"Authorization": f"Bearer {api_token_create(name='crm')}"}
    api = client.post(
        f"/api/v1/leads/{prescribed}/events",
        {"stage": "paid", "amount": "980"},
        content_type="application/json",
        headers={**auth, "Idempotency-Key": token},
    )
    assert (api.status_code, api.json()["stage"]) == (200, "repurchased")
    assert "Idempotent-Replayed" not in api
    assert Order.objects.count() == 2
    # and the keys are kept apart by owner: one staff user's, one API client's
    owners = set(IdempotencyKey.objects.values_list("endpoint", "user__username", "token__name"))
    assert owners == {("form:lead_stage", "ops", None), ("lead_event", None, "crm")}


def test_a_withdrawal_wipes_the_forms_request_digest(prescribed) -> None:
    from funnel.services.pii import consent_withdraw

    client = _staff_client()
    token = _form_token(client, prescribed)
    _pay(client, prescribed, token)
    consent_withdraw(lead_id=prescribed)
    assert list(IdempotencyKey.objects.values_list("request_hash", flat=True)) == [""]
    # and the form sent again is still told it was submitted, nothing written
    again = _pay(client, prescribed, token, follow=True)
    assert RESUBMITTED in again.content.decode()
    assert Order.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submissions_of_one_form_are_one_order(prescribed, monkeypatch) -> None:
    # given the lead page open in one browser, and a payment slow enough that every other
    # submission of the same form arrives while the first is still running (uncommitted)
    user = UserFactory(username="ops", is_superuser=True)
    clients = [Client() for _ in range(5)]  # sessions of one user: tabs, a double click
    for session in clients:
        session.force_login(user)
    token = _form_token(clients[0], prescribed)
    started = threading.Barrier(len(clients))
    real_order_record = stages.order_record

    def slow_order_record(**kwargs):
        order = real_order_record(**kwargs)
        threading.Event().wait(0.5)  # hold the transaction open: the others queue on the key
        return order

    monkeypatch.setattr(stages, "order_record", slow_order_record)

    def submit(session: Client) -> tuple[int, bool]:
        try:
            started.wait(timeout=30)
            answer = _pay(session, prescribed, token, follow=True)
            return answer.redirect_chain[0][1], RESUBMITTED in answer.content.decode()
        finally:
            connection.close()

    # when five submissions of it arrive at once
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        outcomes = list(pool.map(submit, clients))

    # then every one is answered (302), one order, 已支付, and four were told so
    assert [status for status, _ in outcomes] == [302] * len(clients)
    assert sorted(told for _, told in outcomes) == [False] + [True] * (len(clients) - 1)
    assert list(Order.objects.values_list("amount", flat=True)) == [Decimal("1980.00")]
    assert Lead.objects.get(pk=prescribed).stage == "paid"
    assert LeadEvent.objects.filter(lead_id=prescribed, kind="stage", to_stage="paid").count() == 1
