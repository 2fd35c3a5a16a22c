"""Compose posters (POST-1, POST-2) with Pillow: background, QR code of the share link, name, avatar.

The QR code carries the poster's own share token (kind poster, ``poster_share_url``): a scan opens
the advertised item and credits the poster and its salesperson (POST-3). Output is cached by a hash of
every input, so asking again for the same poster is a single indexed lookup.
"""

from __future__ import annotations

import hashlib
import io
import os
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from cms.qrcodes import qr_image
from cms.upload_limits import image_pixels_check
from enterprises.models import Salesperson
from trackers.registry import item_kind
from trackers.share import share_token_make, share_url_for_token

from .models import GeneratedPoster, PosterTemplate

#: Where a CJK font is looked for (Debian fonts-noto-cjk first); settings.POSTER_FONT_PATHS overrides.
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
]
#: Index of Simplified Chinese inside the Noto CJK collection (JP, KR, SC, TC, HK).
NOTO_SC_INDEX = 2
#: Layout for an uploaded image (POST-2): QR at bottom right, this share of the shorter side.
UPLOAD_QR_SHARE = 0.28
RENDER_VERSION = "2"  # 2: the QR code carries the poster's own token (POST-3)


class PosterError(Exception):
    def __init__(self, message: str, *, code: str = "VALIDATION") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@lru_cache(maxsize=1)
def font_path() -> str | None:
    """The first CJK font found; None means Pillow's default bitmap font (Latin only)."""
    for path in getattr(settings, "POSTER_FONT_PATHS", None) or FONT_CANDIDATES:
        if os.path.exists(path):
            return path
    return None


@lru_cache(maxsize=32)
def _font(size: int):
    path = font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    index = NOTO_SC_INDEX if "NotoS" in os.path.basename(path) and path.endswith(".ttc") else 0
    return ImageFont.truetype(path, size=size, index=index)


def _open(image_field) -> Image.Image:
    """Decode a stored image, refusing one over the pixel limit before decoding (issue 18)."""
    image_field.open("rb")
    try:
        data = io.BytesIO(image_field.read())
        try:
            image_pixels_check(data)
        except ValidationError as error:
            raise PosterError(error.messages[0], code="LIMIT") from None
        image = Image.open(data)
        image = ImageOps.exif_transpose(image)
        return image.convert("RGB")
    finally:
        image_field.close()


def _circle(image: Image.Image, size: int) -> tuple[Image.Image, Image.Image]:
    image = ImageOps.fit(image, (size, size))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
    return image, mask


def _cache_key(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in (RENDER_VERSION, *parts)).encode()).hexdigest()


def _check_target(target, salesperson: Salesperson) -> None:
    enterprise_id = getattr(target, "enterprise_id", None)
    if enterprise_id is None and hasattr(target, "get_site"):
        site = target.get_site()
        enterprise_id = getattr(getattr(site, "enterprise", None), "pk", None)
    if enterprise_id != salesperson.enterprise_id:
        raise PermissionDenied(_("The poster target belongs to another enterprise."))


def poster_template_usable(template: PosterTemplate, salesperson: Salesperson) -> bool:
    """Platform templates, the salesperson's enterprise library, and their own."""
    if not template.is_active:
        return False
    if template.enterprise_id is None:
        return True
    if template.enterprise_id != salesperson.enterprise_id:
        return False
    return template.owner_id in (None, salesperson.pk)


def poster_compose(
    *,
    salesperson: Salesperson,
    target,
    template: PosterTemplate | None = None,
    source_image=None,
) -> GeneratedPoster:
    """The poster of ``target`` (card, article, product, form or page) shared by ``salesperson``.

    Either a template or the salesperson's own uploaded image (a Wagtail image) is the base.
    """
    if (template is None) == (source_image is None):
        raise PosterError("Give a template or an uploaded image.")
    _check_target(target, salesperson)
    if template is not None and not poster_template_usable(template, salesperson):
        raise PermissionDenied(_("This poster template is not available to you."))
    if source_image is not None and source_image.collection_id != salesperson.enterprise.collection_id:
        raise PermissionDenied(_("The image belongs to another enterprise."))
    kind = item_kind(target)
    base = template.background if template else source_image
    key = _cache_key(
        salesperson.pk,
        salesperson.display_name,
        salesperson.avatar_id,
        template.pk if template else "-",
        template.updated_at.isoformat() if template else "-",
        base.pk,
        base.file.name,
        salesperson.enterprise_id,
        kind,
        target.pk,
    )
    cached = GeneratedPoster.objects.filter(cache_key=key).first()
    if cached is not None and cached.image and cached.image.storage.exists(cached.image.name):
        return cached
    poster = cached
    if poster is None:
        # The row first: the QR code carries the poster's own token, which names the poster's id.
        poster = GeneratedPoster(
            enterprise_id=salesperson.enterprise_id,
            salesperson=salesperson,
            template=template,
            source_image=source_image,
            target_kind=kind,
            target_id=target.pk,
            share_url="",
            cache_key=key,
        )
        try:
            with transaction.atomic():
                poster.save()
        except IntegrityError:  # a concurrent request claimed the same poster first
            return GeneratedPoster.objects.get(cache_key=key)
    poster.share_url = url = poster_share_url(poster)
    png, (width, height) = _render(salesperson=salesperson, template=template, base=base, url=url)
    poster.width, poster.height = width, height
    poster.image.save(f"{key[:24]}.png", ContentFile(png), save=False)
    poster.save()
    return poster


def poster_share_url(poster: GeneratedPoster) -> str:
    """POST-3: the link a poster's QR code carries: a share token of kind poster naming this poster.

    Scanning it opens what the poster advertises (``poster_target_token``) while every event of that
    visit is credited to the poster and its salesperson, so scans and acquisitions are counted.
    """
    return share_url_for_token(
        share_token_make(
            enterprise_id=poster.enterprise_id,
            salesperson_id=poster.salesperson_id,
            kind="poster",
            target_id=poster.pk,
        )
    )


def poster_target_token(poster: GeneratedPoster) -> str:
    """The share token of the item the poster advertises (same salesperson), for loading its content."""
    return share_token_make(
        enterprise_id=poster.enterprise_id,
        salesperson_id=poster.salesperson_id,
        kind=poster.target_kind,
        target_id=poster.target_id,
    )


def _render(
    *, salesperson: Salesperson, template: PosterTemplate | None, base, url: str
) -> tuple[bytes, tuple[int, int]]:
    canvas = _open(base.file)
    draw = ImageDraw.Draw(canvas)
    if template is None:
        size = max(120, int(min(canvas.size) * UPLOAD_QR_SHARE))
        margin = size // 8
        qr_box = (canvas.width - size - margin, canvas.height - size - margin, size)
        name_at = (margin, canvas.height - margin - size // 3)
        name_size, colour = max(20, size // 6), "#ffffff"
        avatar = None
    else:
        qr_box = (template.qr_x, template.qr_y, template.qr_size)
        name_at = (template.name_x, template.name_y) if template.show_name else None
        name_size, colour = template.name_size, template.name_colour
        avatar = None
        if template.show_avatar:
            avatar = (template.avatar_x, template.avatar_y, template.avatar_size)
    x, y, size = qr_box
    # The code's own white border is its quiet zone, so it scans on dark backgrounds too.
    canvas.paste(qr_image(url, size=size), (x, y))
    if avatar and salesperson.avatar_id:
        face, mask = _circle(_open(salesperson.avatar.file), avatar[2])
        canvas.paste(face, (avatar[0], avatar[1]), mask)
    if name_at:
        draw.text(name_at, salesperson.display_name, font=_font(name_size), fill=colour)
    if template is not None and template.caption:
        draw.text(
            (template.caption_x, template.caption_y),
            template.caption,
            font=_font(template.caption_size),
            fill=template.caption_colour,
        )
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue(), canvas.size
