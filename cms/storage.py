"""Media storage with a private part (issue 18, hole 1).

Everything that is not public content — Wagtail documents (personal sales files until shared,
enterprise files behind Wagtail's serve view) and CRM imports — is written under
``PRIVATE_MEDIA_ROOT`` instead of ``MEDIA_ROOT``. That directory has no URL: neither Django's
``/media/`` route nor the nginx/CDN in front of ``MEDIA_ROOT`` can reach it, and the storage
answers ``NotImplementedError`` for its URLs, so code can only link the guarded views
(``/documents/<id>/<name>`` with the ``before_serve_document`` hook, the CRM import download).

The file names in the database stay as they are (``documents/x.pdf``, ``crm/imports/…``): only the
directory they resolve to changes, so existing rows need no rewrite and ``private_media_move``
moves the bytes of older installations.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

#: Name prefixes (upload_to directories) whose files are private.
PRIVATE_PREFIXES: tuple[str, ...] = ("documents/", "crm/")


def private_media_root() -> Path:
    """``PRIVATE_MEDIA_ROOT``, or ``private_media`` beside ``MEDIA_ROOT`` when unset."""
    configured = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "private_media"


def is_private_name(name: str) -> bool:
    return str(name).replace("\\", "/").lstrip("/").startswith(PRIVATE_PREFIXES)


class MediaStorage(FileSystemStorage):
    """``FileSystemStorage`` for MEDIA_ROOT that keeps the private prefixes in PRIVATE_MEDIA_ROOT."""

    def _private(self) -> FileSystemStorage:
        return FileSystemStorage(location=private_media_root(), base_url=None)

    def _save(self, name: str, content) -> str:
        if is_private_name(name):  # names relative to the private root, not "../private_media/…"
            return self._private()._save(name, content)
        return super()._save(name, content)

    def path(self, name: str) -> str:
        if is_private_name(name):
            return safe_join(private_media_root(), name)
        return super().path(name)

    def url(self, name: str | None) -> str:
        if name and is_private_name(name):
            raise NotImplementedError("Private files have no public URL; link the guarded view.")
        return super().url(name)


def private_media_move(
    *,
    prefixes: tuple[str, ...] = PRIVATE_PREFIXES,
    media_root: Path | None = None,
    private_root: Path | None = None,
) -> list[str]:
    """Move private files an older version stored under MEDIA_ROOT into PRIVATE_MEDIA_ROOT.

    Idempotent: a file already in the private root is kept and its public copy removed. Returns the
    moved names (relative), so a command or migration can say what it did.
    """
    media_root = Path(media_root or settings.MEDIA_ROOT)
    private_root = Path(private_root or private_media_root())
    moved: list[str] = []
    for prefix in prefixes:
        public_dir = media_root / prefix
        if not public_dir.is_dir():
            continue
        for source in sorted(p for p in public_dir.rglob("*") if p.is_file()):
            relative = source.relative_to(media_root)
            target = private_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                source.unlink()
            else:
                shutil.move(os.fspath(source), os.fspath(target))
                moved.append(relative.as_posix())
    return moved
