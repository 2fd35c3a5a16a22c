"""Upload limits (issue 18, hole 8): the request body cap and the image pixel cap, in one place.

* :class:`RequestBodyLimitMiddleware` refuses a request whose declared body is over
  ``MAX_REQUEST_BODY_BYTES`` with 413 before anything reads the body, so an oversized upload
  never reaches a temporary file. The web server in front enforces the same figure
  (nginx ``client_max_body_size``, docs/deploy.md); this is the second wall.
* :func:`image_pixels_check` reads only an image's header and refuses more pixels than
  ``WAGTAILIMAGES_MAX_IMAGE_PIXELS``: a 140 KB PNG can declare 12000×12000 pixels and cost a
  gigabyte once decoded. Every image path calls it (Wagtail's own upload form checks the same
  setting); :func:`install` makes Pillow refuse such images everywhere else and stops an
  oversized Wagtail image from being saved at all.
"""

from __future__ import annotations

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
DEFAULT_MAX_REQUEST_BODY_BYTES = 110 * 1024 * 1024


def max_image_pixels() -> int:
    return int(getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", None) or DEFAULT_MAX_IMAGE_PIXELS)


def max_request_body_bytes() -> int:
    return int(getattr(settings, "MAX_REQUEST_BODY_BYTES", DEFAULT_MAX_REQUEST_BODY_BYTES))


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    limit = max_image_pixels() // 1_000_000
    if width and height:
        return ValidationError(
            _("The image is %(width)s×%(height)s pixels; at most %(limit)s million pixels are allowed.")
            % {"width": width, "height": height, "limit": limit},
            code="image_too_many_pixels",
        )
    return ValidationError(
        _("The image has too many pixels; at most %(limit)s million pixels are allowed.") % {"limit": limit},
        code="image_too_many_pixels",
    )


def pixels_allowed(width: int | None, height: int | None) -> bool:
    return (width or 0) * (height or 0) <= max_image_pixels()


def image_pixels_check(file) -> tuple[int, int]:
    """(width, height) of an image file read from its header only; ValidationError when too big.

    ``file`` is any binary file object, read from its start; its position is put back after.
    """
    position = file.tell()
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)  # we compare below
            with PILImage.open(file) as image:  # lazy: reads the header, decodes nothing
                width, height = image.size
    except PILImage.DecompressionBombError:  # Pillow's own refusal (see install())
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(_("The file is not a readable image."), code="image_unreadable") from None
    finally:
        file.seek(position)
    if not pixels_allowed(width, height):
        raise _too_many_pixels(width, height)
    return width, height


class RequestBodyLimitMiddleware:
    """413 for a declared body over ``MAX_REQUEST_BODY_BYTES``, before the body is read.

    Django would otherwise stream a multipart upload into a temporary file first and only
    then let a form say it is too large. Bodies without Content-Length are not read by Django
    (it treats them as empty), so the header is the whole question.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return HttpResponse(status=400)
        limit = max_request_body_bytes()
        if length > limit:
            message = _("The upload is too large: at most %(size)s MB per request.")
            return HttpResponse(
                message % {"size": limit // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _refuse_oversized_image(sender, instance, **kwargs) -> None:
    """Last wall: no Wagtail image over the pixel limit is stored, whichever code path made it.

    The width and height come from the file's header (Wagtail's image field fills them).
    """
    if not pixels_allowed(instance.width, instance.height):
        raise ValidationError({"file": _too_many_pixels(instance.width, instance.height)})


def install() -> None:
    """Pillow refuses to open any image over the limit, everywhere; Wagtail images over it are never saved.

    Pillow warns above ``MAX_IMAGE_PIXELS`` and raises above twice that, so half our limit makes
    its error threshold ours: renditions, posters and Django's ImageField (the account avatar,
    which then answers "not a valid image" at the field) cannot decode a bomb.
    """
    from wagtail.images import get_image_model

    PILImage.MAX_IMAGE_PIXELS = max_image_pixels() // 2
    pre_save.connect(_refuse_oversized_image, sender=get_image_model(), dispatch_uid="upload_limits_pixels")
