"""Celery tasks for the mall: the feed URL is fetched here, never inside a web request."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def feed_import_run(import_id: int) -> str:
    """Fetch and import one requested feed (idempotent: a finished import is not repeated)."""
    from .services import feed_import_run as run

    return run(import_id=import_id).status
