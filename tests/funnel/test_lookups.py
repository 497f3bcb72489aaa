"""`field__any=[…]` (funnel.lookups) finds what `field__in=[…]` finds, on both databases, and
on PostgreSQL sends the list as one array parameter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funnel.models import Lead, Touchpoint
from funnel.services.ingest import lead_ingest
from tests.funnel.factories import SpecialtyFactory, payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads():
    SpecialtyFactory(slug="hair-loss", name="脱发")
    ids = [lead_ingest(payload=payload(f"1380000000{i}")).lead_id for i in range(4)]
    return [Lead.objects.get(pk=pk) for pk in ids]


@pytest.mark.parametrize(
    "pick",
    [
        lambda ls: [ls[0].pk, ls[2].pk],
        lambda ls: [ls[1].pk, ls[1].pk, 10**12],  # a repeat and an id nobody has
        lambda ls: [],
        lambda ls: [None, ls[3].pk],
    ],
    ids=["some", "repeat-and-unknown", "empty", "with-null"],
)
def test_any_finds_the_rows_in_finds(leads, pick) -> None:
    wanted = pick(leads)
    expected = set(Lead.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert set(Lead.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == expected


def test_any_on_text_and_on_a_foreign_key(leads) -> None:
    keys = [leads[0].phone_hash, leads[3].phone_hash, "不存在的键"]
    assert set(Lead.objects.filter(phone_hash__any=keys)) == {leads[0], leads[3]}
    # every ingested lead has its first touchpoint
    touched = Touchpoint.objects.filter(lead_id__any=[leads[1].pk, leads[2].pk])
    assert sorted(t.lead_id for t in touched) == [leads[1].pk, leads[2].pk]
    # combined with other conditions and excluded, as any lookup is
    assert not Lead.objects.filter(pk__any=[leads[0].pk]).exclude(pk__any=[leads[0].pk]).exists()


def test_negated_with_a_null_or_an_impossible_id_it_reads_as_in(leads) -> None:
    # (issue 14 review: NOT (x = ANY('{a,NULL}')) is NULL, and 2**63 is beyond bigint)
    others = {lead.pk for lead in leads[1:]}
    for wanted in ([leads[0].pk, None], [leads[0].pk, 2**63], [leads[0].pk, -(2**63) - 1]):
        assert set(Lead.objects.exclude(pk__any=wanted).values_list("pk", flat=True)) == others
        assert list(Lead.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == [
            leads[0].pk
        ]


def test_a_subquery_is_refused_with_a_clear_message(leads) -> None:
    with pytest.raises(TypeError, match="field__in for a subquery"):
        list(Lead.objects.filter(pk__any=Lead.objects.values_list("pk", flat=True)))


def test_on_postgresql_a_long_list_is_one_parameter(leads) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs Django's own IN")
    wanted = [lead.pk for lead in leads] + list(range(10**9, 10**9 + 500))
    with CaptureQueriesContext(connection) as queries:
        found = list(Lead.objects.filter(pk__any=wanted).values_list("pk", flat=True))
    assert sorted(found) == sorted(lead.pk for lead in leads)
    (sql,) = [q["sql"] for q in queries]
    assert "= ANY(" in sql
    assert " IN (" not in sql
