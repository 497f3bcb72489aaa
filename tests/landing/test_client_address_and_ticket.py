"""Issue 13, point 10: behind the TLS proxy each visitor has their own rate-limit bucket (the
address comes from the trusted proxy's X-Forwarded-For entry, never from what the client
wrote), and one form ticket carries one submission."""

from __future__ import annotations

import pytest

from funnel.models import InboundLead, Lead
from landing.services.careplan import thanks_open
from landing.services.guards import ticket_issue
from tests.landing.conftest import form_data, old_ticket

pytestmark = pytest.mark.django_db
URL = "/lp/hair-loss/"
PROXY = "10.0.0.2"  # what the socket sees: the TLS proxy


def _post(client, phone: str, xff: str):
    data = form_data(idem=f"k-{phone}", phone=phone)
    return client.post(URL, data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff).status_code


def test_behind_one_trusted_proxy_each_visitor_has_a_bucket(client, landing, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LANDING_RATE_LIMIT_IP = (1, 3600)
    # two visitors through the same proxy both get through
    assert _post(client, "13900000001", "203.0.113.7") == 302
    assert _post(client, "13900000002", "198.51.100.9") == 302
    # the first one again is limited, even when it prepends a made-up address of its own
    assert _post(client, "13900000003", "192.0.2.55, 203.0.113.7") == 429
    assert Lead.objects.count() == 2


def test_behind_two_trusted_proxies_the_client_is_second_from_the_right(
    client, landing, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 2
    settings.LANDING_RATE_LIMIT_IP = (1, 3600)
    assert _post(client, "13900000001", "203.0.113.7, 10.0.0.3") == 302
    assert _post(client, "13900000002", "198.51.100.9, 10.0.0.3") == 302
    assert _post(client, "13900000003", "6.6.6.6, 203.0.113.7, 10.0.0.3") == 429


def test_without_trusted_proxies_a_forged_header_does_not_buy_a_new_bucket(
    client, landing, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    settings.LANDING_RATE_LIMIT_IP = (1, 3600)
    assert _post(client, "13900000001", "203.0.113.7") == 302
    assert _post(client, "13900000002", "198.51.100.9") == 429  # same socket: same bucket
    assert Lead.objects.count() == 1


def test_one_ticket_carries_one_submission(client, landing) -> None:
    # given one ticket from the token endpoint
    ticket = old_ticket()
    first = client.post(URL, form_data(ticket=ticket, idem="k-a", phone="13900000001"))
    # when it is sent again with another submission
    second = client.post(URL, form_data(ticket=ticket, idem="k-b", phone="13900000002"))
    # then the second is refused, and only the first was stored
    assert first.status_code == 302
    assert second.status_code == 400
    assert InboundLead.objects.count() == 1
    assert Lead.objects.count() == 1


def test_the_same_submission_sent_twice_with_its_ticket_is_one_lead(client, landing) -> None:
    ticket = old_ticket()
    first = client.post(URL, form_data(ticket=ticket, idem="k-a"))
    again = client.post(URL, form_data(ticket=ticket, idem="k-a"))  # a double click
    assert (first.status_code, again.status_code) == (302, 302)
    # the thank-you token is encrypted afresh each time (issue 13): both open the same answer
    prefix = "/lp/thanks/"
    opened = [
        thanks_open(token=response["Location"].removeprefix(prefix).strip("/"))
        for response in (first, again)
    ]
    assert opened[0] == opened[1]
    assert Lead.objects.count() == 1


def test_issued_tickets_are_distinct() -> None:
    assert len({ticket_issue() for _ in range(20)}) == 20


def test_an_ipv6_visitor_is_counted_per_64_not_per_address(client, landing, settings) -> None:
    # given a limit of one submission per address block, and no proxy
    settings.TRUSTED_PROXY_COUNT = 0
    settings.LANDING_RATE_LIMIT_IP = (1, 3600)

    def post(phone: str, address: str) -> int:
        data = form_data(idem=f"k-{phone}", phone=phone)
        return client.post(URL, data, REMOTE_ADDR=address).status_code

    # when one subscriber walks through addresses of their /64
    assert post("13900000001", "2001:db8:1:2::1") == 302
    assert post("13900000002", "2001:db8:1:2:ffff:ffff:ffff:fffe") == 429
    assert post("13900000003", "2001:DB8:1:2:0:0:0:9") == 429
    # then another /64 has its own budget, and an IPv4-mapped address counts as the IPv4 one
    assert post("13900000004", "2001:db8:1:3::1") == 302
    assert post("13900000005", "203.0.113.7") == 302
    assert post("13900000006", "::ffff:203.0.113.7") == 429
    assert Lead.objects.count() == 3


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        ("2001:DB8:1:2::", "2001:db8:1:2::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::1", "::"),
        ("fe80::1%eth0", "fe80::"),
        ("unknown", "unknown"),
        ("", ""),
    ],
)
def test_the_rate_limit_key_of_an_address(address: str, key: str) -> None:
    from config.client_address import rate_limit_address

    assert rate_limit_address(address) == key
