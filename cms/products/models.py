"""Products (PROD-1): what salespeople recommend in articles, cards and microsite pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


class Product(ClusterableModel):
    """A product of one enterprise (snippet); shown by product blocks and on cards."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(max_length=120)
    cover = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Main image; more images below.",
    )
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="In yuan; empty means 'price on request'.",
    )
    description = models.TextField(blank=True, help_text="Plain text; shown escaped.")
    mall_url = models.URLField("external mall URL", blank=True, max_length=500)
    miniprogram_path = models.CharField(
        "mini-program path", blank=True, max_length=300,
        help_text="Path inside a WeChat mini-program, e.g. pages/goods/detail?id=42",
    )
    is_active = models.BooleanField("on shelf", default=True)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        indexes = [models.Index(fields=["enterprise", "is_active", "sort_order"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        path = self.miniprogram_path.strip()
        if path and ("://" in path or " " in path):
            raise ValidationError({"miniprogram_path": "Enter a mini-program page path, not a URL."})
        self.miniprogram_path = path.lstrip("/")
        if self.cover_id and self.enterprise_id and not _image_of(self.cover, self.enterprise):
            raise ValidationError({"cover": "Choose an image of your enterprise."})


class ProductImage(Orderable):
    """Additional product images, in order."""

    product = ParentalKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return self.caption or str(self.image)


def _image_of(image, enterprise) -> bool:
    """An image is usable by an enterprise when it sits in the enterprise's collection subtree."""
    collection = getattr(enterprise, "collection", None)
    if collection is None:
        return True
    return image.collection_id == collection.pk or image.collection.is_descendant_of(collection)
