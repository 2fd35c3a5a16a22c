"""Share tokens and links: the one place that knows the share format (TRK-1).

A share token is ``base64url(payload || mac)`` with at most 32 characters, so it fits a
QR code and a mini-program ``scene``. The payload packs, as varints: a header byte
(version, kind, forwarded flag), enterprise id, salesperson id (0 = none), target id and,
for a forwarded share, the forwarding visitor's id and the chain depth. The mac is the
first 8 bytes of HMAC-SHA256 keyed from SECRET_KEY, so a token cannot be forged or
altered (changing one byte fails verification). Forwarding keeps the origin
salesperson; the chain itself (parent token → token) is recorded by
:func:`trackers.services.share_forward`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass

from django.conf import settings

from .models import TargetKind
from .registry import item_kind, kind_code, kind_name

TOKEN_VERSION = 1
MAC_BYTES = 8
MAX_TOKEN_CHARS = 32
MAX_DEPTH = 255


class ShareTokenInvalid(ValueError):
    """Raised for tampered, forged, truncated or unknown-version tokens."""


@dataclass(frozen=True)
class ShareContext:
    """What a verified token says."""

    token: str
    enterprise_id: int
    salesperson_id: int | None
    kind: str
    target_id: int
    forwarder_id: int | None = None
    depth: int = 0

    @property
    def kind_code(self) -> int:
        return kind_code(self.kind)


def _key() -> bytes:
    return hashlib.sha256(b"trackers.share-token:" + settings.SECRET_KEY.encode()).digest()


def _mac(payload: bytes) -> bytes:
    return hmac.new(_key(), payload, hashlib.sha256).digest()[:MAC_BYTES]


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("ids are non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(buffer: io.BytesIO) -> int:
    shift = result = 0
    while True:
        raw = buffer.read(1)
        if not raw:
            raise ShareTokenInvalid("truncated")
        result |= (raw[0] & 0x7F) << shift
        if not raw[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise ShareTokenInvalid("varint too long")


def share_token_make(
    *,
    enterprise_id: int,
    salesperson_id: int | None,
    kind: str,
    target_id: int,
    forwarder_id: int | None = None,
    depth: int = 0,
) -> str:
    """Encode and sign a share token."""
    forwarded = forwarder_id is not None
    header = (TOKEN_VERSION << 5) | (0x10 if forwarded else 0) | kind_code(kind)
    payload = bytes([header]) + _varint(enterprise_id) + _varint(salesperson_id or 0) + _varint(target_id)
    if forwarded:
        payload += _varint(forwarder_id) + bytes([min(depth, MAX_DEPTH)])
    token = base64.urlsafe_b64encode(payload + _mac(payload)).rstrip(b"=").decode()
    if len(token) > MAX_TOKEN_CHARS:
        raise ValueError(f"share token too long ({len(token)} characters)")
    return token


def share_token_verify(token: str) -> ShareContext:
    """Decode a token and check its signature; raises :class:`ShareTokenInvalid`."""
    if not isinstance(token, str) or not 12 <= len(token) <= MAX_TOKEN_CHARS:
        raise ShareTokenInvalid("bad length")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError) as error:
        raise ShareTokenInvalid("not base64") from error
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token:
        raise ShareTokenInvalid("not canonical")
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if len(payload) < 4 or not hmac.compare_digest(mac, _mac(payload)):
        raise ShareTokenInvalid("bad signature")
    header = payload[0]
    if header >> 5 != TOKEN_VERSION:
        raise ShareTokenInvalid("unknown version")
    try:
        kind = kind_name(header & 0x0F)
    except ValueError as error:
        raise ShareTokenInvalid("unknown kind") from error
    buffer = io.BytesIO(payload[1:])
    enterprise_id = _read_varint(buffer)
    salesperson_id = _read_varint(buffer) or None
    target_id = _read_varint(buffer)
    forwarder_id, depth = None, 0
    if header & 0x10:
        forwarder_id = _read_varint(buffer)
        depth_byte = buffer.read(1)
        if not depth_byte:
            raise ShareTokenInvalid("truncated")
        depth = depth_byte[0]
    if buffer.read(1):
        raise ShareTokenInvalid("trailing bytes")
    return ShareContext(token, enterprise_id, salesperson_id, kind, target_id, forwarder_id, depth)


def share_token_forward(parent: ShareContext, *, forwarder_id: int) -> str:
    """The token a visitor shares onward: same enterprise, salesperson and item, one level deeper."""
    return share_token_make(
        enterprise_id=parent.enterprise_id,
        salesperson_id=parent.salesperson_id,
        kind=parent.kind,
        target_id=parent.target_id,
        forwarder_id=forwarder_id,
        depth=parent.depth + 1,
    )


def _item_enterprise_id(item, salesperson) -> int:
    enterprise_id = getattr(item, "enterprise_id", None)
    if enterprise_id:
        return enterprise_id
    if salesperson is not None:
        return salesperson.enterprise_id
    site = item.get_site() if hasattr(item, "get_site") else None
    if site is not None and hasattr(site, "enterprise"):
        return site.enterprise.pk
    raise ValueError(f"cannot tell the enterprise of {item!r}")


def share_token_for(item, salesperson) -> str:
    """The share token of ``item`` shared by ``salesperson`` (None: the enterprise itself)."""
    return share_token_make(
        enterprise_id=_item_enterprise_id(item, salesperson),
        salesperson_id=salesperson.pk if salesperson else None,
        kind=item_kind(item),
        target_id=item.pk,
    )


def share_url_for_token(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/h5/s/{token}/"


def share_url(item, salesperson) -> str:
    """The public URL a salesperson shares for ``item``."""
    return share_url_for_token(share_token_for(item, salesperson))


def share_qr(token: str, *, kind: str = "svg", scale: int = 6) -> bytes:
    """A QR code (SVG or PNG bytes) of the share URL of ``token``."""
    import segno

    qr = segno.make(share_url_for_token(token), error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind=kind, scale=scale, border=2)
    return buffer.getvalue()


__all__ = [
    "ShareContext",
    "ShareTokenInvalid",
    "TargetKind",
    "item_kind",
    "share_qr",
    "share_token_for",
    "share_token_forward",
    "share_token_make",
    "share_token_verify",
    "share_url",
    "share_url_for_token",
]
