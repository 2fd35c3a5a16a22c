"""Reads for the file library (FILE-1): who may download a stored document (issue 18, hole 1).

A personal file stays private until its salesperson shares it into the enterprise library. Its
bytes are served only by Wagtail's document view, whose ``before_serve_document`` hook asks
:func:`document_access_allowed`:

- documents that belong to no personal file (library files, documents used in pages) are public
  content, as before (Wagtail's own collection restrictions still apply);
- a personal file's document goes to users whose scope covers its owner (the salesperson, their
  department managers, the enterprise's admins and operators), or to a visitor holding a signed
  URL that the API handed out because the request carried that salesperson's share token.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

from enterprises.selectors import scope_for_user

from .models import FileKind, SalesFile

#: Query parameter of a personal file's signed URL.
ACCESS_PARAM = "access"
_SALT = "cms.files.document-access"


def personal_document_owners(document_id: int) -> set[int] | None:
    """Salesperson ids owning this document as a personal file; None if it is public content
    (no personal file uses it, or a copy of it is in an enterprise library)."""
    rows = list(SalesFile.objects.filter(document_id=document_id).values_list("owner_id", flat=True))
    if not rows or None in rows:
        return None
    return set(rows)


def document_signed_url(document) -> str:
    """The document's serve URL with a signature valid for PRIVATE_FILE_URL_MAX_AGE seconds."""
    value = signing.TimestampSigner(salt=_SALT).sign(str(document.pk))
    return f"{document.url}?{ACCESS_PARAM}={value}"


def _signature_valid(document_id: int, value: str) -> bool:
    try:
        signed_id = signing.TimestampSigner(salt=_SALT).unsign(
            value, max_age=settings.PRIVATE_FILE_URL_MAX_AGE
        )
    except signing.BadSignature:  # also SignatureExpired
        return False
    return signed_id == str(document_id)


def document_access_allowed(document, request: HttpRequest) -> bool:
    """Whether ``request`` may download ``document`` (the rule described in the module doc)."""
    owners = personal_document_owners(document.pk)
    if owners is None:
        return True
    value = request.GET.get(ACCESS_PARAM)
    if value and _signature_valid(document.pk, value):
        return True
    scope = scope_for_user(request.user)
    return any(scope.covers(owner_id) for owner_id in owners)


def salesfile_url(sales_file: SalesFile) -> str | None:
    """Relative URL a reader of ``sales_file`` downloads it from: Wagtail's guarded document view
    (signed for a personal file: only callers that passed the readability rule get here), or the
    image's public file."""
    if sales_file.kind == FileKind.IMAGE:
        return sales_file.image.file.url if sales_file.image_id else None
    if not sales_file.document_id:
        return None
    document = sales_file.document
    return document_signed_url(document) if sales_file.is_personal else document.url
