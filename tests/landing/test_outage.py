"""A Redis outage (cache and broker unreachable) takes no landing page down and loses no
patient's form: pages render uncached, rate limits fail open, /healthz says what is down."""

from __future__ import annotations

import time

import pytest

from funnel.models import Lead
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db
URL = "/lp/hair-loss/"


def test_a_landing_page_renders_and_its_form_is_kept_while_redis_is_down(
    client, landing, redis_outage
) -> None:
    # when a patient opens the page and submits the form during the outage
    started = time.monotonic()
    page = client.get(URL)
    sent = client.post(URL, form_data())
    took = time.monotonic() - started
    # then the page renders (uncached), the form is accepted and the lead exists
    assert page.status_code == 200
    assert 'name="phone"' in page.content.decode()
    assert sent.status_code == 302
    assert sent["Location"].startswith("/lp/thanks/")
    assert Lead.objects.count() == 1
    assert client.get(sent["Location"]).status_code == 200
    # and nothing waited on the dead server for long (a closed port refuses at once)
    assert took < 10


def test_healthz_says_the_cache_and_the_broker_are_down(client, redis_outage) -> None:
    answer = client.get("/healthz")
    report = answer.json()
    assert answer.status_code == 503
    assert report["database"] == "ok"
    assert report["cache"].startswith("error")
    assert report["broker"].startswith("error")


def test_the_per_phone_limit_counts_a_person_however_the_number_is_written(
    client, landing, settings
) -> None:
    settings.LANDING_RATE_LIMIT_PHONE = (2, 3600)
    settings.LANDING_RATE_LIMIT_IP = (100, 3600)
    spellings = ["13800138333", "１3800138333", "1３800138333"]
    answers = [client.post(URL, form_data(phone=p, idem=f"i{n}")) for n, p in enumerate(spellings)]
    assert [a.status_code for a in answers] == [302, 302, 429]


@pytest.mark.usefixtures("broker_down")
def test_the_form_answers_well_under_a_second_while_the_broker_is_down(
    client, landing, timed
) -> None:
    # given: the broker on a closed port (6399); the page has served one form (imports done)
    timed(lambda: client.post(URL, form_data(phone="13800138001", idem="w")))
    # when a patient sends the form
    took, sent = timed(lambda: client.post(URL, form_data(phone="13800138002", idem="x")))
    # then it is kept and answered at once
    assert sent.status_code == 302
    assert took < 1.0
    assert Lead.objects.count() == 2
