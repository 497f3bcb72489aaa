"""Issue 14 leftover d: a hidden ad parameter (click id, utm_*) the patient cannot see never
refuses the form: control characters are dropped and long values bounded at receipt; a bad
character in a visible field is marked at that field."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from funnel.models import InboundLead, Touchpoint
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db
URL = "/lp/hair-loss/"


@pytest.mark.parametrize(
    "field",
    [
        "bd_vid",
        "clickid",
        "callback",
        "click_id",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    ],
)
@pytest.mark.parametrize("value", ["abc\x00def", "\x00", "a\x07\x1b[31mb", "x\u200ey\u202ez"])
def test_control_characters_in_a_hidden_param_are_dropped_not_refused(
    client, landing, field, value
) -> None:
    answer = client.post(URL, form_data(**{field: value}))

    assert answer.status_code == 302
    assert InboundLead.objects.get().status == "processed"
    touch = Touchpoint.objects.get()
    stored = f"{touch.click_ids} {touch.utm} {touch.keyword}"
    assert "\x00" not in stored
    assert "\x1b" not in stored


def test_a_very_long_hidden_param_is_bounded_not_refused(client, landing) -> None:
    answer = client.post(URL, form_data(bd_vid="B" * 50_000, utm_campaign="活" * 20_000))

    assert answer.status_code == 302
    touch = Touchpoint.objects.get()
    assert len(touch.click_ids["bd_vid"]) == 500
    assert len(touch.utm["utm_campaign"]) == 200


def test_a_lone_surrogate_in_a_hidden_param_is_not_a_500(client, landing) -> None:
    body = urlencode(form_data(utm_source="x")).replace("utm_source=x", "utm_source=%ED%A0%80x")
    answer = client.post(URL, data=body, content_type="application/x-www-form-urlencoded")

    assert answer.status_code == 302
    assert Touchpoint.objects.count() == 1


@pytest.mark.parametrize("field", ["phone", "name"])
def test_a_nul_in_a_visible_field_is_marked_at_that_field(client, landing, field) -> None:
    value = {"phone": "139\x0012345678", "name": "张\x00女士"}[field]
    answer = client.post(URL, form_data(**{field: value}))

    assert answer.status_code == 400
    assert f'data-field-error="{field}"' in answer.content.decode()
    assert InboundLead.objects.count() == 0
