"""Headless preview in the API: the draft for a preview token, and a token for other clients.

The rule (who may preview what, for how long) lives in ``sites/preview.py``; this layer only turns
its refusals into GraphQL errors. ``GET /graphql/preview/<page_id>/`` gives a token for the latest
saved revision (other clients, e.g. the mini-program's preview).
"""

from __future__ import annotations

import graphene
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from wagtail.models import Page

from enterprises.selectors import enterprise_for_user
from sites.preview import PREVIEW_MAX_AGE, PreviewRefused, preview_draft_for_token, preview_token_issue

from .core.errors import FORBIDDEN, api_error, not_found


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

        try:
            return preview_draft_for_token(token=token, enterprise=request_enterprise(info))
        except PreviewRefused as refused:
            raise (
                not_found(str(refused)) if refused.not_found else api_error(str(refused), FORBIDDEN)
            ) from None
