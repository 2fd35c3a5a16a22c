"""An HTTP client that cannot be pointed at our own network (SSRF-safe).

Used by the WeChat article import and the mall feed importer. Rules:

* only ``http``/``https`` URLs;
* the host is resolved once, every address must be globally routable
  (``ipaddress`` ``is_global``, plus the ranges Python 3.11's tables miss: site-local
  ``fec0::/10``, documentation ``3fff::/20``, SRv6 ``5f00::/16``; IPv4-mapped and 6to4
  addresses are judged by their IPv4 address);
  odd IPv4 spellings (``0x7f000001``, ``127.1``, ``2130706433``) resolve like the
  resolver would, so they are caught by the same check;
* the connection goes to the checked address (pinned), so DNS cannot change between
  check and connect; TLS still verifies the real host name;
* redirects are followed by hand and every hop is checked again;
* one deadline for the whole fetch (every hop, the headers and the body): each socket
  operation gets only the time left, and a watchdog shuts the socket at the deadline, so a
  server dripping one byte at a time cannot stretch it;
* a body size limit.

Messages are for the people who asked for the fetch: they never name the address a host
resolved to (that would turn the importer into a scanner of our network); the log has it.

Loopback is allowed only when ``settings.SAFE_FETCH_ALLOW_LOOPBACK`` is true (tests
serve fixture pages on 127.0.0.1).
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
MAX_REDIRECTS = 5
USER_AGENT = "Mozilla/5.0 (compatible; ContentEngine/1.0)"
CGNAT = ipaddress.ip_network("100.64.0.0/10")
#: Not globally routable (IANA special-purpose registry) but ``is_global`` on Python 3.11.
NOT_GLOBAL_V6 = (
    ipaddress.ip_network("fec0::/10"),  # site-local (RFC 3879: deprecated, still routed inside sites)
    ipaddress.ip_network("3fff::/20"),  # documentation (RFC 9637)
    ipaddress.ip_network("5f00::/16"),  # SRv6 SIDs (RFC 9602)
)


class FetchError(Exception):
    """A fetch that could not or must not be made; ``code`` is stable, ``str()`` is for people."""

    code = "fetch_failed"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class BlockedAddress(FetchError):
    code = "blocked"


class BadURL(FetchError):
    code = "bad_url"


class Unreachable(FetchError):
    code = "unreachable"


class TooLarge(FetchError):
    code = "too_large"


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def encoding(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"'")
        return None


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "SAFE_FETCH_ALLOW_LOOPBACK", False))


def address_allowed(ip: str) -> bool:
    """True when ``ip`` is a public unicast address (or loopback, when the setting allows it)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            address = mapped
        elif address.teredo:
            return False
    if address.is_loopback:
        return _loopback_allowed()
    if isinstance(address, ipaddress.IPv4Address):
        if address in CGNAT:
            return False
    elif any(address in network for network in NOT_GLOBAL_V6):
        return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_link_local or address.is_unspecified
    )


def resolve(host: str, port: int) -> str:
    """Resolve ``host`` and return one address to connect to, refusing if any address is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Unreachable(_("Cannot resolve host %(host)s.") % {"host": host}) from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise Unreachable(_("Cannot resolve host %(host)s.") % {"host": host})
    for ip in addresses:
        if not address_allowed(ip):
            raise _blocked(host, ip)
    return addresses[0]


def _blocked(host: str, ip: str) -> BlockedAddress:
    """The refusal people see names the host they typed, never the address it resolved to."""
    logger.info("safe_fetch refused %s: resolves to %s", host, ip)
    return BlockedAddress(
        _("Address not allowed: %(host)s is in a private or reserved network.") % {"host": host}
    )


def _split(url: str):
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise BadURL(_("That is not a valid web address.")) from error
    if parts.scheme not in ("http", "https"):
        raise BadURL(_("Only http:// and https:// addresses can be fetched."))
    if not parts.hostname:
        raise BadURL(_("That web address has no host."))
    if parts.username or parts.password:
        raise BadURL(_("Addresses with a user name or password are not allowed."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to a checked IP while verifying the certificate for the real host name."""

    def __init__(self, ip: str, hostname: str, port: int, timeout: float):
        super().__init__(hostname, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = sock  # visible to the deadline's watchdog during the TLS handshake
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, ip: str, hostname: str, port: int, timeout: float):
        super().__init__(hostname, port, timeout=timeout)
        self._ip = ip

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


def _connect_check(conn, host: str) -> None:
    """Check the peer we actually connected to (belt and braces against resolver tricks)."""
    peer = conn.sock.getpeername()[0]
    if not address_allowed(peer):
        raise _blocked(host, peer)


class _Deadline:
    """The time left of one fetch; arms a watchdog that shuts the connection's socket when it ends.

    A socket timeout bounds one ``recv``; a server sending a byte just before each timeout would
    hold the fetch for ever. Shutting the socket down from the watchdog ends any blocked read.
    """

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise Unreachable(_("The site took too long to answer."), code="timeout")
        return remaining

    def watch(self, conn, kept: list) -> threading.Timer:
        """Shut ``conn``'s socket (or the one kept after http.client let go of it) at the deadline."""

        def expire():
            for sock in (conn.sock, *kept):
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        timer = threading.Timer(max(self.at - time.monotonic(), 0), expire)
        timer.daemon = True
        timer.start()
        return timer


def fetch(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
) -> Response:
    """GET ``url`` under the rules above; raises a :class:`FetchError` subclass with a clear message.

    ``timeout`` is the whole fetch's budget (all hops, headers and body), not a per-read timeout.
    """
    deadline = _Deadline(timeout)
    redirects: list[str] = []
    current = url
    for _hop in range(max_redirects + 1):
        scheme, host, port, path = _split(current)
        ip = resolve(host, port)
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = connection_class(ip, host, port, timeout=deadline.left())
        kept: list[socket.socket] = []  # http.client drops conn.sock once a response will close
        watchdog = deadline.watch(conn, kept)
        try:
            conn.connect()
            kept.append(conn.sock)
            _connect_check(conn, host)
            host_header = host if port in (80, 443) else f"{host}:{port}"
            if ":" in host and not host.startswith("["):
                host_header = f"[{host}]" if port in (80, 443) else f"[{host}]:{port}"
            conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host_header)
            conn.putheader("User-Agent", USER_AGENT)
            conn.putheader("Accept", "text/html,application/json,text/csv,image/*,*/*;q=0.8")
            kept[0].settimeout(deadline.left())
            conn.endheaders()
            response = conn.getresponse()
            headers = {k.lower(): v for k, v in response.getheaders()}
            if response.status in (301, 302, 303, 307, 308) and headers.get("location"):
                redirects.append(current)
                current = urljoin(current, headers["location"])
                continue
            declared = headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(max_bytes)
            chunks, size = [], 0
            while True:
                kept[0].settimeout(deadline.left())
                chunk = response.read1(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(max_bytes)
                chunks.append(chunk)
            deadline.left()  # an end of body forced by the watchdog is a timeout, not a short page
            if response.status >= 400:
                raise Unreachable(
                    _("The site answered with HTTP %(status)s.") % {"status": response.status},
                    code="http_error",
                )
            return Response(
                url=current,
                status=response.status,
                headers=headers,
                content=b"".join(chunks),
                redirects=redirects,
            )
        except FetchError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as error:
            deadline.left()
            raise Unreachable(
                _("Could not reach %(host)s: %(error)s.") % {"host": host, "error": error.__class__.__name__}
            ) from error
        finally:
            watchdog.cancel()
            conn.close()
    raise Unreachable(_("Too many redirects."), code="too_many_redirects")


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(_("The response is larger than %(size)s KB.") % {"size": max_bytes // 1024})
