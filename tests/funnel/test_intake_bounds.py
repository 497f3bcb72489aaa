"""Oversized values are bounded where intake receives them (the raw record keeps them), and a
record that still cannot be processed is quarantined as `invalid_value`, never blocking the
records behind it. Run on SQLite and on PostgreSQL (which enforces column lengths)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from funnel.models import InboundLead, InboundStatus, Lead, Touchpoint
from funnel.services import intake
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db

LONG = "x" * 600


@pytest.fixture(autouse=True)
def _routing():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    pool, _ = pool_with([1])
    catch_all_rule(pool)


def test_oversized_attribution_becomes_a_lead_with_values_cut_and_the_raw_whole() -> None:
    # given a record whose every attribution value is far beyond its column
    big = payload(
        "13800000001",
        channel="baidu",
        campaign_id=LONG,
        campaign_name="脱发" * 300,
        adgroup_id=LONG,
        ad_id=LONG,
        creative_id=LONG,
        keyword="防脱" * 300,
        city="北京" * 100,
        click_ids={"bd_vid": LONG, **{f"k{i}": "v" for i in range(30)}},
        utm={"utm_campaign": LONG, "utm_term": "失眠" * 400},
        content_page_id=10**12,
        landing_page_id=-5,
    )
    raw = {"campaign": LONG, "bd_vid": LONG}
    # when it arrives through intake
    stored = intake.lead_intake(
        source=intake.IntakeSource(channel="baidu", account="bd-" + "a" * 200),
        external_id="e" * 300,
        raw=raw,
        payload=big,
    )
    # then it is a lead, each value cut to its column, and the raw record kept whole
    assert stored.outcome.result == "created"
    touch = Touchpoint.objects.get()
    assert (len(touch.campaign_id), len(touch.campaign_name), len(touch.keyword)) == (64, 200, 200)
    assert (len(touch.ad_id), len(touch.adgroup_id), len(touch.creative_id)) == (64, 64, 64)
    assert len(touch.click_ids["bd_vid"]) == 500
    assert len(touch.click_ids) == 10
    assert len(touch.utm["utm_campaign"]) == 200
    assert touch.content_page_id is None
    assert touch.landing_page_id is None
    assert len(Lead.objects.get().city) == 50
    row = InboundLead.objects.get()
    assert row.raw == raw
    assert row.external_id.startswith("sha256:")
    assert len(row.external_id) == 71
    assert len(row.account_name) == 80


def test_a_long_external_id_resent_is_the_same_record() -> None:
    source = intake.IntakeSource(channel="douyin", account="dy")
    first = intake.lead_intake(
        source=source, external_id="c" * 300, raw={"a": 1}, payload=payload("13800000002")
    )
    again = intake.lead_intake(
        source=source, external_id="c" * 300, raw={"a": 1}, payload=payload("13800000002")
    )
    other = intake.lead_intake(
        source=source, external_id="c" * 299 + "d", raw={"a": 1}, payload=payload("13800000003")
    )
    assert again.inbound_id == first.inbound_id
    assert again.changed is False
    assert other.inbound_id != first.inbound_id
    assert InboundLead.objects.count() == 2


def _stored_before_bounds(external_id: str, payload_dict: dict) -> int:
    """A record as an earlier version stored it (no bounds, or unreadable content)."""
    return InboundLead.objects.create(
        channel="baidu", external_id=external_id, raw={"id": external_id}, payload=payload_dict
    ).pk


def test_a_poison_record_is_quarantined_and_the_sweep_moves_on() -> None:
    # given three stored records nobody processed, the middle one unreadable
    good = payload("13800000011").to_dict()
    poison = {**payload("13800000012").to_dict(), "answers": "not a mapping"}
    later = payload("13800000013").to_dict()
    ids = [
        _stored_before_bounds("r1", good),
        _stored_before_bounds("r2", poison),
        _stored_before_bounds("r3", later),
    ]
    InboundLead.objects.filter(pk__in=ids).update(
        updated_at=timezone.now() - dt.timedelta(minutes=10)
    )
    # when the sweep runs
    assert intake.intake_sweep() == 3
    # then the good records are leads and the poison is quarantined with its reason
    rows = {row.external_id: row for row in InboundLead.objects.all()}
    assert rows["r1"].status == rows["r3"].status == InboundStatus.PROCESSED
    assert (rows["r2"].status, rows["r2"].reason) == (InboundStatus.QUARANTINED, "invalid_value")
    assert "字段值无法保存" in rows["r2"].detail
    assert Lead.objects.count() == 2
    # and the next sweep has nothing left to trip over
    assert intake.intake_sweep(older_than=dt.timedelta(0)) == 0


def test_a_poison_record_alone_answers_quarantined_not_an_error() -> None:
    pk = _stored_before_bounds(
        "r9", {**payload("13800000019").to_dict(), "answers": ["a", "list"]}
    )
    (outcome,) = intake.intake_process(inbound_ids=[pk], durable=True)
    assert (outcome.result, outcome.reason) == ("quarantined", "invalid_value")
    assert Lead.objects.count() == 0


def test_an_oversized_value_stored_before_the_bounds_is_cut_when_processed() -> None:
    # given a record an earlier version stored unbounded (PostgreSQL would refuse its values)
    pk = _stored_before_bounds(
        "r5", payload("13800000015", campaign_id=LONG, content_page_id=2**40).to_dict()
    )
    # when it is processed
    (outcome,) = intake.intake_process(inbound_ids=[pk])
    # then it is a lead, its values cut to their columns, the stored copy untouched
    assert outcome.result == "created"
    touch = Touchpoint.objects.get()
    assert len(touch.campaign_id) == 64
    assert touch.content_page_id is None
    assert len(InboundLead.objects.get(pk=pk).payload["campaign_id"]) == 600
