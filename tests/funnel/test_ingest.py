from __future__ import annotations

import pytest

from funnel.models import InboundLead, InboundStatus, Lead, LeadEvent, Touchpoint
from funnel.payload import Consent
from funnel.services.identity import phone_normalize
from funnel.services.intake import intake_replay
from tests.funnel.factories import SpecialtyFactory, catch_all_rule, payload, pool_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw", ["138 0000 0000", "+86 138-0000-0000", "8613800000000", "13800000000"]
)
def test_phone_forms_normalize_to_one_e164(raw: str) -> None:
    assert phone_normalize(raw) == "+8613800000000"


def test_same_phone_from_three_channels_is_one_lead_with_three_touches(ingest) -> None:
    # given a routable setup
    SpecialtyFactory()
    pool, _ = pool_with([1])
    catch_all_rule(pool)

    # when the same person arrives from three channels written three ways
    first = ingest(payload("138 0000 0000", channel="douyin", campaign_id="DY1"))
    second = ingest(payload("+86 138-0000-0000", channel="baidu", keyword="脱发怎么治疗"))
    third = ingest(payload("8613800000000", channel="xiaohongshu"))

    # then one lead, three touchpoints, the first one marked first
    assert (first.result, second.result, third.result) == ("created", "merged", "merged")
    assert first.lead_id == second.lead_id == third.lead_id
    assert Lead.objects.count() == 1
    touches = list(Touchpoint.objects.order_by("pk").values_list("channel", "is_first"))
    assert touches == [("douyin", True), ("baidu", False), ("xiaohongshu", False)]
    assert LeadEvent.objects.filter(kind="touch").count() == 2


def test_replayed_record_is_one_touchpoint(ingest) -> None:
    p = payload(channel="api")

    one = ingest(p, key="idem-1")
    two = ingest(p, key="idem-1")

    assert one.lead_id == two.lead_id
    assert two.replayed is True
    assert Touchpoint.objects.count() == 1
    assert InboundLead.objects.count() == 1


def test_enriched_resend_updates_the_touchpoint_instead_of_adding(ingest) -> None:
    ingest(payload(channel="douyin", campaign_id=""), key="dy-1", raw={"v": 1})

    ingest(payload(channel="douyin", campaign_id="DY-CAMPAIGN-9"), key="dy-1", raw={"v": 2})

    assert Touchpoint.objects.count() == 1
    assert Touchpoint.objects.get().campaign_id == "DY-CAMPAIGN-9"
    assert LeadEvent.objects.filter(kind="touch").count() == 0


@pytest.mark.parametrize(
    ("phone", "code"), [("12345", "invalid_phone"), ("", "missing_phone"), ("abc", "invalid_phone")]
)
def test_unusable_phone_is_quarantined_with_a_reason_not_dropped(ingest, phone, code) -> None:
    result = ingest(payload(phone))

    assert result.result == "quarantined"
    assert result.reason == code
    row = InboundLead.objects.get()
    assert (row.status, row.reason) == (InboundStatus.QUARANTINED, code)
    assert row.raw["phone"] == phone  # the authentic record is kept as received
    assert Lead.objects.count() == 0


def test_missing_consent_is_quarantined_when_consent_is_required(ingest) -> None:
    result = ingest(payload(consent=Consent(given=False)))

    assert (result.result, result.reason) == ("quarantined", "consent_required")
    assert Lead.objects.count() == 0


def test_platform_leads_carry_their_own_consent(ingest) -> None:
    result = ingest(payload(channel="douyin", consent=Consent(given=False), consent_required=False))

    assert result.result == "created"


def test_quarantined_record_is_fixed_and_replayed(ingest) -> None:
    bad = ingest(payload("1380013800"))  # one digit short
    assert bad.result == "quarantined"

    fixed = intake_replay(inbound_id=bad.inbound_id, changes={"phone": "13800138000"})

    assert fixed.result == "created"
    row = InboundLead.objects.get(pk=bad.inbound_id)
    assert (row.status, row.reason, row.lead_id) == (InboundStatus.PROCESSED, "", fixed.lead_id)


def test_consent_is_recorded_with_its_version(ingest) -> None:
    result = ingest(
        payload(consent=Consent(given=True, version="health-2026-03", source="landing"))
    )

    lead = Lead.objects.get(pk=result.lead_id)
    assert lead.consent_version == "health-2026-03"
    assert lead.consent_given_at is not None
    assert lead.consent_source == "landing"


def test_referral_code_binds_the_new_lead_to_its_referrer(ingest) -> None:
    from funnel.services.referrals import referral_code_ensure

    referrer = ingest(payload("13900139000"))
    code = referral_code_ensure(lead_id=referrer.lead_id)

    referee = ingest(payload("13700137000", referral_code=code))

    lead = Lead.objects.get(pk=referee.lead_id)
    assert lead.referred_by_id == referrer.lead_id
    assert Touchpoint.objects.get(lead=lead).referrer_id == referrer.lead_id


def test_later_sources_fill_blanks_but_never_overwrite(ingest) -> None:
    ingest(payload(name="张三", city="", age=None))
    ingest(payload(name="李四", city="上海", age=35))

    lead = Lead.objects.get()
    assert (lead.name, lead.city, lead.age) == ("张三", "上海", 35)
