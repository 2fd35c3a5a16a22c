"""Writes for the file library (FILE-1): checked uploads and sharing into the enterprise library."""

from __future__ import annotations

import mimetypes
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.upload_limits import image_pixels_check
from enterprises.models import Enterprise, Salesperson

from .models import FileKind, SalesFile

#: Accepted content types per kind; anything else is refused with a message listing these.
ALLOWED_TYPES: dict[str, dict[str, str]] = {
    FileKind.DOCUMENT: {
        "application/pdf": "PDF",
        "application/msword": "Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
        "application/vnd.ms-excel": "Excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
        "application/vnd.ms-powerpoint": "PowerPoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
        "text/plain": "text",
        "text/csv": "CSV",
        "application/zip": "ZIP",
    },
    FileKind.IMAGE: {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP"},
    FileKind.VIDEO: {"video/mp4": "MP4"},
}

DEFAULT_MAX_BYTES = {
    FileKind.DOCUMENT: 20 * 1024 * 1024,
    FileKind.IMAGE: 10 * 1024 * 1024,
    FileKind.VIDEO: 100 * 1024 * 1024,
}


def max_bytes(kind: str) -> int:
    """Per-kind upload limit; ``SALES_FILE_MAX_BYTES = {"video": ...}`` in settings overrides."""
    return {**DEFAULT_MAX_BYTES, **getattr(settings, "SALES_FILE_MAX_BYTES", {})}[kind]


class FileRejected(Exception):
    """An upload that breaks the size or type rules; ``code`` is LIMIT or VALIDATION."""

    def __init__(self, message: str, *, code: str, field: str = "upload") -> None:
        super().__init__(message)
        self.message, self.code, self.field = message, code, field


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def _sniff(head: bytes, name: str) -> str:
    """The content type from the first bytes (magic numbers), falling back to the extension."""
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if head.startswith(b"PK\x03\x04") and not guessed.startswith("application/vnd.openxml"):
        return "application/zip"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!"):
        return "application/x-executable"
    return guessed


def salesfile_check(*, kind: str, name: str, size: int, head: bytes, file=None) -> str:
    """Refuse oversize or wrong-type files with a message a salesperson understands.

    Given the ``file``, an image is also held to the pixel limit (a small PNG can declare
    12000×12000 pixels and cost a gigabyte to display; cms/upload_limits.py).
    """
    if kind not in ALLOWED_TYPES:
        raise FileRejected(f"Unknown file kind “{kind}”.", code="VALIDATION", field="kind")
    limit = max_bytes(kind)
    if size > limit:
        raise FileRejected(
            f"“{os.path.basename(name)}” is {_human(size)}; the limit for a {kind} is {_human(limit)}.",
            code="LIMIT",
        )
    if size == 0:
        raise FileRejected("The file is empty.", code="VALIDATION")
    content_type = _sniff(head, name)
    allowed = ALLOWED_TYPES[kind]
    if content_type not in allowed:
        names = ", ".join(sorted(set(allowed.values())))
        raise FileRejected(
            f"“{os.path.basename(name)}” is not an accepted {kind} file ({content_type}). Accepted: {names}.",
            code="VALIDATION",
        )
    if kind == FileKind.IMAGE and file is not None:
        try:
            image_pixels_check(file)
        except ValidationError as error:
            raise FileRejected(error.messages[0], code="LIMIT") from None
    return content_type


def _head(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    return head


def salesfile_check_stored(sales_file: SalesFile) -> tuple[str, int]:
    """Check the chosen Wagtail document/image of a SalesFile (admin chooser path)."""
    stored = sales_file.file
    field = "image" if sales_file.kind == FileKind.IMAGE else "document"
    if stored is None:
        raise FileRejected("Choose or upload the file.", code="VALIDATION", field=field)
    try:
        stored.open("rb")
        size = stored.size
        head = _head(stored)
    except (OSError, ValueError) as error:
        raise FileRejected("The stored file cannot be read.", code="VALIDATION", field=field) from error
    try:
        return salesfile_check(kind=sales_file.kind, name=stored.name, size=size, head=head), size
    except FileRejected as error:
        error.field = field
        raise


@transaction.atomic
def salesfile_create(
    *,
    enterprise: Enterprise,
    title: str,
    upload: UploadedFile,
    kind: str,
    owner: Salesperson | None = None,
    cover=None,
    description: str = "",
) -> SalesFile:
    """Check the upload, store it as a Wagtail document or image in the enterprise collection."""
    if owner is not None and owner.enterprise_id != enterprise.pk:
        raise FileRejected("The owner must belong to the enterprise.", code="FORBIDDEN", field="owner")
    title = (title or "").strip() or os.path.splitext(os.path.basename(upload.name))[0][:160]
    content_type = salesfile_check(
        kind=kind, name=upload.name, size=upload.size, head=_head(upload), file=upload
    )
    upload.seek(0)
    sales_file = SalesFile(
        enterprise=enterprise,
        owner=owner,
        title=title[:160],
        kind=kind,
        cover=cover,
        description=description,
        content_type=content_type,
        size=upload.size,
    )
    if kind == FileKind.IMAGE:
        from django.core.files.images import ImageFile

        sales_file.image = get_image_model().objects.create(
            title=sales_file.title, file=ImageFile(upload, name=upload.name), collection=enterprise.collection
        )
    else:
        sales_file.document = get_document_model().objects.create(
            title=sales_file.title, file=upload, collection=enterprise.collection
        )
    sales_file.save()
    return sales_file


@transaction.atomic
def salesfile_share_to_enterprise(*, sales_file: SalesFile, salesperson: Salesperson) -> SalesFile:
    """A salesperson shares a personal file into the enterprise library (a copy; idempotent)."""
    if sales_file.owner_id != salesperson.pk:
        raise FileRejected("Only the owner can share a personal file.", code="FORBIDDEN", field="owner")
    existing = SalesFile.objects.filter(shared_from=sales_file, owner__isnull=True).first()
    if existing is not None:
        return existing
    return SalesFile.objects.create(
        enterprise_id=sales_file.enterprise_id,
        owner=None,
        title=sales_file.title,
        description=sales_file.description,
        kind=sales_file.kind,
        document_id=sales_file.document_id,
        image_id=sales_file.image_id,
        cover_id=sales_file.cover_id,
        content_type=sales_file.content_type,
        size=sales_file.size,
        shared_from=sales_file,
    )
