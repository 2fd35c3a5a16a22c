"""Reads for products (PROD-1, PROD-2)."""

from __future__ import annotations

from django.db.models import QuerySet

from enterprises.models import Enterprise

from .models import Product


def products_on_shelf(*, enterprise: Enterprise) -> QuerySet[Product]:
    """Products a visitor may see, with their images in one extra query."""
    return (
        Product.objects.filter(enterprise=enterprise, is_active=True)
        .select_related("cover")
        .prefetch_related("images__image")
    )


def product_buy_link(product: Product) -> dict[str, str]:
    """Where the buy button goes: the mini-program path when inside WeChat, else the mall URL."""
    return {"mall_url": product.mall_url, "miniprogram_path": product.miniprogram_path}
