"""Posters (POST-1, POST-2): templates in three libraries and the images composed from them.

Library of a template: platform (no enterprise), enterprise (enterprise, no owner) or
"mine" (a salesperson's). Positions are in pixels of the background image.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1a2b3c.")


class Theme(models.TextChoices):
    FESTIVAL = "festival", "Festival"
    GREETING = "greeting", "Greeting"
    PRODUCT = "product", "Product"
    EVENT = "event", "Event"
    RECRUITING = "recruiting", "Recruiting"
    OTHER = "other", "Other"


class PosterTemplate(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE,
        related_name="poster_templates", help_text="Empty: the platform library.",
    )
    owner = models.ForeignKey(
        "enterprises.Salesperson", null=True, blank=True, on_delete=models.CASCADE,
        related_name="poster_templates", help_text="Set: this salesperson's own library.",
    )
    name = models.CharField(max_length=80)
    theme = models.CharField(max_length=20, choices=Theme.choices, default=Theme.OTHER)
    background = models.ForeignKey("wagtailimages.Image", on_delete=models.PROTECT, related_name="+")
    qr_x = models.PositiveIntegerField(default=40)
    qr_y = models.PositiveIntegerField(default=40)
    qr_size = models.PositiveIntegerField(default=200)
    show_avatar = models.BooleanField(default=True)
    avatar_x = models.PositiveIntegerField(default=40)
    avatar_y = models.PositiveIntegerField(default=40)
    avatar_size = models.PositiveIntegerField(default=96)
    show_name = models.BooleanField(default=True)
    name_x = models.PositiveIntegerField(default=150)
    name_y = models.PositiveIntegerField(default=60)
    name_size = models.PositiveIntegerField(default=36)
    name_colour = models.CharField(max_length=7, default="#222222", validators=[colour])
    caption = models.CharField(max_length=80, blank=True)
    caption_x = models.PositiveIntegerField(default=40)
    caption_y = models.PositiveIntegerField(default=160)
    caption_size = models.PositiveIntegerField(default=28)
    caption_colour = models.CharField(max_length=7, default="#444444", validators=[colour])
    is_active = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]

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

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="generated_posters"
    )
    template = models.ForeignKey(PosterTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    source_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The salesperson's own uploaded image (POST-2), when no template is used.",
    )
    target_kind = models.CharField(max_length=20)
    target_id = models.PositiveBigIntegerField()
    share_url = models.CharField(max_length=300)
    cache_key = models.CharField(max_length=64, unique=True)
    image = models.ImageField(upload_to="posters/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["salesperson", "-created_at"])]

    def __str__(self) -> str:
        return f"Poster {self.cache_key[:8]} of {self.salesperson_id}"
