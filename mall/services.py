"""Writes for the mall connection: signed order webhooks, product feed import."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from enterprises.models import Enterprise, Salesperson
from trackers.models import Visitor
from trackers.share import ShareTokenInvalid, share_token_verify

from .models import MallConnection, MallFeedImport, MallOrder, MallProduct, MallWebhookReceipt

#: A delivery older or newer than this is refused (replay protection with the delivery id).
WEBHOOK_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "HTTP_X_MALL_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_MALL_TIMESTAMP"
DELIVERY_HEADER = "HTTP_X_MALL_DELIVERY"


class WebhookRejected(Exception):
    """The delivery is not accepted; ``reason`` is a stable code for the caller and the logs."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """hex(HMAC-SHA256(secret, "<timestamp>." + body)): what the mall sends and we recompute."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_verify(
    *,
    connection: MallConnection,
    body: bytes,
    signature: str,
    timestamp: str,
    delivery_id: str,
    now: float | None = None,
) -> None:
    """Signature, freshness and first delivery; records the delivery id when all hold."""
    if not signature or not timestamp or not delivery_id or len(delivery_id) > 80:
        raise WebhookRejected("missing_headers")
    expected = webhook_signature(connection.webhook_secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookRejected("bad_signature", status=401)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected("bad_timestamp")
    if abs((now or time.time()) - sent_at) > WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRejected("stale_timestamp", status=401)
    try:
        with transaction.atomic():
            MallWebhookReceipt.objects.create(enterprise_id=connection.enterprise_id, delivery_id=delivery_id)
    except IntegrityError:
        raise WebhookRejected("replayed_delivery", status=409)


def _cents(value) -> int:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise WebhookRejected("bad_amount")
    if amount < 0 or amount > Decimal("100000000"):
        raise WebhookRejected("bad_amount")
    return int((amount * 100).to_integral_value())


def _attribution(enterprise: Enterprise, token: str) -> tuple[int | None, int | None]:
    """(salesperson id, forwarder visitor id) from a share token of this enterprise, else (None, None)."""
    if not token:
        return None, None
    try:
        context = share_token_verify(token)
    except ShareTokenInvalid:
        return None, None
    if context.enterprise_id != enterprise.pk:
        return None, None
    salesperson_id = context.salesperson_id
    if (
        salesperson_id
        and not Salesperson.objects.filter(pk=salesperson_id, enterprise_id=enterprise.pk).exists()
    ):
        salesperson_id = None
    forwarder_id = context.forwarder_id
    if forwarder_id and not Visitor.objects.filter(pk=forwarder_id, enterprise_id=enterprise.pk).exists():
        forwarder_id = None
    return salesperson_id, forwarder_id


def _visitor(enterprise: Enterprise, buyer: dict) -> Visitor | None:
    unionid, openid = str(buyer.get("unionid") or ""), str(buyer.get("openid") or "")
    if not unionid and not openid:
        return None
    match = Q()
    if unionid:
        match |= Q(unionid=unionid)
    if openid:
        match |= Q(openid=openid)
    return Visitor.objects.filter(match, enterprise=enterprise, merged_into__isnull=True).first()


@transaction.atomic
def mall_event_record(*, connection: MallConnection, payload: dict) -> MallOrder:
    """Apply one verified webhook event: ``order.paid`` creates, ``order.refunded`` updates."""
    enterprise = connection.enterprise
    event = payload.get("event")
    order_data = payload.get("order")
    if event not in {"order.paid", "order.refunded"} or not isinstance(order_data, dict):
        raise WebhookRejected("unknown_event")
    external_id = str(order_data.get("id") or "")[:80]
    if not external_id:
        raise WebhookRejected("missing_order_id")
    if event == "order.refunded":
        order = (
            MallOrder.objects.select_for_update()
            .filter(enterprise=enterprise, external_id=external_id)
            .first()
        )
        if order is None:
            raise WebhookRejected("unknown_order", status=404)
        refunded = min(order.amount_cents, order.refunded_cents + _cents(order_data.get("refund_amount")))
        order.refunded_cents = refunded
        order.status = (
            MallOrder.Status.REFUNDED if refunded >= order.amount_cents else MallOrder.Status.PARTLY_REFUNDED
        )
        order.save(update_fields=["refunded_cents", "status"])
        return order

    token = str(order_data.get("share_token") or "")[:40]
    salesperson_id, forwarder_id = _attribution(enterprise, token)
    lines = [
        {
            "external_id": str(line.get("product_id") or "")[:80],
            "name": str(line.get("name") or "")[:120],
            "quantity": int(line.get("quantity") or 1),
            "amount_cents": _cents(line.get("amount") or 0),
        }
        for line in order_data.get("lines") or []
        if isinstance(line, dict)
    ]
    try:
        paid_at = datetime.fromtimestamp(int(order_data.get("paid_at") or time.time()), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        raise WebhookRejected("bad_paid_at")
    order, _ = MallOrder.objects.get_or_create(
        enterprise=enterprise,
        external_id=external_id,
        defaults={
            "amount_cents": _cents(order_data.get("amount")),
            "salesperson_id": salesperson_id,
            "forwarder_id": forwarder_id,
            "visitor": _visitor(enterprise, order_data.get("buyer") or {}),
            "share_token": token,
            "lines": lines,
            "paid_at": paid_at,
        },
    )
    return order


# --- product feed ---------------------------------------------------------------------------


@dataclass
class FeedResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


FEED_COLUMNS = ("id", "name", "price", "description", "h5_path", "miniprogram_path")


def feed_parse(content: bytes, *, content_type: str = "") -> list[dict]:
    """JSON (a list, or {"products": [...]}) or CSV with a header row of FEED_COLUMNS."""
    text = content.decode("utf-8-sig", errors="strict")
    stripped = text.lstrip()
    if "json" in content_type or stripped.startswith(("[", "{")):
        data = json.loads(text)
        rows = data.get("products") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ValueError('The JSON feed must be a list of products or {"products": [...]}.')
        return rows
    return list(csv.DictReader(io.StringIO(text)))


def _clean_feed_row(number: int, row) -> tuple[dict | None, list[str]]:
    if not isinstance(row, dict):
        return None, [f"row {number}: not an object"]
    errors = []
    external_id = str(row.get("id") or "").strip()
    name = str(row.get("name") or "").strip()
    if not external_id:
        errors.append(f"row {number}: id is required")
    if not name:
        errors.append(f"row {number}: name is required")
    elif len(name) > 120:
        errors.append(f"row {number}: name is longer than 120 characters")
    price = row.get("price")
    if price not in (None, ""):
        try:
            price = Decimal(str(price))
            if price < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"row {number}: price “{row.get('price')}” is not a positive number")
    else:
        price = None
    cleaned = {
        "external_id": external_id[:80],
        "name": name,
        "price": price,
        "description": str(row.get("description") or "")[:2000],
        "h5_path": str(row.get("h5_path") or "")[:300],
        "miniprogram_path": str(row.get("miniprogram_path") or "")[:300],
    }
    return (None if errors else cleaned), errors


def feed_import(*, connection: MallConnection, rows: list) -> FeedResult:
    """All-or-nothing: any bad row reports every error and imports nothing; re-import updates."""
    from cms.products.models import Product

    result = FeedResult()
    cleaned_rows, seen = [], set()
    for number, row in enumerate(rows, start=1):
        cleaned, errors = _clean_feed_row(number, row)
        if cleaned and cleaned["external_id"] in seen:
            errors = [f"row {number}: id “{cleaned['external_id']}” appears twice"]
        result.errors.extend(errors)
        if cleaned and not errors:
            seen.add(cleaned["external_id"])
            cleaned_rows.append(cleaned)
    if result.errors:
        return result
    product_fields = {f.name for f in Product._meta.get_fields()}
    with transaction.atomic():
        origins = {
            origin.external_id: origin
            for origin in MallProduct.objects.select_related("product").filter(
                enterprise_id=connection.enterprise_id, external_id__in=seen
            )
        }
        for row in cleaned_rows:
            values = {"name": row["name"]}
            for optional in ("price", "description"):
                if optional in product_fields and row[optional] is not None:
                    values[optional] = row[optional]
            origin = origins.get(row["external_id"])
            if origin is None:
                product = Product.objects.create(enterprise_id=connection.enterprise_id, **values)
                MallProduct.objects.create(
                    enterprise_id=connection.enterprise_id,
                    product=product,
                    external_id=row["external_id"],
                    h5_path=row["h5_path"],
                    miniprogram_path=row["miniprogram_path"],
                )
                result.created += 1
            else:
                for name, value in values.items():
                    setattr(origin.product, name, value)
                origin.product.save()
                origin.h5_path, origin.miniprogram_path = row["h5_path"], row["miniprogram_path"]
                origin.save(update_fields=["h5_path", "miniprogram_path", "imported_at"])
                result.updated += 1
    return result


def feed_import_request(*, connection: MallConnection, user=None) -> MallFeedImport:
    """Record a fetch of the feed URL and run it on the worker once committed (never in the request)."""
    from .tasks import feed_import_run as task

    job = MallFeedImport.objects.create(
        enterprise_id=connection.enterprise_id, requested_by=user, url=connection.feed_url[:1000]
    )
    transaction.on_commit(lambda: task.delay(job.pk))
    return job


def feed_import_run(*, import_id: int) -> MallFeedImport:
    """Fetch the feed with the SSRF-safe client (one deadline), import it, record the outcome.

    A finished import is not repeated (a redelivered task). Errors are the fetcher's and the
    rows' messages: they name the host, never the address it resolved to.
    """
    from cms import safe_fetch

    job = MallFeedImport.objects.get(pk=import_id)
    if job.status in (MallFeedImport.Status.DONE, MallFeedImport.Status.FAILED):
        return job
    MallFeedImport.objects.filter(pk=job.pk).update(status=MallFeedImport.Status.RUNNING)
    connection = MallConnection.objects.get(enterprise_id=job.enterprise_id)
    try:
        response = safe_fetch.fetch(job.url)
        result = feed_import(
            connection=connection, rows=feed_parse(response.content, content_type=response.content_type)
        )
    except safe_fetch.FetchError as error:
        result = FeedResult(errors=[gettext("feed: %(error)s") % {"error": error}])
    except (ValueError, UnicodeDecodeError):
        result = FeedResult(errors=[gettext("feed: not a readable JSON or CSV feed.")])
    job.status = MallFeedImport.Status.DONE if result.ok else MallFeedImport.Status.FAILED
    job.created, job.updated, job.errors = result.created, result.updated, result.errors[:200]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "created", "updated", "errors", "finished_at"])
    return job
