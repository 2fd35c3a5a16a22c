"""Headless preview: an editor's draft, readable by the client with a short-lived signed token.

The token is signed with the project secret (``django.core.signing``, salt below), carries the
page and enterprise ids and expires after ``PREVIEW_MAX_AGE`` seconds (≤ 1 h). A token that is
expired, tampered with or presented to another enterprise is refused with ``FORBIDDEN``.

Two ways in: Wagtail's "Preview" in the page editor (``ClientPreviewMixin.serve_preview``) stores
the editor's *unsaved* form state as a snapshot (wagtail-headless-preview's PagePreview table) and
redirects to ``/h5/preview/<token>/``, the H5 client; ``GET /graphql/preview/<page_id>/`` gives a
token for the latest saved revision (other clients, e.g. the mini-program's preview).
"""

from __future__ import annotations

import secrets

import graphene
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from wagtail.models import Page
from wagtail_headless_preview.models import PagePreview

from enterprises.models import Enterprise
from enterprises.selectors import enterprise_for_user

from .core.errors import FORBIDDEN, api_error, not_found

PREVIEW_SALT = "api.preview"
PREVIEW_MAX_AGE = 3600


def preview_token_issue(*, page: Page, enterprise: Enterprise, snapshot: str | None = None) -> str:
    """A token for ``page`` (its latest revision, or the stored ``snapshot`` of unsaved edits)."""
    if not page.path.startswith(enterprise.site.root_page.path):
        raise ValueError("The page is not in the enterprise's site.")
    payload = {"p": page.pk, "e": enterprise.pk}
    if snapshot:
        payload["s"] = snapshot
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


def preview_token_read(token: str, *, max_age: int = PREVIEW_MAX_AGE) -> dict:
    """The payload of a genuine, unexpired token; raises signing.BadSignature (or its Expired)."""
    payload = signing.loads(token, salt=PREVIEW_SALT, max_age=max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), int):
        raise signing.BadSignature("Not a preview token.")
    return payload


def preview_snapshot_store(*, page: Page) -> str:
    """Keep the editor's unsaved page state for the client to read; returns the snapshot key."""
    PagePreview.garbage_collect()
    key = secrets.token_urlsafe(24)
    PagePreview.objects.create(
        token=key, content_type=ContentType.objects.get_for_model(page), content_json=page.to_json()
    )
    return key


def preview_page_for_token(*, token: str, enterprise: Enterprise, max_age: int = PREVIEW_MAX_AGE):
    """The draft behind a token (snapshot or latest revision), if the token is valid for this enterprise."""
    try:
        payload = preview_token_read(token, max_age=max_age)
    except signing.SignatureExpired:
        raise api_error("The preview link has expired.", FORBIDDEN) from None
    except signing.BadSignature:
        raise api_error("The preview link is not valid.", FORBIDDEN) from None
    if payload.get("e") != enterprise.pk:
        raise api_error("The preview link belongs to another enterprise.", FORBIDDEN)
    page = Page.objects.filter(pk=payload.get("p"), path__startswith=enterprise.site.root_page.path).first()
    if page is None:
        raise not_found("Page not found.")
    if payload.get("s"):
        snapshot = PagePreview.objects.filter(token=payload["s"]).first()
        if snapshot is None:
            raise api_error("The preview link has expired.", FORBIDDEN)
        draft = snapshot.as_page()
        if draft.pk != page.pk:
            raise not_found("Page not found.")
    else:
        draft = page.specific.get_latest_revision_as_object()
    if not hasattr(draft, "body"):  # a form or article page: not a microsite page (was an INTERNAL error)
        raise not_found("This page has no client preview.")
    return draft


def _page_enterprise(page: Page) -> Enterprise | None:
    """The enterprise whose site root is the page or one of its ancestors."""
    steps = range(Page.steplen, len(page.path) + 1, Page.steplen)
    roots = Page.objects.filter(path__in=[page.path[:i] for i in steps])
    return Enterprise.objects.filter(site__root_page__in=roots, is_active=True).select_related("site").first()


def preview_client_redirect(*, request: HttpRequest, page: Page) -> HttpResponse:
    """Wagtail's editor preview: store the unsaved draft, answer with the H5 client's preview URL.

    Wagtail has already checked that the user may edit the page; the page must also be in the
    editor's own enterprise (platform staff may preview any enterprise's page).
    """
    saved = Page.objects.filter(pk=page.pk).only("path").first() if page.pk else None
    enterprise = _page_enterprise(saved) if saved is not None else None
    user = getattr(request, "user", None)
    own = getattr(enterprise_for_user(user), "pk", None)
    if enterprise is None or not (getattr(user, "is_superuser", False) or own == enterprise.pk):
        raise Http404("Preview is not available for this page.")
    token = preview_token_issue(page=saved, enterprise=enterprise, snapshot=preview_snapshot_store(page=page))
    response = HttpResponseRedirect(reverse("h5:preview", args=[token]))
    response["Cache-Control"] = "private, no-store"
    return response


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
