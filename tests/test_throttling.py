"""Issue 18 holes 5, 6 and 12 (visitor tokens), written as the attacks.

Client address behind a trusted proxy, login lockout, limits on every public write and
visitor tokens that expire.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from enterprises.client_address import client_address

from .tracking_factories import event, post_batch, token_for

PROXY = "10.0.0.5"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- client address ---------------------------------------------------------------------


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # the client forged "6.6.6.6" itself; the proxy appended the address it really saw
    assert client_address(_request(PROXY, "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    # two proxy hops
    assert client_address(_request(PROXY, "203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    # IPv6 and a port
    assert client_address(_request(PROXY, "[2001:db8::1]:443")) == "2001:db8::1"


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_junk_in_the_forwarded_header_stops_at_the_trusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request(PROXY, "not-an-ip")) == PROXY
    assert client_address(_request(PROXY, "")) == PROXY


# --- the beacon behind the proxy --------------------------------------------------------


@pytest.mark.django_db
def test_one_flooder_behind_the_proxy_does_not_lock_out_other_visitors(client, salesperson_a, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.TRACKING_RATE_LIMIT = {"requests": 1000, "ip_requests": 5, "window": 60}
    token = token_for(salesperson_a)
    flooder = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    statuses = [
        post_batch(client, token, [event("open")], device=f"flood-{n:03d}", headers=flooder).status_code
        for n in range(8)
    ]
    assert statuses[:5] == [202] * 5
    assert statuses[5:] == [429] * 3
    # another visitor arriving through the same proxy is not in the flooder's bucket
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.23"}
    response = post_batch(client, token, [event("open")], device="honest-device", headers=other)
    assert response.status_code == 202
