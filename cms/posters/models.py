"""Posters (POST-1, POST-2): templates in three libraries and the images composed from them.

Library of a template: platform (no enterprise), enterprise (enterprise, no owner) or
"mine" (a salesperson's). Positions are in pixels of the background image.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1a2b3c.")


class Theme(models.TextChoices):
    FESTIVAL = "festival", _("Festival")
    GREETING = "greeting", _("Greeting")
    PRODUCT = "product", _("Product")
    EVENT = "event", _("Event")
    RECRUITING = "recruiting", _("Recruiting")
    OTHER = "other", _("Other")


class PosterTemplate(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="poster_templates",
        help_text=_("Empty: the platform library."),
        verbose_name=_("enterprise"),
    )
    owner = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="poster_templates",
        help_text=_("Set: this salesperson's own library."),
        verbose_name=_("owner"),
    )
    name = models.CharField(max_length=80, verbose_name=_("name"))
    theme = models.CharField(
        max_length=20, choices=Theme.choices, default=Theme.OTHER, verbose_name=_("theme")
    )
    background = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.PROTECT, related_name="+", verbose_name=_("background")
    )
    qr_x = models.PositiveIntegerField(default=40, verbose_name=_("qr x"))
    qr_y = models.PositiveIntegerField(default=40, verbose_name=_("qr y"))
    qr_size = models.PositiveIntegerField(default=200, verbose_name=_("qr size"))
    show_avatar = models.BooleanField(default=True, verbose_name=_("show avatar"))
    avatar_x = models.PositiveIntegerField(default=40, verbose_name=_("avatar x"))
    avatar_y = models.PositiveIntegerField(default=40, verbose_name=_("avatar y"))
    avatar_size = models.PositiveIntegerField(default=96, verbose_name=_("avatar size"))
    show_name = models.BooleanField(default=True, verbose_name=_("show name"))
    name_x = models.PositiveIntegerField(default=150, verbose_name=_("name x"))
    name_y = models.PositiveIntegerField(default=60, verbose_name=_("name y"))
    name_size = models.PositiveIntegerField(default=36, verbose_name=_("name size"))
    name_colour = models.CharField(
        max_length=7, default="#222222", validators=[colour], verbose_name=_("name colour")
    )
    caption = models.CharField(max_length=80, blank=True, verbose_name=_("caption"))
    caption_x = models.PositiveIntegerField(default=40, verbose_name=_("caption x"))
    caption_y = models.PositiveIntegerField(default=160, verbose_name=_("caption y"))
    caption_size = models.PositiveIntegerField(default=28, verbose_name=_("caption size"))
    caption_colour = models.CharField(
        max_length=7, default="#444444", validators=[colour], verbose_name=_("caption colour")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    sort_order = models.IntegerField(default=0, verbose_name=_("sort order"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("poster template")
        verbose_name_plural = _("poster templates")

    def __str__(self) -> str:
        return self.name

    @property
    def library(self) -> str:
        if self.enterprise_id is None:
            return "platform"
        return "mine" if self.owner_id else "enterprise"

    def clean(self) -> None:
        if self.owner_id and self.owner.enterprise_id != self.enterprise_id:
            raise ValidationError({"owner": "The owner must belong to the template's enterprise."})
        if not self.background_id:
            return
        width, height = self.background.width, self.background.height
        boxes = {"qr_x": (self.qr_x, self.qr_y, self.qr_size)}
        if self.show_avatar:
            boxes["avatar_x"] = (self.avatar_x, self.avatar_y, self.avatar_size)
        for field, (x, y, size) in boxes.items():
            if x + size > width or y + size > height:
                raise ValidationError(
                    {field: f"This box ({x},{y}, {size}px) does not fit the {width}×{height} background."}
                )
        if self.qr_size < 80:
            raise ValidationError({"qr_size": "Make the QR code at least 80 pixels so phones can scan it."})


class GeneratedPoster(models.Model):
    """A composed poster, cached by the hash of everything that went into it."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="generated_posters",
        verbose_name=_("salesperson"),
    )
    template = models.ForeignKey(
        PosterTemplate, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("template")
    )
    source_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The salesperson's own uploaded image, when no template is used."),
        verbose_name=_("source image"),
    )
    target_kind = models.CharField(max_length=20, verbose_name=_("target kind"))
    target_id = models.PositiveBigIntegerField(verbose_name=_("target id"))
    share_url = models.CharField(max_length=300, verbose_name=_("share url"))
    cache_key = models.CharField(max_length=64, unique=True, verbose_name=_("cache key"))
    image = models.ImageField(upload_to="posters/", verbose_name=_("image"))
    width = models.PositiveIntegerField(default=0, verbose_name=_("width"))
    height = models.PositiveIntegerField(default=0, verbose_name=_("height"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        indexes = [models.Index(fields=["salesperson", "-created_at"])]
        verbose_name = _("generated poster")
        verbose_name_plural = _("generated posters")

    def __str__(self) -> str:
        return f"Poster {self.cache_key[:8]} of {self.salesperson_id}"
