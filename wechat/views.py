"""HTTP endpoints: WeCom's callback URL and the mini-program code of a share token."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from enterprises.selectors import enterprise_get_by_key

from . import adapter, services
from .models import WeChatAccount

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wecom_callback(request: HttpRequest, key: str) -> HttpResponse:
    """WeCom's callback URL of one enterprise: GET is the URL check, POST an encrypted event.

    A bad signature or undecryptable body is refused with 403 and changes nothing.
    """
    enterprise = enterprise_get_by_key(key)
    account = WeChatAccount.objects.filter(enterprise=enterprise).first() if enterprise else None
    if account is None:
        raise Http404
    params = {name: request.GET.get(name, "") for name in ("msg_signature", "timestamp", "nonce")}
    if not all(params.values()):
        return HttpResponseBadRequest("msg_signature, timestamp and nonce are required")
    try:
        crypto = adapter.callback_crypto(account)
    except adapter.NotConfigured:
        raise Http404
    try:
        if request.method == "GET":
            echo = crypto.verify_url(echostr=request.GET.get("echostr", ""), **params)
            return HttpResponse(echo, content_type="text/plain")
        message = crypto.decrypt(body=request.body, **params)
    except adapter.CallbackError as error:
        logger.warning("WeCom callback refused for enterprise %s: %s", enterprise.pk, error)
        return HttpResponseForbidden("invalid signature or body")
    services.wecom_callback_handle(account=account, message=message)
    return HttpResponse("success", content_type="text/plain")


@require_GET
@cache_control(max_age=3600)
def share_code(request: HttpRequest, token: str) -> HttpResponse:
    """The mini-program code of a share token (a plain QR code of the H5 link as fallback)."""
    from trackers.share import ShareTokenInvalid, share_token_verify, share_url_for_token

    try:
        context = share_token_verify(token)
    except ShareTokenInvalid:
        raise Http404
    from enterprises.models import Enterprise

    enterprise = Enterprise.objects.filter(pk=context.enterprise_id, is_active=True).first()
    if enterprise is None:
        raise Http404
    code = services.share_code_png(
        enterprise=enterprise, share_token=token, h5_url=share_url_for_token(token)
    )
    response = HttpResponse(code.png, content_type="image/png")
    response["X-Code-Kind"] = code.kind
    return response
