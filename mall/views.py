"""The mall's order webhook: verify, record, answer; never a stack trace."""

import json
import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import MallConnection
from .services import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookRejected,
    mall_event_record,
    webhook_verify,
)

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024


@csrf_exempt
@require_POST
def order_webhook(request, enterprise_key: str):
    connection = (
        MallConnection.objects.select_related("enterprise")
        .filter(enterprise__public_key=enterprise_key, enterprise__is_active=True)
        .first()
    )
    if connection is None:
        return JsonResponse({"ok": False, "error": "unknown_mall"}, status=404)
    body = request.body
    try:
        if len(body) > MAX_BODY_BYTES:
            raise WebhookRejected("too_large", status=413)
        webhook_verify(
            connection=connection,
            body=body,
            signature=request.META.get(SIGNATURE_HEADER, ""),
            timestamp=request.META.get(TIMESTAMP_HEADER, ""),
            delivery_id=request.META.get(DELIVERY_HEADER, ""),
        )
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("bad_json")
        if not isinstance(payload, dict):
            raise WebhookRejected("bad_json")
        order = mall_event_record(connection=connection, payload=payload)
    except WebhookRejected as rejected:
        logger.info("mall webhook rejected: %s (enterprise %s)", rejected.reason, connection.enterprise_id)
        return JsonResponse({"ok": False, "error": rejected.reason}, status=rejected.status)
    return JsonResponse({"ok": True, "order": order.external_id, "status": order.status})
