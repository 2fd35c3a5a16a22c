"""Login lockout (issue 18, hole 5): django-axes counts failures; this module says what we decided.

Axes refuses a login once one username, or one client address (``client_address``, through
trusted proxies only), has ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME``; the
right password is refused too until the wait is over. Settings live in cms/settings/base.py.
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' check for every login made from a web request.

    ``authenticate()`` without a request is no web login (management commands, the test
    client's ``login``); axes would raise there, we leave it to the next backend. Every web
    login path (Wagtail's login form, Django's ``LoginView``) passes the request.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_message(request: HttpRequest | None = None) -> str:
    """The user-facing lockout text, in the request's language, with the wait in minutes."""
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    return ngettext(
        "Too many failed sign-in attempts. Please try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """HTTP 429 with the message: the admin's sign-in page, or JSON for script callers."""
    message = lockout_message(request)
    if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest" or "json" in request.META.get(
        "HTTP_ACCEPT", ""
    ):
        return JsonResponse({"error": "LIMIT", "message": message}, status=429)
    response = TemplateResponse(request, "enterprises/login_locked.html", {"message": message}, status=429)
    return response.render()
