"""Sales files (FILE-1): enterprise and personal libraries of documents, images and video."""

from django.db import models


class SalesFile(models.Model):
    """A file in the enterprise library (owner empty) or a salesperson's personal library."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="sales_files"
    )
    owner = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personal_files",
    )
    title = models.CharField(max_length=160)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
