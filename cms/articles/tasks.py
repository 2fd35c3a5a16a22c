"""Celery tasks for articles."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def article_import_run(import_id: int) -> str:
    """ART-2: run one WeChat import (idempotent: a finished import is not repeated)."""
    from .services import article_import_run as run

    return run(import_id=import_id).status
