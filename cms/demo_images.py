"""Demo pictures and documents drawn with Pillow (no downloads), with Chinese text in the CJK font.

``demo_picture`` stores a Wagtail image (gradient, soft shapes, a title and an optional caption);
``demo_pdf`` renders a real multi-page A4 PDF (cover and text pages) that any reader opens;
``demo_avatar`` is a round portrait-style badge with the person's given name.
"""

from __future__ import annotations

import functools
import io
import textwrap

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw, ImageFilter
from wagtail.images import get_image_model


@functools.lru_cache(maxsize=32)
def _font(size: int):
    from cms.posters.services import _font as cjk_font

    return cjk_font(size)


def _gradient(size, top, bottom) -> Image.Image:
    """Top-to-bottom gradient: Pillow's 256-step ramp stretched and used as a mask (no per-line loop)."""
    ramp = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)


def _shapes(image: Image.Image, seed: int) -> Image.Image:
    """Blurred translucent circles and a band: looks like a designed banner, not a flat fill."""
    full = image.size
    width, height = max(1, full[0] // 4), max(1, full[1] // 4)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for n in range(4):
        r = int(min(width, height) * (0.25 + 0.12 * ((seed + n) % 3)))
        cx = int(width * (((seed * 37 + n * 53) % 100) / 100))
        cy = int(height * (((seed * 17 + n * 71) % 100) / 100))
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 255, 255, 28 + 10 * n))
    draw.polygon(
        [(0, int(height * 0.78)), (width, int(height * 0.62)), (width, height), (0, height)],
        fill=(0, 0, 0, 40),
    )
    layer = layer.filter(ImageFilter.GaussianBlur(radius=max(1, min(width, height) // 60))).resize(full)
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def render_picture(
    *, size=(800, 600), top=(30, 90, 160), bottom=(10, 30, 60), text: str = "", caption: str = ""
) -> Image.Image:
    width, height = size
    image = _shapes(_gradient(size, top, bottom), seed=sum(map(ord, text or "x")))
    draw = ImageDraw.Draw(image)
    if text:
        font_size = min(height // 3, max(20, int(width * 0.8 / max(1, len(text)))))
        y = height // 2 - (font_size // 2 if caption else 0)
        draw.text((width // 2 + 2, y + 2), text, font=_font(font_size), fill=(0, 0, 0, 90), anchor="mm")
        draw.text((width // 2, y), text, font=_font(font_size), fill=(255, 255, 255), anchor="mm")
        if caption:
            small = max(14, min(font_size // 2, int(width * 0.9 / max(1, len(caption)))))
            draw.text(
                (width // 2, y + font_size),
                caption,
                font=_font(small),
                fill=(235, 240, 250),
                anchor="mm",
            )
    return image


def demo_picture(
    enterprise,
    title: str,
    *,
    size=(800, 600),
    top=(30, 90, 160),
    bottom=(10, 30, 60),
    text: str = "",
    caption: str = "",
    jpeg: bool = False,
):
    """The enterprise's demo image called ``title``; created once (idempotent)."""
    model = get_image_model()
    existing = model.objects.filter(collection=enterprise.collection, title=title).first()
    if existing is not None:
        return existing
    image = render_picture(size=size, top=top, bottom=bottom, text=text, caption=caption)
    buffer = io.BytesIO()
    if jpeg:
        image.save(buffer, format="JPEG", quality=85, optimize=True)
    else:
        image.save(buffer, format="PNG", optimize=True)
    extension = "jpg" if jpeg else "png"
    number = model.objects.filter(collection=enterprise.collection).count() + 1
    return model.objects.create(
        title=title,
        collection=enterprise.collection,
        file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"demo-{enterprise.slug}-{number}.{extension}"),
    )


def demo_avatar(name: str, colour=(26, 115, 232), size: int = 256) -> bytes:
    """A round badge with the last one or two characters of ``name`` (PNG bytes)."""
    darker = tuple(max(0, c - 70) for c in colour)
    image = _gradient((size, size), colour, darker)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse([0, 0, size - 1, size - 1], fill=255)
    badge = Image.new("RGB", (size, size), (255, 255, 255))
    badge.paste(image, mask=mask)
    label = name[-2:] if len(name) > 2 else name
    ImageDraw.Draw(badge).text(
        (size // 2, size // 2), label, font=_font(size // 3), fill=(255, 255, 255), anchor="mm"
    )
    buffer = io.BytesIO()
    badge.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


#: A4 at 100 dpi: sharp enough on a phone, about 40–80 kB a page as JPEG inside the PDF.
A4 = (827, 1169)


def _page(title: str, heading: str, paragraphs: list[str], number: int, colour) -> Image.Image:
    width, height = A4
    page = Image.new("RGB", A4, (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, width, 90], fill=colour)
    draw.text((48, 45), title, font=_font(26), fill=(255, 255, 255), anchor="lm")
    draw.text((48, 150), heading, font=_font(34), fill=(30, 30, 30), anchor="lm")
    draw.line([(48, 185), (width - 48, 185)], fill=colour, width=3)
    y = 215
    body = _font(22)
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, 32) or [""]:
            draw.text((48, y), line, font=body, fill=(60, 60, 60))
            y += 36
        y += 18
    draw.text((width // 2, height - 40), f"— {number} —", font=_font(18), fill=(140, 140, 140), anchor="mm")
    return page


def demo_pdf(
    title: str, subtitle: str, sections: list[tuple[str, list[str]]], colour=(26, 115, 232)
) -> bytes:
    """A real PDF: a cover page then one page per ``(heading, paragraphs)`` section."""
    cover = render_picture(
        size=A4, top=colour, bottom=tuple(max(0, c - 90) for c in colour), text=title, caption=subtitle
    )
    pages = [_page(title, heading, text, n, colour) for n, (heading, text) in enumerate(sections, start=2)]
    buffer = io.BytesIO()
    cover.save(
        buffer, format="PDF", save_all=True, append_images=pages, resolution=100.0, title=title, quality=80
    )
    return buffer.getvalue()
