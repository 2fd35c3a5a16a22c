"""Products (PROD-1): what salespeople recommend in articles, cards and microsite pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


def format_price(price) -> str | None:
    """Yuan for people (LANG-1: amounts in ¥, CNY): 1280 -> "¥1,280.00"; None stays None."""
    return None if price is None else f"¥{price:,.2f}"


class Product(ClusterableModel):
    """A product of one enterprise (snippet); shown by product blocks and on cards."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="products",
        verbose_name=_("enterprise"),
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Main image; more images below."),
        verbose_name=_("cover"),
    )
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In yuan; empty means 'price on request'."),
        verbose_name=_("price"),
    )
    description = models.TextField(
        blank=True, help_text=_("Plain text; shown escaped."), verbose_name=_("description")
    )
    mall_url = models.URLField(_("external mall URL"), blank=True, max_length=500)
    miniprogram_path = models.CharField(
        _("mini-program path"),
        blank=True,
        max_length=300,
        help_text=_("Path inside a WeChat mini-program, e.g. pages/goods/detail?id=42"),
    )
    is_active = models.BooleanField(_("on shelf"), default=True)
    sort_order = models.IntegerField(default=0, verbose_name=_("sort order"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["sort_order", "name"]
        indexes = [models.Index(fields=["enterprise", "is_active", "sort_order"])]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    @property
    def price_display(self) -> str | None:
        """The price as people read it, in yuan: "¥1,280.00"; None means price on request."""
        return format_price(self.price)

    def clean(self) -> None:
        path = self.miniprogram_path.strip()
        if path and ("://" in path or " " in path):
            raise ValidationError({"miniprogram_path": "Enter a mini-program page path, not a URL."})
        self.miniprogram_path = path.lstrip("/")
        if self.cover_id and self.enterprise_id and not _image_of(self.cover, self.enterprise):
            raise ValidationError({"cover": "Choose an image of your enterprise."})


class ProductImage(Orderable):
    """Additional product images, in order."""

    product = ParentalKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))
    image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("image")
    )
    caption = models.CharField(max_length=120, blank=True, verbose_name=_("caption"))

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self) -> str:
        return self.caption or str(self.image)


def _image_of(image, enterprise) -> bool:
    """An image is usable by an enterprise when it sits in the enterprise's collection subtree."""
    collection = getattr(enterprise, "collection", None)
    if collection is None:
        return True
    return image.collection_id == collection.pk or image.collection.is_descendant_of(collection)
