"""SSRF corpus against the article-import fetcher: every payload is refused before any byte is sent."""

from __future__ import annotations

import http.server
import threading

import pytest

from cms import safe_fetch

LOOPBACK = [
    "http://127.0.0.1/", "http://127.0.0.1:8000/admin/", "http://127.1/", "http://127.0.1/",
    "http://2130706433/", "http://017700000001/", "http://0177.0.0.1/", "http://0x7f000001/",
    "http://0x7f.0x0.0x0.0x1/", "http://0x7f.1/", "http://0/", "http://0.0.0.0/", "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
    "http://[::]/", "http://localhost/", "http://localhost.:80/", "http://127.255.255.254/",
    "https://127.0.0.1:443/", "http://[0:0:0:0:0:ffff:127.0.0.1]/",
]
PRIVATE = [
    "http://10.0.0.1/", "http://10.255.255.255/", "http://172.16.0.1/", "http://172.31.255.1/",
    "http://192.168.0.1/", "http://192.168.1.1:8080/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
    "http://[::ffff:10.0.0.1]/", "http://[::ffff:192.168.0.1]/", "http://012.0.0.1/",
    "http://0xc0a80001/", "http://3232235521/",
]
LINK_LOCAL_METADATA = [
    "http://169.254.169.254/latest/meta-data/", "http://169.254.169.254/computeMetadata/v1/",
    "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/", "http://2852039166/",
    "http://0xa9fea9fe/", "http://169.254.0.1/", "http://100.100.100.200/latest/meta-data/",
]
CGNAT_RESERVED = [
    "http://100.64.0.1/", "http://100.127.255.254/", "http://224.0.0.1/", "http://239.255.255.250/",
    "http://240.0.0.1/", "http://255.255.255.255/", "http://198.18.0.1/", "http://[ff02::1]/",
    "http://[2002:7f00:1::]/", "http://[2001::1]/",
]
SCHEMES = [
    "file:///etc/passwd", "file://localhost/etc/passwd", "gopher://127.0.0.1:6379/_INFO",
    "ftp://127.0.0.1/", "ftp://example.com/file", "dict://127.0.0.1:11211/", "ldap://127.0.0.1/",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//127.0.0.1/", "127.0.0.1",
    "jar:http://127.0.0.1!/", "HTTP://[::1]/", "http:///etc/passwd",
]
CREDENTIALS = [
    "http://user:pass@example.com/", "http://example.com@127.0.0.1/", "http://127.0.0.1#@example.com/",
    "http://user@10.0.0.1/", "https://mp.weixin.qq.com:443@127.0.0.1/",
]
DNS_TO_LOOPBACK = ["http://localtest.me/", "http://127.0.0.1.nip.io/", "http://ip6-localhost/"]

CORPUS = LOOPBACK + PRIVATE + LINK_LOCAL_METADATA + CGNAT_RESERVED + SCHEMES + CREDENTIALS + DNS_TO_LOOPBACK


def test_corpus_is_large_enough():
    assert len(set(CORPUS)) >= 50


@pytest.fixture
def no_loopback(settings):
    settings.SAFE_FETCH_ALLOW_LOOPBACK = False


@pytest.mark.parametrize("url", CORPUS)
def test_payload_is_refused(no_loopback, url):
    # Given the production rule (no loopback), when the importer fetches the payload,
    # then it is refused with a FetchError (blocked, bad URL, or not resolvable) — never fetched.
    with pytest.raises(safe_fetch.FetchError):
        safe_fetch.fetch(url, timeout=2)


def test_hosts_resolving_to_loopback_are_blocked_not_just_unresolvable(no_loopback):
    with pytest.raises(safe_fetch.BlockedAddress):
        safe_fetch.fetch("http://localhost/", timeout=2)


class _Redirector(http.server.BaseHTTPRequestHandler):
    targets: list[str] = []

    def do_GET(self):  # noqa: N802
        hop = int(self.path.strip("/") or 0)
        self.send_response(302)
        if hop < 2:
            self.send_header("Location", f"/{hop + 1}")
        else:
            self.send_header("Location", self.server.final_target)
        self.end_headers()

    def log_message(self, *args):
        pass


REDIRECT_TARGETS = [
    "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
    "http://[::ffff:192.168.0.1]/", "file:///etc/passwd", "gopher://127.0.0.1:6379/_x",
    "http://user:pw@example.com/",
]


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
def test_redirect_chain_to_private_host_is_refused(settings, target):
    # Given a server (on loopback, allowed here only to host the first hops) that redirects
    # twice and then to a private address, when fetched, then the last hop is refused.
    settings.SAFE_FETCH_ALLOW_LOOPBACK = True
    server = http.server.HTTPServer(("127.0.0.1", 0), _Redirector)
    server.final_target = target
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(safe_fetch.FetchError):
            safe_fetch.fetch(f"http://127.0.0.1:{server.server_port}/0", timeout=3)
    finally:
        server.shutdown()
        server.server_close()
