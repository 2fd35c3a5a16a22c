"""Reads for the mall: product links that respect the switches, and mall statistics (DATA-6)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum

from enterprises.models import Salesperson
from enterprises.selectors import Scope

from .models import MallConnection, MallOrder, MallProduct

SHARE_PARAM = "sce_share"


def _with_share(url: str, share_token: str) -> str:
    if not share_token:
        return url
    return url + ("&" if "?" in url else "?") + urlencode({SHARE_PARAM: share_token})


@dataclass(frozen=True)
class ProductMallLinks:
    h5_url: str | None
    miniprogram_appid: str | None
    miniprogram_path: str | None


def product_mall_links(*, product, share_token: str = "") -> ProductMallLinks:
    """Where "buy" goes for a product; a switched-off mall yields no link at once.

    The share token rides along so the order webhook can attribute the sale.
    """
    origin = MallProduct.objects.filter(product=product).first()
    connection = MallConnection.objects.filter(enterprise_id=product.enterprise_id).first()
    if origin is None or connection is None:
        return ProductMallLinks(None, None, None)
    h5_url = None
    if connection.h5_enabled and connection.h5_base_url and origin.h5_path:
        base = connection.h5_base_url.rstrip("/") + "/" + origin.h5_path.lstrip("/")
        h5_url = _with_share(base, share_token)
    mp_path = None
    if connection.miniprogram_enabled and origin.miniprogram_path:
        mp_path = _with_share(origin.miniprogram_path, share_token)
    return ProductMallLinks(h5_url, connection.miniprogram_appid if mp_path else None, mp_path)


@dataclass(frozen=True)
class SalespersonMallStats:
    salesperson_id: int | None
    salesperson_name: str
    orders: int
    paying_customers: int
    amount_cents: int
    refunded_cents: int
    products_bought: int


def mall_stats(*, scope: Scope) -> list[SalespersonMallStats]:
    """Per salesperson: orders, paying customers, amount, refunds, items bought (one query + names)."""
    orders = scope.filter_salespeople(MallOrder.objects.all())
    rows = (
        orders.values("salesperson_id")
        .annotate(
            order_count=Count("pk"),
            customers=Count("visitor", distinct=True),
            amount=Sum("amount_cents"),
            refunded=Sum("refunded_cents"),
        )
        .order_by("salesperson_id")
    )
    items: dict[int | None, int] = {}
    for salesperson_id, lines in orders.values_list("salesperson_id", "lines"):
        items[salesperson_id] = items.get(salesperson_id, 0) + sum(
            int(line.get("quantity") or 0) for line in lines or []
        )
    names = dict(
        Salesperson.objects.filter(
            pk__in=[r["salesperson_id"] for r in rows if r["salesperson_id"]]
        ).values_list("pk", "display_name")
    )
    return [
        SalespersonMallStats(
            salesperson_id=row["salesperson_id"],
            salesperson_name=names.get(row["salesperson_id"], "(unattributed)"),
            orders=row["order_count"],
            paying_customers=row["customers"],
            amount_cents=row["amount"] or 0,
            refunded_cents=row["refunded"] or 0,
            products_bought=items.get(row["salesperson_id"], 0),
        )
        for row in rows
    ]


def mall_totals(*, scope: Scope) -> dict[str, int]:
    orders = scope.filter_salespeople(MallOrder.objects.all())
    totals = orders.aggregate(
        orders=Count("pk"),
        paying_customers=Count("visitor", distinct=True),
        amount_cents=Sum("amount_cents"),
        refunded_cents=Sum("refunded_cents"),
        refunds=Count("pk", filter=~Q(status=MallOrder.Status.PAID)),
    )
    return {key: value or 0 for key, value in totals.items()}
