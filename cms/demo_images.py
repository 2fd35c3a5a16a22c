"""Demo pictures drawn with Pillow (no downloads): a gradient with a title, stored as Wagtail images."""

from __future__ import annotations

import io

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw
from wagtail.images import get_image_model


def demo_picture(
    enterprise, title: str, *, size=(800, 600), top=(30, 90, 160), bottom=(10, 30, 60), text: str = ""
):
    """The enterprise's demo image called ``title``; created once (idempotent)."""
    model = get_image_model()
    existing = model.objects.filter(collection=enterprise.collection, title=title).first()
    if existing is not None:
        return existing
    width, height = size
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    if text:
        from cms.posters.services import _font

        size = min(height // 2, max(24, int(width * 0.8 / len(text))))
        draw.text((width // 2, height // 2), text, font=_font(size), fill=(255, 255, 255), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return model.objects.create(
        title=title, collection=enterprise.collection,
        file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"demo-{enterprise.slug}-{len(title)}.png"),
    )
