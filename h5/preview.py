"""Editor preview in the H5 client (contract 2): ``/h5/preview/<signed token>/``.

Wagtail's "Preview" of a microsite (or article) page redirects here (sites.preview). The view
only checks that the token is genuine and unexpired and renders the H5 shell in kind "preview";
the draft itself is read by app.js through ``pagePreview(token)`` (PagePreview.graphql), where the
token is checked again against the enterprise of the request. A bad or expired token gets the
plain 404 page.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from enterprises.models import Enterprise
from sites.preview import preview_token_read

from .views import _operation


@xframe_options_sameorigin  # shown inside the Wagtail editor's preview panel
def preview_open(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payload = preview_token_read(token)
    except signing.BadSignature:  # SignatureExpired included
        return render(request, "h5/not_found.html", status=404)
    enterprise = Enterprise.objects.filter(pk=payload["e"], is_active=True).first()
    if enterprise is None:
        return render(request, "h5/not_found.html", status=404)
    config = {
        "kind": "preview",
        "previewToken": token,
        "document": _operation("PagePreview"),
        "enterpriseKey": enterprise.public_key,
        "graphqlUrl": "/graphql/",
        "trackUrl": "",
    }
    response = render(request, "h5/app.html", {"config": config, "enterprise": enterprise})
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
