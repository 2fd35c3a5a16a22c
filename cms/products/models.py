"""Products (PROD-1): what salespeople recommend in articles, cards and microsite pages."""

from django.db import models


class Product(models.Model):
    """A product of one enterprise (snippet)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
