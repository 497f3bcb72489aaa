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
    ScoringRule,
    Touchpoint,
)
from funnel.services.identity import lead_merge, leads_mark_distinct
from funnel.services.referrals import referral_code_ensure
from funnel.services.stages import order_record
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
