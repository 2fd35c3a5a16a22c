"""The thin tracking endpoint (TRK-2) and share QR codes (TRK-1)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from enterprises.client_address import client_address
from enterprises.selectors import ENTERPRISE_KEY_HEADER

from .intake import BatchRejected
from .queue import json_loads
from .services import events_ingest
from .share import ShareTokenInvalid, share_qr, share_token_verify

MAX_BODY_BYTES = 64 * 1024


@csrf_exempt
@require_POST
def track(request: HttpRequest) -> JsonResponse:
    """Validate, count rejects, enqueue, answer 202: nothing here waits for the database."""
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "body_too_large"}, status=413)
    try:
        payload = json_loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "bad_json"}, status=400)
    try:
        result = events_ingest(
            payload=payload,
            client_ip=client_address(request),
            enterprise_key=request.META.get(ENTERPRISE_KEY_HEADER),
        )
    except BatchRejected as rejected:
        response = JsonResponse({"error": rejected.reason}, status=rejected.status)
        if rejected.retry_after:
            response["Retry-After"] = str(rejected.retry_after)
        return response
    return JsonResponse({"accepted": result.accepted, "rejected": result.rejected}, status=202)


@require_GET
def share_qr_code(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The QR code of a share link, as SVG or PNG (only for valid tokens)."""
    try:
        share_token_verify(token)
    except ShareTokenInvalid:
        return HttpResponse("invalid share token", status=404, content_type="text/plain")
    content_type = "image/svg+xml" if fmt == "svg" else "image/png"
    response = HttpResponse(share_qr(token, kind=fmt), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
