"""The client's address: the one place that decides which IP a request comes from.

Behind the TLS proxy the deploy docs prescribe, ``REMOTE_ADDR`` is the proxy for every
visitor, so per-address limits keyed on it would put everyone in one bucket. The proxy's
``X-Forwarded-For`` is believed only hop by hop through networks listed in
``settings.TRUSTED_PROXIES``: anything a client writes into the header itself stays to
the left of the first untrusted hop and is never used.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    """The proxy networks from ``settings.TRUSTED_PROXIES`` (CIDRs or single addresses)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as a string ("" when unknown).

    Walks ``X-Forwarded-For`` from the right while the hop that appended the entry is a
    trusted proxy; the first untrusted address is the client. Without trusted proxies
    (the default) the header is ignored and ``REMOTE_ADDR`` is the answer.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return ""
    networks = trusted_proxy_networks()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    client = remote
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse(entry)
        if address is None:
            # A hop we trust wrote something that is not an address: stop at that hop.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
