"""Stage changes (加微 建档 问诊 开方 支付 复购) and paid orders.

Forward moves along the main path may skip steps (another system may report "paid" straight
after a consultation); moving back is refused; invalid and lost are side exits, and a lost
lead can be won back (→ contacted). Repurchased is reached only by a second paid order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from funnel import errors
from funnel import events as lead_events
from funnel.models import (
    STAGE_MAIN_PATH,
    FollowUp,
    Lead,
    Order,
    ReferralReward,
    ServicePackage,
    Stage,
)
from funnel.outbox import outbox_publish
from funnel.services.lead_facts import furthest_rank_raise

EXITS = {Stage.INVALID, Stage.LOST}


def transition_allowed(from_stage: str, to_stage: str) -> bool:
    if from_stage == to_stage or to_stage == Stage.REPURCHASED:
        return False
    if from_stage in EXITS:
        return from_stage == Stage.LOST and to_stage == Stage.CONTACTED
    if to_stage in EXITS:
        return to_stage == Stage.LOST or from_stage in (Stage.NEW, Stage.CONTACTED)
    return STAGE_MAIN_PATH.index(to_stage) > STAGE_MAIN_PATH.index(from_stage)


def stage_by_orders(paid_orders: int) -> str | None:
    """The stage a person's paid orders alone put them at: the first order 已支付, a second
    (or later) one 已复购 (DESIGN: second paid order = repurchase); None without an order."""
    if paid_orders <= 0:
        return None
    return Stage.PAID if paid_orders == 1 else Stage.REPURCHASED


def _reminders_settle(lead: Lead, stage: str) -> None:
    """Cancel the pending reminders a lead at `stage` has nothing left to do for."""
    if stage != Stage.NEW:
        # Contacted (or further): the SLA check has nothing left to enforce.
        FollowUp.objects.filter(
            lead=lead, kind=FollowUp.Kind.SLA_CHECK, status=FollowUp.Status.PENDING
        ).update(status=FollowUp.Status.CANCELLED)
    if stage in (Stage.PAID, Stage.REPURCHASED, Stage.LOST, Stage.INVALID):
        FollowUp.objects.filter(
            lead=lead, kind=FollowUp.Kind.PAYMENT_CHASE, status=FollowUp.Status.PENDING
        ).update(status=FollowUp.Status.CANCELLED)


def _after_stage(lead: Lead, to_stage: str) -> None:
    _reminders_settle(lead, to_stage)
    if to_stage == Stage.PRESCRIBED:
        FollowUp.objects.get_or_create(
            lead=lead,
            kind=FollowUp.Kind.PAYMENT_CHASE,
            due_at=(timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0),
            defaults={"assignee_id": lead.assignee_id, "note": "已开方未支付：跟进支付"},
        )


def _set_stage(
    lead: Lead,
    to_stage: str,
    *,
    actor: Any,
    actor_label: str,
    note: str,
    at: dt.datetime | None = None,
) -> None:
    from_stage = lead.stage
    lead.stage = to_stage
    reached = furthest_rank_raise(lead=lead, to_stage=to_stage)  # report fact, same row write
    lead.save(update_fields=["stage", *reached, "updated_at"])
    event = lead_events.event_record(
        lead_events.stage_event(
            lead=lead,
            from_stage=from_stage,
            to_stage=to_stage,
            actor=actor,
            actor_label=actor_label,
            note=note,
            at=at,
        )
    )
    _after_stage(lead, to_stage)
    # Other apps (conversion postbacks, WeCom stage tags) hear of it after commit.
    outbox_publish(events=[event])


def lead_stage_change(
    *,
    lead_id: int,
    to_stage: str,
    actor: Any = None,
    actor_label: str = "",
    note: str = "",
    amount: str | Decimal | None = None,
    package: ServicePackage | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    """`at`: when the change happened, when the source says (a WeCom add event's time).
    Refuses `unknown_stage` 422, `amount_required` 422, `forbidden_transition` 409, and
    `already_anonymized` 409 for a withdrawn or purged person (nothing written)."""
    if to_stage not in Stage.values:
        raise ApplicationError(errors.UNKNOWN_STAGE, f"未知阶段: {to_stage}", status=422)
    if to_stage == Stage.PAID:
        if amount in (None, ""):
            raise ApplicationError(errors.AMOUNT_REQUIRED, "支付需要金额", status=422)
        order_record(
            lead_id=lead_id,
            amount=amount,
            package=package,
            actor=actor,
            actor_label=actor_label,
            note=note,
        )
        return Lead.objects.get(pk=lead_id)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        errors.lead_live_require(lead)
        if not transition_allowed(lead.stage, to_stage):
            raise ApplicationError(
                errors.FORBIDDEN_TRANSITION,
                f"不允许从「{Stage(lead.stage).label}」变更为「{Stage(to_stage).label}」",
                status=409,
                extra={"from": lead.stage, "to": to_stage},
            )
        _set_stage(lead, to_stage, actor=actor, actor_label=actor_label, note=note, at=at)
    return lead


def lead_note_add(*, lead_id: int, note: str, actor: Any = None, actor_label: str = "") -> None:
    """A staff or API note (备注) on the lead's timeline. A withdrawn or purged person →
    `already_anonymized` 409, nothing written (the lead row is locked so a withdrawal running
    now either comes first and refuses this, or comes after and wipes it)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().only("pk", "anonymized_at").get(pk=lead_id)
        errors.lead_live_require(lead)
        lead_events.event_record(
            lead_events.note_event(lead=lead.pk, actor=actor, actor_label=actor_label, note=note)
        )


# Order.amount holds 12 digits with 2 decimals: at most 9,999,999,999.99 yuan.
AMOUNT_MAX = Decimal("9999999999.99")


def _amount(value: str | Decimal) -> Decimal:
    """Yuan, to the cent: finite, positive (a paid order), within the column; else 422
    invalid_amount."""
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or amount > AMOUNT_MAX:
            raise InvalidOperation
        amount = amount.quantize(Decimal("0.01"))
        if amount <= 0:
            raise InvalidOperation
        return amount
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(errors.INVALID_AMOUNT, f"金额无效: {value}", status=422) from exc


def order_record(
    *,
    lead_id: int,
    amount: str | Decimal,
    package: ServicePackage | None = None,
    paid_at: dt.datetime | None = None,
    external_id: str | None = None,
    actor: Any = None,
    actor_label: str = "",
    note: str = "",
) -> Order:
    """A paid order: first → paid, second → repurchased; refill and revisit reminders follow;
    a referred patient's order earns the referrer a reward. A withdrawn or purged person →
    `already_anonymized` 409: no order, no reminders to contact them."""
    value = _amount(amount)
    paid_at = paid_at or timezone.now()
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        errors.lead_live_require(lead)
        if lead.stage == Stage.INVALID:
            raise ApplicationError(errors.FORBIDDEN_TRANSITION, "无效线索不能下单", status=409)
        package = package or lead.recommended_package
        order = Order.objects.create(
            lead=lead, package=package, amount=value, paid_at=paid_at, external_id=external_id
        )
        target = stage_by_orders(Order.objects.filter(lead=lead).count())
        if lead.stage != target and not (target == Stage.PAID and lead.stage == Stage.REPURCHASED):
            _set_stage(
                lead,
                target,
                actor=actor,
                actor_label=actor_label,
                note=note or f"支付 ¥{value}",
            )
        _order_followups(lead, order)
        _referral_reward(lead, order)
    return order


def merged_stage_settle(*, lead: Lead, merged_lead_id: int, actor: Any = None) -> None:
    """After a merge put `lead` (row locked by the caller, saved) at the further of the two
    sides' stages, with both sides' orders on it: settle what that stage leaves undone, and
    when the joined paid orders go further along the main path (each side paid once: two
    orders, 已复购) move it there as a second order would have (event, report rank, outbox).
    A person who left (流失, 无效) stays left: their orders say they paid, not that they came
    back. `funnel.services.identity.lead_merge` calls it."""
    paid_orders = Order.objects.filter(lead=lead).count()
    target = stage_by_orders(paid_orders)
    if (
        target is not None
        and lead.stage in STAGE_MAIN_PATH
        and STAGE_MAIN_PATH.index(target) > STAGE_MAIN_PATH.index(lead.stage)
    ):
        _set_stage(
            lead,
            target,
            actor=actor,
            actor_label="",
            note=f"合并线索 #{merged_lead_id} 后共 {paid_orders} 笔支付订单",
        )
        return
    # The stage came from one side's timeline (its events moved over): the other side's
    # reminders may be out of date (an SLA check of a lead now contacted, a payment chase of
    # a lead now paid).
    _reminders_settle(lead, lead.stage)


def _order_followups(lead: Lead, order: Order) -> None:
    at_nine = timezone.localtime(order.paid_at).replace(hour=9, minute=0, second=0, microsecond=0)
    FollowUp.objects.get_or_create(
        lead=lead,
        kind=FollowUp.Kind.REVISIT,
        due_at=at_nine + dt.timedelta(days=7),
        defaults={"assignee_id": lead.assignee_id, "note": "服务包开始一周：复诊回访"},
    )
    if order.package and order.package.duration_days > 3:
        FollowUp.objects.get_or_create(
            lead=lead,
            kind=FollowUp.Kind.REFILL,
            due_at=at_nine + dt.timedelta(days=order.package.duration_days - 3),
            defaults={
                "assignee_id": lead.assignee_id,
                "note": f"{order.package.name} 即将到期：续方",
            },
        )


def _referral_reward(lead: Lead, order: Order) -> None:
    if lead.referred_by_id is None:
        return
    percent = Decimal(str(settings.REFERRAL_REWARD_PERCENT))
    ReferralReward.objects.get_or_create(
        order=order,
        defaults={
            "referrer_id": lead.referred_by_id,
            "referee": lead,
            "amount": (order.amount * percent / 100).quantize(Decimal("0.01")),
            "points": int(order.amount) * settings.REFERRAL_REWARD_POINTS_PER_YUAN,
        },
    )
