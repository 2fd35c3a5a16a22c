"""SSRF corpus against the article-import fetcher: every payload is refused before any byte is sent."""

from __future__ import annotations

import http.server
import threading

import pytest

from cms import safe_fetch

LOOPBACK = [
    "http://127.0.0.1/",
    "http://127.0.0.1:8000/admin/",
    "http://127.1/",
    "http://127.0.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://0x7f000001/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://0x7f.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::]/",
    "http://localhost/",
    "http://localhost.:80/",
    "http://127.255.255.254/",
    "https://127.0.0.1:443/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
]
PRIVATE = [
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.1/",
    "http://192.168.0.1/",
    "http://192.168.1.1:8080/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:192.168.0.1]/",
    "http://012.0.0.1/",
    "http://0xc0a80001/",
    "http://3232235521/",
]
LINK_LOCAL_METADATA = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/computeMetadata/v1/",
    "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://2852039166/",
    "http://0xa9fea9fe/",
    "http://169.254.0.1/",
    "http://100.100.100.200/latest/meta-data/",
]
CGNAT_RESERVED = [
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
    "http://[ff02::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2001::1]/",
]
SCHEMES = [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://127.0.0.1/",
    "ftp://example.com/file",
    "dict://127.0.0.1:11211/",
    "ldap://127.0.0.1/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//127.0.0.1/",
    "127.0.0.1",
    "jar:http://127.0.0.1!/",
    "HTTP://[::1]/",
    "http:///etc/passwd",
]
CREDENTIALS = [
    "http://user:pass@example.com/",
    "http://example.com@127.0.0.1/",
    "http://127.0.0.1#@example.com/",
    "http://user@10.0.0.1/",
    "https://mp.weixin.qq.com:443@127.0.0.1/",
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
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://[::ffff:192.168.0.1]/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_x",
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


# --- issue 18, hole 9: addresses Python 3.11 calls global, a total deadline ---------------------

NOT_GLOBAL_V6 = ["fec0::1", "fec0:1234::5", "feff:ffff::1", "3fff::1", "3fff:fff:ffff::1", "5f00::1"]


@pytest.mark.parametrize("ip", NOT_GLOBAL_V6)
def test_site_local_and_documentation_v6_literals_are_blocked(no_loopback, ip):
    # Given an address literal in fec0::/10 or 3fff::/20, when fetched, then it is refused as
    # blocked (not merely unreachable): nothing is sent to it.
    with pytest.raises(safe_fetch.BlockedAddress):
        safe_fetch.fetch(f"http://[{ip}]/", timeout=2)


def _resolving(monkeypatch, names: dict[str, str]):
    """Make ``socket.getaddrinfo`` answer ``names`` (host -> IPv6) and resolve everything else."""
    import socket

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (names[host], port or 80, 0, 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("ip", NOT_GLOBAL_V6)
def test_names_resolving_to_site_local_or_documentation_v6_are_blocked(no_loopback, monkeypatch, ip):
    _resolving(monkeypatch, {"intranet.example.com": ip})
    with pytest.raises(safe_fetch.BlockedAddress) as refused:
        safe_fetch.fetch("http://intranet.example.com/", timeout=2)
    # and the refusal names the host asked for, never the address it resolved to
    assert ip not in str(refused.value) and "intranet.example.com" in str(refused.value)


@pytest.mark.parametrize(
    "target", ["http://[fec0::1]/", "http://[3fff::10]/admin", "http://sitelocal.example.com/"]
)
def test_redirect_to_site_local_or_documentation_v6_is_refused(settings, monkeypatch, target):
    settings.SAFE_FETCH_ALLOW_LOOPBACK = True  # only for the redirecting fixture server
    _resolving(monkeypatch, {"sitelocal.example.com": "fec0::7"})
    server = http.server.HTTPServer(("127.0.0.1", 0), _Redirector)
    server.final_target = target
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(safe_fetch.BlockedAddress):
            safe_fetch.fetch(f"http://127.0.0.1:{server.server_port}/0", timeout=3)
    finally:
        server.shutdown()
        server.server_close()


def _dripping_server(head: bytes, body: bytes, interval: float = 0.5):
    """A loopback server that sends ``head`` at once, then ``body`` one byte per ``interval``."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(4096)
                    conn.sendall(head)
                    for byte in body:
                        if stop.wait(interval):
                            break
                        conn.sendall(bytes([byte]))
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


@pytest.mark.parametrize(
    ("head", "body"),
    [
        # the body drips: 40 bytes at 0.5 s each would take 20 s
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n", b"x" * 40),
        # no length, the body drips until the server closes
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n", b"y" * 40),
        # the status line and headers themselves drip
        (b"", b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 40 + b"\r\n\r\n"),
    ],
    ids=["body-with-length", "body-until-close", "headers"],
)
def test_a_dripping_server_cannot_hold_a_fetch_past_its_deadline(settings, head, body):
    # Given a server that answers one byte every 0.5 s (each read succeeds before a per-read
    # timeout), when fetched with a 3 s budget, then the fetch fails as a timeout after ~3 s.
    import time

    settings.SAFE_FETCH_ALLOW_LOOPBACK = True
    listener, stop = _dripping_server(head, body)
    started = time.monotonic()
    try:
        with pytest.raises(safe_fetch.Unreachable) as failed:
            safe_fetch.fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=3)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    assert failed.value.code == "timeout"
    assert 2.9 <= elapsed < 3.6, elapsed
