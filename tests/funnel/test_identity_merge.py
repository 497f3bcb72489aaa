"""Merge keeps a consistent person: stage, times, score, referral code and every relation from
the joined history; the merged-away phone is an alias; staff merge and mark from the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from funnel.models import (
    DistinctLeadPair,
    Lead,
    LeadAlias,
    LeadEvent,
    Order,
    OutboxDelivery,
    ReferralCodeAlias,
    ReferralReward,
    ScoringRule,
    Touchpoint,
)
from funnel.services.identity import lead_merge, leads_mark_distinct
from funnel.services.referrals import referral_code_ensure
from funnel.services.stages import lead_stage_change, order_record
from landing.models import CarePlan
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _routing():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    pool, _ = pool_with([1])
    catch_all_rule(pool)


def test_the_kept_person_is_recomputed_from_the_joined_history(ingest) -> None:
    # given a repeat-touch scoring rule, and the same person as two leads: keep new with one
    # touch, drop paid, touched twice and later, with a referral code
    ScoringRule.objects.create(name="再次留资", kind="repeat_touch", points=15)
    keep = ingest(payload("13800000041", channel="baidu")).lead_id
    assert Lead.objects.get(pk=keep).score == 0
    drop = ingest(payload("13800000042", channel="douyin", keyword="脱发医院")).lead_id
    ingest(payload("13800000042", channel="douyin"))  # a second touch of drop
    order_record(lead_id=drop, amount="699.00")
    code = referral_code_ensure(lead_id=drop)
    later = timezone.now() + dt.timedelta(hours=1)
    Lead.objects.filter(pk=drop).update(last_touch_at=later)
    plan = CarePlan.objects.create(lead_id=drop, title="脱发 3 个月计划")
    # when staff merge drop into keep
    lead_merge(keep_id=keep, drop_id=drop)
    # then keep stands where the person stands
    lead = Lead.objects.get(pk=keep)
    assert lead.stage == "paid"
    assert lead.furthest_rank == 5
    assert lead.last_touch_at == later
    assert lead.referral_code == code
    assert Touchpoint.objects.filter(lead=lead).count() == 3
    assert lead.score == 15  # one person touched three times: the repeat rule fires
    assert len(lead.score_explanation) == 1
    assert Order.objects.get().lead_id == keep
    # and what other apps hang on the lead moved too (nothing deleted with drop)
    plan.refresh_from_db()
    assert plan.lead_id == keep


def test_the_merged_away_phone_joins_the_kept_lead_later(ingest) -> None:
    keep = ingest(payload("13800000051")).lead_id
    drop = ingest(payload("13800000052")).lead_id
    lead_merge(keep_id=keep, drop_id=drop)
    assert LeadAlias.objects.filter(lead_id=keep).count() == 1
    # when the merged-away phone arrives again
    again = ingest(payload("138 0000 0052", channel="xiaohongshu"))
    # then it joins the kept lead, not a new one
    assert (again.result, again.lead_id) == ("merged", keep)
    assert Lead.objects.count() == 1
    assert Touchpoint.objects.filter(lead_id=keep, channel="xiaohongshu").count() == 1


def test_a_merged_lead_keeps_its_never_merge_decisions(ingest) -> None:
    keep = ingest(payload("13800000061")).lead_id
    drop = ingest(payload("13800000062")).lead_id
    other = ingest(payload("13800000063")).lead_id
    leads_mark_distinct(lead_a=drop, lead_b=other)
    lead_merge(keep_id=keep, drop_id=drop)
    pairs = set(DistinctLeadPair.objects.values_list("lead_low_id", "lead_high_id"))
    assert pairs == {(min(keep, other), max(keep, other))}


def test_a_lead_referred_by_the_one_merged_into_it_refers_nobody(ingest) -> None:
    drop = ingest(payload("13800000071")).lead_id
    code = referral_code_ensure(lead_id=drop)
    keep = ingest(payload("13800000072", referral_code=code)).lead_id
    assert Lead.objects.get(pk=keep).referred_by_id == drop
    lead_merge(keep_id=keep, drop_id=drop)
    assert Lead.objects.get(pk=keep).referred_by_id is None


def test_anonymizing_a_person_removes_their_aliases(ingest) -> None:
    from funnel.services.pii import consent_withdraw

    keep = ingest(payload("13800000081")).lead_id
    drop = ingest(payload("13800000082")).lead_id
    lead_merge(keep_id=keep, drop_id=drop)
    consent_withdraw(lead_id=keep)
    assert LeadAlias.objects.count() == 0


def _staff(client):
    user = get_user_model().objects.create_superuser("ops", "ops@example.invalid", "pw")
    client.force_login(user)
    return user


def test_staff_merge_and_mark_from_the_lead_page(client, ingest) -> None:
    a = ingest(payload("13800000091")).lead_id
    b = ingest(payload("13800000092")).lead_id
    c = ingest(payload("13800000093")).lead_id
    user = _staff(client)
    page = client.get(f"/admin/funnel/leads/inspect/{a}/")
    assert "合并到本线索" in page.content.decode()
    # mark a and c as different people, then merge b into a
    client.post(f"/admin/funnel/leads/{a}/identity/", {"other_id": c, "action": "distinct"})
    merged = client.post(f"/admin/funnel/leads/{a}/identity/", {"other_id": b, "action": "merge"})
    assert merged.status_code == 302
    assert not Lead.objects.filter(pk=b).exists()
    event = LeadEvent.objects.get(lead_id=a, kind="merge")
    assert (event.actor_id, event.data) == (user.pk, {"merged_lead_id": b})
    # and merging the two marked as different is refused, both kept
    refused = client.post(
        f"/admin/funnel/leads/{a}/identity/", {"other_id": c, "action": "merge"}, follow=True
    )
    assert "不能合并" in refused.content.decode()
    assert Lead.objects.filter(pk__in=[a, c]).count() == 2


def test_an_assistant_cannot_merge(client, ingest) -> None:
    from tests.funnel.factories import UserFactory

    a = ingest(payload("13800000094")).lead_id
    b = ingest(payload("13800000095")).lead_id
    assistant = UserFactory(username="yizhu")
    client.force_login(assistant)
    client.post(f"/admin/funnel/leads/{a}/identity/", {"other_id": b, "action": "merge"})
    assert Lead.objects.filter(pk__in=[a, b]).count() == 2


def test_merging_two_leads_with_the_same_reminder_keeps_one_and_moves_the_rest(ingest) -> None:
    from funnel.models import FollowUp

    keep = ingest(payload("13800000101")).lead_id
    drop = ingest(payload("13800000102")).lead_id
    due = timezone.now() + dt.timedelta(days=1)
    FollowUp.objects.create(lead_id=keep, kind="revisit", due_at=due)
    FollowUp.objects.create(lead_id=drop, kind="revisit", due_at=due)  # the same reminder
    FollowUp.objects.create(lead_id=drop, kind="refill", due_at=due)  # drop's own
    lead_merge(keep_id=keep, drop_id=drop)
    kinds = sorted(
        FollowUp.objects.filter(lead_id=keep, kind__in=["revisit", "refill"]).values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["refill", "revisit"]


# ---- the merged-away referral code keeps working, for the kept person ----------------------


def test_the_merged_away_referral_code_keeps_working_for_the_kept_person(client, ingest) -> None:
    # given the same patient as two leads, each with its own shared code: A (code X) and B
    # (code Y), and someone already referred through X
    a = ingest(payload("13800000111")).lead_id
    b = ingest(payload("13800000112")).lead_id
    x, y = referral_code_ensure(lead_id=a), referral_code_ensure(lead_id=b)
    earlier = ingest(payload("13800000113", referral_code=x)).lead_id
    # when staff merge A into B
    _staff(client)
    merged = client.post(f"/admin/funnel/leads/{b}/identity/", {"other_id": a, "action": "merge"})
    assert merged.status_code == 302
    assert not Lead.objects.filter(pk=a).exists()
    # then B keeps its own code, and X still lands (and its QR code still draws)
    assert Lead.objects.get(pk=b).referral_code == y
    scan = client.get(f"/r/{x}/")
    assert scan.status_code == 302
    assert scan["Location"] == f"/lp/hair-loss/?ref={x}"
    assert client.get(f"/r/{x}.svg").status_code == 200
    assert client.get(f"/r/{y}/").status_code == 302
    # and a new person arriving through X is B's referee, whose payment rewards B
    referee = ingest(payload("13800000114", referral_code=x.lower())).lead_id
    assert Lead.objects.get(pk=referee).referred_by_id == b
    order = order_record(lead_id=referee, amount="500.00")
    assert ReferralReward.objects.get(order=order).referrer_id == b
    # and the one referred through X before the merge is B's now too
    assert Lead.objects.get(pk=earlier).referred_by_id == b


def test_the_merged_away_code_never_refers_the_kept_person_to_themself(ingest) -> None:
    a = ingest(payload("13800000121")).lead_id
    b = ingest(payload("13800000122")).lead_id
    x = referral_code_ensure(lead_id=a)
    referral_code_ensure(lead_id=b)
    lead_merge(keep_id=b, drop_id=a)
    # when A's old phone (an alias of B now) arrives through A's old code
    again = ingest(payload("13800000121", referral_code=x))
    # then it is B touching again, referred by nobody
    assert again.lead_id == b
    assert Lead.objects.get(pk=b).referred_by_id is None


def test_a_code_merged_twice_still_lands_on_the_last_kept_person(client, ingest) -> None:
    a = ingest(payload("13800000131")).lead_id
    b = ingest(payload("13800000132")).lead_id
    c = ingest(payload("13800000133")).lead_id
    x = referral_code_ensure(lead_id=a)
    referral_code_ensure(lead_id=b)
    referral_code_ensure(lead_id=c)
    lead_merge(keep_id=b, drop_id=a)
    lead_merge(keep_id=c, drop_id=b)
    assert client.get(f"/r/{x}/").status_code == 302
    referee = ingest(payload("13800000134", referral_code=x)).lead_id
    assert Lead.objects.get(pk=referee).referred_by_id == c


def test_withdrawing_the_kept_person_retires_the_merged_away_code_too(client, ingest) -> None:
    from funnel.services.pii import consent_withdraw

    a = ingest(payload("13800000141")).lead_id
    b = ingest(payload("13800000142")).lead_id
    x = referral_code_ensure(lead_id=a)
    referral_code_ensure(lead_id=b)
    lead_merge(keep_id=b, drop_id=a)
    consent_withdraw(lead_id=b)
    # the code named the person to whoever scans it: it goes with them
    assert client.get(f"/r/{x}/").status_code == 404
    assert client.get(f"/r/{x}.png").status_code == 404
    referee = ingest(payload("13800000143", referral_code=x)).lead_id
    assert Lead.objects.get(pk=referee).referred_by_id is None
    assert ReferralCodeAlias.objects.count() == 0


def test_a_new_code_is_never_one_a_merged_lead_still_answers_to(ingest, monkeypatch) -> None:
    from funnel.services import referrals

    a = ingest(payload("13800000151")).lead_id
    b = ingest(payload("13800000152")).lead_id
    c = ingest(payload("13800000153")).lead_id
    x = referral_code_ensure(lead_id=a)
    referral_code_ensure(lead_id=b)
    lead_merge(keep_id=b, drop_id=a)
    # when the draw for C first comes up with X (an alias now), then with a fresh code
    draws = iter([x, "FRESH234"])
    monkeypatch.setattr(referrals, "_new_code", lambda: next(draws))
    # then C never gets X: it would hand B's referees to C
    assert referral_code_ensure(lead_id=c) == "FRESH234"


# ---- the kept person's stage is what the joined orders say --------------------------------


def test_merging_orders_from_both_sides_is_a_repurchase(ingest) -> None:
    # given a repeat-touch rule, and the same patient as two leads that each paid once (each
    # 已支付), drop touched later
    ScoringRule.objects.create(name="再次留资", kind="repeat_touch", points=15)
    keep = ingest(payload("13800000161")).lead_id
    drop = ingest(payload("13800000162")).lead_id
    order_record(lead_id=keep, amount="1980.00")
    order_record(lead_id=drop, amount="1980.00")
    assert Lead.objects.get(pk=keep).stage == Lead.objects.get(pk=drop).stage == "paid"
    later = timezone.now() + dt.timedelta(hours=1)
    Lead.objects.filter(pk=drop).update(last_touch_at=later)
    # when staff merge them
    user = get_user_model().objects.create_user("ops", "ops@example.invalid", "pw")
    lead_merge(keep_id=keep, drop_id=drop, actor=user)
    # then the person paid twice: 已复购, with the move on the timeline and in the report facts
    lead = Lead.objects.get(pk=keep)
    assert Order.objects.filter(lead=lead).count() == 2
    assert lead.stage == "repurchased"
    assert lead.furthest_rank == 6
    # and the other joined facts: the later touch, the score over both touches
    assert (lead.last_touch_at, lead.score) == (later, 15)
    moves = LeadEvent.objects.filter(lead=lead, kind="stage", to_stage="repurchased")
    assert list(moves.values_list("from_stage", "actor_id")) == [("paid", user.pk)]
    # announced as a second order's 已复购 is (postbacks, WeCom stage tags listen)
    assert OutboxDelivery.objects.filter(event=moves.get()).exists()
    # and a third order keeps it there
    order_record(lead_id=keep, amount="100.00")
    assert Lead.objects.get(pk=keep).stage == "repurchased"


def test_merging_a_paid_lead_into_an_earlier_stage_is_paid(ingest) -> None:
    # given keep at 已开方 without orders, drop paid once
    keep = ingest(payload("13800000171")).lead_id
    drop = ingest(payload("13800000172")).lead_id
    lead_stage_change(lead_id=keep, to_stage="prescribed")
    order_record(lead_id=drop, amount="699.00")
    lead_merge(keep_id=keep, drop_id=drop)
    lead = Lead.objects.get(pk=keep)
    assert (lead.stage, lead.furthest_rank) == ("paid", 5)
    # and the 已开方 payment chase is closed: the person paid
    from funnel.models import FollowUp

    assert not FollowUp.objects.filter(lead=lead, kind="payment_chase", status="pending").exists()


def test_a_lead_that_left_after_paying_stays_left_when_merged(ingest) -> None:
    # given both sides lost (one paid first): merging does not bring the person back
    keep = ingest(payload("13800000181")).lead_id
    drop = ingest(payload("13800000182")).lead_id
    order_record(lead_id=drop, amount="699.00")
    lead_stage_change(lead_id=drop, to_stage="lost")
    lead_stage_change(lead_id=keep, to_stage="lost")
    lead_merge(keep_id=keep, drop_id=drop)
    assert Lead.objects.get(pk=keep).stage == "lost"
