"""`funnel.bulk.model_new` builds what the keyword constructor builds (batch writers use it for
every lead, touchpoint, event, follow-up and inbox record they create)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from funnel.bulk import model_new
from funnel.models import FollowUp, InboundLead, Lead, LeadEvent, Specialty, Touchpoint

NOW = timezone.now()
SPECIALTY = Specialty(pk=7, slug="hair-loss", name="脱发")
LEAD = Lead(pk=11, phone_hash="k" * 64, phone="+8613800000000")


def _fields(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Lead, {"phone_hash": "a" * 64, "phone": "+8613800000001", "specialty": SPECIALTY,
                "last_touch_at": NOW, "created_at": NOW}),
        (Lead, {"phone_hash": "b" * 64, "phone": "+8613800000002", "specialty_id": 7}),
        (Touchpoint, {"lead": LEAD, "inbound": None, "is_first": True, "channel": "douyin",
                      "utm": {"utm_source": "dy"}}),
        (LeadEvent, {"lead_id": 11, "kind": "stage", "to_stage": "new", "data": {}}),
        (FollowUp, {"lead": LEAD, "kind": "sla_check", "due_at": NOW + dt.timedelta(minutes=30)}),
        (InboundLead, {"channel": "baidu", "account_name": "bd", "external_id": "1",
                       "raw": {"a": 1}, "payload": None}),
    ],
)  # fmt: skip
def test_the_same_instance_as_the_keyword_constructor(model, values) -> None:
    made, reference = model_new(model, **values), model(**values)
    got, expected = _fields(made), _fields(reference)
    # a callable default (timezone.now) is called for each, microseconds apart
    for name, value in list(expected.items()):
        if isinstance(value, dt.datetime) and name not in values:
            assert abs(got.pop(name) - expected.pop(name)) < dt.timedelta(seconds=1)
    assert got == expected
    assert made._state.adding
    assert made.pk is None
    # a related instance is cached as the keyword constructor caches it (its id copied at save)
    assert made._state.fields_cache.keys() == reference._state.fields_cache.keys()


def test_defaults_are_fresh_per_instance() -> None:
    a, b = model_new(Lead, phone_hash="a" * 64), model_new(Lead, phone_hash="b" * 64)
    a.score_explanation.append("x")
    assert b.score_explanation == []


def test_an_unknown_keyword_is_refused() -> None:
    with pytest.raises(TypeError, match="bogus"):
        model_new(Lead, phone_hash="a" * 64, bogus=1)
