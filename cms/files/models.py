"""Sales files (FILE-1): enterprise and personal libraries of documents, images and video.

The bytes live in Wagtail documents (documents, video) or images, in the enterprise's
collection; a SalesFile adds the library (enterprise or a salesperson's), a cover and a kind.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def format_file_size(size: int | None) -> str:
    """Bytes for people, in binary units like the upload limits: 1258291 -> "1.2 MB"."""
    size = int(size or 0)
    if size < 1024:
        return f"{size} B"
    if size < 1024**2:
        return f"{size / 1024:.0f} KB"
    if size < 1024**3:
        return f"{size / 1024**2:.1f} MB"
    return f"{size / 1024**3:.1f} GB"


class FileKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class SalesFile(models.Model):
    """A file in the enterprise library (owner empty) or a salesperson's personal library."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="sales_files",
        verbose_name=_("enterprise"),
    )
    owner = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personal_files",
        help_text=_("Empty: the enterprise library."),
        verbose_name=_("owner"),
    )
    title = models.CharField(max_length=160, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    kind = models.CharField(
        max_length=10, choices=FileKind.choices, default=FileKind.DOCUMENT, verbose_name=_("kind")
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The file for documents and video."),
        verbose_name=_("document"),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The file for images."),
        verbose_name=_("image"),
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cover"),
    )
    content_type = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("content type")
    )
    size = models.PositiveBigIntegerField(default=0, editable=False, verbose_name=_("size"))
    shared_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_copies",
        editable=False,
        help_text=_("The personal file this enterprise file was shared from."),
        verbose_name=_("shared from"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["enterprise", "owner", "-created_at"])]
        verbose_name = _("sales file")
        verbose_name_plural = _("sales files")

    def __str__(self) -> str:
        return self.title

    @property
    def size_display(self) -> str:
        """The stored size as people read it: "1.2 MB", "350 KB", "512 B"."""
        return format_file_size(self.size)

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None

    @property
    def file(self):
        """The stored file (document or image file field)."""
        if self.kind == FileKind.IMAGE:
            return self.image.file if self.image_id else None
        return self.document.file if self.document_id else None

    def clean(self) -> None:
        from .services import FileRejected, salesfile_check_stored

        if self.owner_id and self.enterprise_id and self.owner.enterprise_id != self.enterprise_id:
            raise ValidationError({"owner": "Choose a salesperson of your enterprise."})
        if getattr(self, "_pending_upload", None) is not None:
            return  # checked by the form; stored on save
        if self.kind == FileKind.IMAGE and not self.image_id:
            raise ValidationError({"image": "Choose or upload the image."})
        if self.kind != FileKind.IMAGE and not self.document_id:
            raise ValidationError({"document": "Choose or upload the file."})
        try:
            self.content_type, self.size = salesfile_check_stored(self)
        except FileRejected as error:
            raise ValidationError({error.field: error.message}) from error
