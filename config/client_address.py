"""The client's address behind the configured number of trusted proxies.

One answer for every place that counts or locks by address: the landing form's rate limits and
the admin's login throttling (django-axes calls it through ``AXES_CLIENT_IP_CALLABLE``)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str:
    """The visitor's address for rate limits.

    With no trusted proxy (TRUSTED_PROXY_COUNT=0) it is the socket's peer: X-Forwarded-For is
    anyone's to write. Behind N trusted proxies each appends the address it saw, so the
    client is the N-th entry from the right of X-Forwarded-For (django-ipware: the last
    proxy is the socket's peer, the N-1 others are the entries after the client); entries to
    its left came from the client and are ignored. A header shorter than that falls back to
    the socket (a request that did not come through the proxies)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    ip, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=count - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return ip or remote


# An IPv6 subscriber is given a whole /64 (RFC 6177, RIPE-690): one person can walk through
# 2^64 addresses, so counting per address would give them a fresh bucket per request.
IPV6_SUBSCRIBER_PREFIX = 64


def rate_limit_address(address: str) -> str:
    """The key that counts or locks one visitor by `address`: an IPv4 address as it is; an
    IPv6 address as its /64 network's first address (`2001:db8:1:2::`), an IPv4-mapped one
    (`::ffff:203.0.113.7`) as the IPv4 address; anything else unchanged."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        network = ipaddress.IPv6Network((ip, IPV6_SUBSCRIBER_PREFIX), strict=False)
        return str(network.network_address)
    return str(ip)


def client_ip_or_none(request: HttpRequest) -> str | None:
    """The client's rate-limit address (`rate_limit_address(client_ip(…))`: an IPv6 client's
    /64) when it is an IP address, else None (django-axes stores it in an address column,
    which PostgreSQL types: a request without a socket address, such as the test client's
    `force_login` or an internal call, must not make a login fail)."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return rate_limit_address(address)
