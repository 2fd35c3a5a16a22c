"""A connected mall (PROD-1,2 mall part; DATA-6): product feed, orders, attribution."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class MallConnection(models.Model):
    """One mall per enterprise; the H5 mall and the mini-program mall are switched on separately."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="mall", verbose_name=_("enterprise")
    )
    name = models.CharField(max_length=80, default="Mall", verbose_name=_("name"))
    h5_enabled = models.BooleanField(_("H5 mall on"), default=False)
    h5_base_url = models.URLField(
        _("H5 mall base URL"), blank=True, help_text=_("Product links are this URL plus the product's path.")
    )
    miniprogram_enabled = models.BooleanField(_("Mini-program mall on"), default=False)
    miniprogram_appid = models.CharField(max_length=40, blank=True, verbose_name=_("miniprogram appid"))
    feed_url = models.URLField(
        blank=True, help_text=_("JSON or CSV product feed, fetched safely."), verbose_name=_("feed url")
    )
    webhook_secret = models.CharField(max_length=64, default=_new_secret, verbose_name=_("webhook secret"))

    class Meta:
        verbose_name = _("mall connection")
        verbose_name_plural = _("mall connections")

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise})"


class MallProduct(models.Model):
    """The mall's identity of an imported product, so a re-import updates instead of duplicating."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    product = models.OneToOneField(
        "products.Product", on_delete=models.CASCADE, related_name="mall_origin", verbose_name=_("product")
    )
    external_id = models.CharField(max_length=80, verbose_name=_("external id"))
    h5_path = models.CharField(max_length=300, blank=True, verbose_name=_("h5 path"))
    miniprogram_path = models.CharField(max_length=300, blank=True, verbose_name=_("miniprogram path"))
    imported_at = models.DateTimeField(auto_now=True, verbose_name=_("imported at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "external_id"], name="uniq_mall_product")
        ]
        verbose_name = _("mall product")
        verbose_name_plural = _("mall products")

    def __str__(self) -> str:
        return self.external_id


class MallOrder(models.Model):
    """A paid order reported by the mall's webhook, attributed through the share token."""

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")
        PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    external_id = models.CharField(max_length=80, verbose_name=_("external id"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PAID, verbose_name=_("status")
    )
    amount_cents = models.PositiveBigIntegerField(verbose_name=_("amount cents"))
    refunded_cents = models.PositiveBigIntegerField(default=0, verbose_name=_("refunded cents"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    forwarder = models.ForeignKey(
        "trackers.Visitor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("forwarder"),
    )
    visitor = models.ForeignKey(
        "trackers.Visitor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mall_orders",
        verbose_name=_("visitor"),
    )
    share_token = models.CharField(max_length=40, blank=True, verbose_name=_("share token"))
    lines = models.JSONField(
        default=list, help_text=_("[{external_id, name, quantity, amount_cents}]"), verbose_name=_("lines")
    )
    paid_at = models.DateTimeField(verbose_name=_("paid at"))

    class Meta:
        ordering = ["-paid_at"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "external_id"], name="uniq_mall_order")]
        verbose_name = _("mall order")
        verbose_name_plural = _("mall orders")

    def __str__(self) -> str:
        return self.external_id


class MallWebhookReceipt(models.Model):
    """Every accepted webhook delivery id: a replayed delivery is refused."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    delivery_id = models.CharField(max_length=80, verbose_name=_("delivery id"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "delivery_id"], name="uniq_mall_delivery")
        ]
        verbose_name = _("mall webhook receipt")
        verbose_name_plural = _("mall webhook receipts")

    def __str__(self) -> str:
        return self.delivery_id


class MallFeedImport(models.Model):
    """One fetch of the feed URL: run by a Celery task (never inside a web request), status shown in
    the admin's feed page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    url = models.CharField(max_length=1000, verbose_name=_("feed url"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    created = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    updated = models.PositiveIntegerField(default=0, verbose_name=_("updated"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("mall feed import")
        verbose_name_plural = _("mall feed imports")

    def __str__(self) -> str:
        return f"{self.url} ({self.status})"
