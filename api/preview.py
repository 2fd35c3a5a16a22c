"""Headless preview: an editor's draft, readable by the client with a short-lived signed token.

The token is signed with the project secret (``django.core.signing``, salt below), carries the
page and enterprise ids and expires after ``PREVIEW_MAX_AGE`` seconds (≤ 1 h). A token that is
expired, tampered with or presented to another enterprise is refused with ``FORBIDDEN``.
Editors get one from ``GET /graphql/preview/<page_id>/`` (signed in, allowed to edit the page).
"""

from __future__ import annotations

import graphene
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from wagtail.models import Page

from enterprises.models import Enterprise
from enterprises.selectors import enterprise_for_user

from .core.errors import FORBIDDEN, api_error, not_found

PREVIEW_SALT = "api.preview"
PREVIEW_MAX_AGE = 3600


def preview_token_issue(*, page: Page, enterprise: Enterprise) -> str:
    if not page.path.startswith(enterprise.site.root_page.path):
        raise ValueError("The page is not in the enterprise's site.")
    return signing.dumps({"p": page.pk, "e": enterprise.pk}, salt=PREVIEW_SALT, compress=True)


def preview_page_for_token(*, token: str, enterprise: Enterprise, max_age: int = PREVIEW_MAX_AGE):
    """The latest draft of the token's page, if the token is valid for this enterprise."""
    try:
        payload = signing.loads(token, salt=PREVIEW_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise api_error("The preview link has expired.", FORBIDDEN) from None
    except signing.BadSignature:
        raise api_error("The preview link is not valid.", FORBIDDEN) from None
    if payload.get("e") != enterprise.pk:
        raise api_error("The preview link belongs to another enterprise.", FORBIDDEN)
    page = Page.objects.filter(pk=payload.get("p"), path__startswith=enterprise.site.root_page.path).first()
    if page is None:
        raise not_found("Page not found.")
    draft = page.specific.get_latest_revision_as_object()
    if not hasattr(draft, "body"):  # a form or article page: not a microsite page (was an INTERNAL error)
        raise not_found("This page has no client preview.")
    return draft


@login_required
def preview_token_view(request: HttpRequest, page_id: int) -> JsonResponse:
    """A preview token for a page the signed-in editor may edit."""
    page = get_object_or_404(Page, pk=page_id).specific
    enterprise = enterprise_for_user(request.user)
    if enterprise is None or not page.permissions_for_user(request.user).can_edit():
        raise Http404
    if not page.path.startswith(enterprise.site.root_page.path):
        raise Http404
    token = preview_token_issue(page=page, enterprise=enterprise)
    return JsonResponse(
        {"token": token, "expiresIn": PREVIEW_MAX_AGE, "enterpriseKey": enterprise.public_key}
    )


class PreviewQueries(graphene.ObjectType):
    page_preview = graphene.Field(
        "api.content.MicrositePageType",
        token=graphene.String(required=True),
        description="The latest draft of a microsite page, for editors' preview in the client (≤ 1 h token).",
    )

    def resolve_page_preview(root, info, token):
        from .content import request_enterprise

        return preview_page_for_token(token=token, enterprise=request_enterprise(info))
