"""Editor preview of microsite and article pages: the draft, shown in the H5 client.

Wagtail's "Preview" in the page editor (:class:`ClientPreviewMixin`) stores the editor's *unsaved*
form state as a snapshot (wagtail-headless-preview's PagePreview table) and redirects to
``/h5/preview/<token>/``. The token is signed with the project secret (``django.core.signing``),
carries the page and enterprise ids and expires after ``PREVIEW_MAX_AGE`` seconds (≤ 1 h); the
client reads the draft through the API, which asks :func:`preview_draft_for_token` here. A token
that is expired, tampered with or presented to another enterprise is refused.
"""

from __future__ import annotations

import secrets

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from wagtail.models import Page
from wagtail_headless_preview.models import PagePreview

from enterprises.models import Enterprise
from enterprises.selectors import enterprise_for_user

PREVIEW_SALT = "api.preview"  # kept from when this lived in api/: tokens already issued stay valid
PREVIEW_MAX_AGE = 3600


class PreviewRefused(Exception):
    """A preview token the client may not use; ``not_found`` tells a missing page from a refusal."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


class ClientPreviewMixin:
    """Wagtail's editor preview opens the H5 client on the draft being edited."""

    def serve_preview(self, request, mode_name):
        return preview_client_redirect(request=request, page=self)


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


def preview_draft_for_token(*, token: str, enterprise: Enterprise, max_age: int = PREVIEW_MAX_AGE):
    """The draft behind a token (snapshot or latest revision), if the token is valid for this enterprise."""
    try:
        payload = preview_token_read(token, max_age=max_age)
    except signing.SignatureExpired:
        raise PreviewRefused(gettext("The preview link has expired.")) from None
    except signing.BadSignature:
        raise PreviewRefused(gettext("The preview link is not valid.")) from None
    if payload.get("e") != enterprise.pk:
        raise PreviewRefused(gettext("The preview link belongs to another enterprise."))
    page = Page.objects.filter(pk=payload.get("p"), path__startswith=enterprise.site.root_page.path).first()
    if page is None:
        raise PreviewRefused(gettext("Page not found."), not_found=True)
    if payload.get("s"):
        snapshot = PagePreview.objects.filter(token=payload["s"]).first()
        if snapshot is None:
            raise PreviewRefused(gettext("The preview link has expired."))
        draft = snapshot.as_page()
        if draft.pk != page.pk:
            raise PreviewRefused(gettext("Page not found."), not_found=True)
    else:
        draft = page.specific.get_latest_revision_as_object()
    if not hasattr(draft, "body"):  # a form or article page: not a microsite page
        raise PreviewRefused(gettext("This page has no client preview."), not_found=True)
    return draft


def page_enterprise(page: Page) -> Enterprise | None:
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
    enterprise = page_enterprise(saved) if saved is not None else None
    user = getattr(request, "user", None)
    own = getattr(enterprise_for_user(user), "pk", None)
    if enterprise is None or not (getattr(user, "is_superuser", False) or own == enterprise.pk):
        raise Http404("Preview is not available for this page.")
    token = preview_token_issue(page=saved, enterprise=enterprise, snapshot=preview_snapshot_store(page=page))
    response = HttpResponseRedirect(reverse("h5:preview", args=[token]))
    response["Cache-Control"] = "private, no-store"
    return response
