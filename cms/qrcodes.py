"""QR codes for share links: one renderer (segno), PNG and SVG, and a Pillow image for posters."""

from __future__ import annotations

import io

import segno
from PIL import Image


def _qr(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("a QR code needs a URL")
    # Medium error correction survives a small logo or print blur without growing the code much.
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, *, scale: int = 8, border: int = 2) -> bytes:
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(url: str, *, scale: int = 8, border: int = 2) -> bytes:
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue()


def qr_image(url: str, *, size: int, border: int = 2) -> Image.Image:
    """An RGB Pillow image about ``size`` pixels wide, scaled by whole modules (sharp edges)."""
    qr = _qr(url)
    modules = qr.symbol_size(scale=1, border=border)[0]
    scale = max(1, size // modules)
    image = Image.open(io.BytesIO(qr_png(url, scale=scale, border=border))).convert("RGB")
    if image.width != size:
        image = image.resize((size, size), Image.NEAREST)
    return image
