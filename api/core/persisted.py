"""Persisted operations: the documents in graphql/operations/, addressed by their sha256.

A client may send ``{"extensions": {"persistedQuery": {"sha256Hash": h}}}`` (or ``"id": h``)
instead of the query text. With ``settings.GRAPHQL_PERSISTED_ONLY`` (on in production) only
these known documents run, whatever the client sends.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings

OPERATIONS_DIR = Path(settings.BASE_DIR) / "graphql" / "operations"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def persisted_documents() -> dict[str, str]:
    """sha256 -> document text, read once per process."""
    return {
        document_hash(path.read_text()): path.read_text() for path in sorted(OPERATIONS_DIR.glob("*.graphql"))
    }


def requested_hash(data: dict) -> str | None:
    extensions = data.get("extensions") or {}
    if isinstance(extensions, dict):
        persisted = extensions.get("persistedQuery") or {}
        if isinstance(persisted, dict) and persisted.get("sha256Hash"):
            return str(persisted["sha256Hash"])
    if data.get("id") and not data.get("query"):
        return str(data["id"])
    return None
