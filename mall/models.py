"""A connected mall (PROD-1,2 mall part; DATA-6): product feed, orders, attribution."""

from __future__ import annotations

import secrets

from django.db import models


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class MallConnection(models.Model):
    """One mall per enterprise; the H5 mall and the mini-program mall are switched on separately."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="mall"
    )
    name = models.CharField(max_length=80, default="Mall")
    h5_enabled = models.BooleanField("H5 mall on", default=False)
    h5_base_url = models.URLField(
        "H5 mall base URL", blank=True, help_text="Product links are this URL plus the product's path."
    )
    miniprogram_enabled = models.BooleanField("Mini-program mall on", default=False)
    miniprogram_appid = models.CharField(max_length=40, blank=True)
    feed_url = models.URLField(blank=True, help_text="JSON or CSV product feed, fetched safely.")
    webhook_secret = models.CharField(max_length=64, default=_new_secret)

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise})"


class MallProduct(models.Model):
    """The mall's identity of an imported product, so a re-import updates instead of duplicating."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    product = models.OneToOneField(
        "products.Product", on_delete=models.CASCADE, related_name="mall_origin"
    )
    external_id = models.CharField(max_length=80)
    h5_path = models.CharField(max_length=300, blank=True)
    miniprogram_path = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "external_id"], name="uniq_mall_product")
        ]

    def __str__(self) -> str:
        return self.external_id


class MallOrder(models.Model):
    """A paid order reported by the mall's webhook, attributed through the share token."""

    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        REFUNDED = "refunded", "Refunded"
        PARTLY_REFUNDED = "partly_refunded", "Partly refunded"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=80)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PAID)
    amount_cents = models.PositiveBigIntegerField()
    refunded_cents = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="CNY")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    forwarder = models.ForeignKey(
        "trackers.Visitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.ForeignKey(
        "trackers.Visitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="mall_orders"
    )
    share_token = models.CharField(max_length=40, blank=True)
    lines = models.JSONField(default=list, help_text="[{external_id, name, quantity, amount_cents}]")
    paid_at = models.DateTimeField()

    class Meta:
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "external_id"], name="uniq_mall_order")
        ]

    def __str__(self) -> str:
        return self.external_id


class MallWebhookReceipt(models.Model):
    """Every accepted webhook delivery id: a replayed delivery is refused."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    delivery_id = models.CharField(max_length=80)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "delivery_id"], name="uniq_mall_delivery")
        ]

    def __str__(self) -> str:
        return self.delivery_id
