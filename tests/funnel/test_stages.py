from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from funnel.models import FollowUp, Lead, LeadEvent, Order, ReferralReward
from funnel.services.referrals import referral_code_ensure
from funnel.services.stages import lead_stage_change, order_record, transition_allowed
from tests.funnel.factories import PackageFactory, payload

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "allowed"),
    [
        ("new", "contacted", True),
        ("contacted", "consulted", True),  # a skipped step reported later is fine
        ("consulted", "contacted", False),  # never backwards
        ("paid", "repurchased", False),  # only a second order makes a repurchase
        ("new", "invalid", True),
        ("consulted", "invalid", False),  # invalid is judged at first contact
        ("paid", "lost", True),
        ("lost", "contacted", True),  # won back
        ("invalid", "contacted", False),
    ],
)
def test_transition_rules(from_stage, to_stage, allowed) -> None:
    assert transition_allowed(from_stage, to_stage) is allowed


def test_stage_change_writes_one_event_with_actor_and_note(ingest) -> None:
    lead_id = ingest(payload()).lead_id

    lead_stage_change(
        lead_id=lead_id, to_stage="contacted", actor_label="林晓雯", note="已通过好友"
    )

    event = LeadEvent.objects.filter(kind="stage").last()
    assert (event.from_stage, event.to_stage, event.actor_label, event.note) == (
        "new",
        "contacted",
        "林晓雯",
        "已通过好友",
    )
    assert Lead.objects.get(pk=lead_id).stage == "contacted"


def test_forbidden_transition_is_refused_and_changes_nothing(ingest) -> None:
    lead_id = ingest(payload()).lead_id
    lead_stage_change(lead_id=lead_id, to_stage="consulted")
    events_before = LeadEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        lead_stage_change(lead_id=lead_id, to_stage="contacted")

    assert (refused.value.code, refused.value.status) == ("forbidden_transition", 409)
    assert Lead.objects.get(pk=lead_id).stage == "consulted"
    assert LeadEvent.objects.count() == events_before


def test_first_order_pays_second_order_repurchases(ingest) -> None:
    package = PackageFactory(duration_days=90)
    lead_id = ingest(payload()).lead_id
    paid_at = dt.datetime(2026, 11, 1, 15, 30, tzinfo=SHANGHAI)

    order_record(lead_id=lead_id, amount="1980.00", package=package, paid_at=paid_at)
    assert Lead.objects.get(pk=lead_id).stage == "paid"

    order_record(lead_id=lead_id, amount="1980", package=package)
    assert Lead.objects.get(pk=lead_id).stage == "repurchased"
    assert sorted(Order.objects.values_list("amount", flat=True)) == [Decimal("1980.00")] * 2

    refill = FollowUp.objects.get(kind="refill", lead_id=lead_id, due_at__date__lt="2027-01-30")
    # package duration (90 days) minus 3 days after payment, at 09:00 local
    assert timezone.localtime(refill.due_at) == dt.datetime(2027, 1, 27, 9, 0, tzinfo=SHANGHAI)


def test_paid_needs_an_amount_and_rejects_nonsense(ingest) -> None:
    lead_id = ingest(payload()).lead_id
    for amount, code in (
        (None, "amount_required"),
        ("abc", "invalid_amount"),
        ("-1", "invalid_amount"),
    ):
        with pytest.raises(ApplicationError) as refused:
            lead_stage_change(lead_id=lead_id, to_stage="paid", amount=amount)
        assert refused.value.code == code
    assert Order.objects.count() == 0


def test_referee_payment_writes_a_reward_for_the_referrer(ingest, settings) -> None:
    settings.REFERRAL_REWARD_PERCENT = "10"
    referrer = ingest(payload("13900139000")).lead_id
    code = referral_code_ensure(lead_id=referrer)
    referee = ingest(payload("13700137000", referral_code=code)).lead_id

    order = order_record(lead_id=referee, amount="699.00")

    reward = ReferralReward.objects.get()
    assert (reward.referrer_id, reward.referee_id, reward.order_id) == (referrer, referee, order.pk)
    assert reward.amount == Decimal("69.90")
    assert reward.points == 699


def test_prescribed_lead_gets_a_payment_chase(ingest) -> None:
    lead_id = ingest(payload()).lead_id

    lead_stage_change(lead_id=lead_id, to_stage="prescribed")

    assert (
        FollowUp.objects.filter(lead_id=lead_id, kind="payment_chase", status="pending").count()
        == 1
    )
    order_record(lead_id=lead_id, amount="299")
    assert FollowUp.objects.get(lead_id=lead_id, kind="payment_chase").status == "cancelled"
