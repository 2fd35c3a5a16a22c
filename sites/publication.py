"""Publication in one place: the generation that names what visitors are served right now.

Whatever changes what an anonymous visitor sees — a page published, unpublished or deleted, the
microsite taken off or put on the shelf, an embedded product or file saved or deleted — goes
through :func:`bump_published_generation`. Caches of visitor answers (the GraphQL response cache)
key on :func:`published_generation`, so they miss at once instead of serving the old state.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "publication:generation"


def published_generation() -> int:
    """The current generation (starts at 1)."""
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any value other than the old one will do
        cache.set(GENERATION_KEY, 2, timeout=None)


def bump_published_generation(**_signal_kwargs) -> None:
    """A new generation now and again when the transaction commits.

    The immediate bump lets the writer's own next read see the change; the bump after commit makes
    sure no answer cached by a concurrent reader from the uncommitted state outlives the commit.
    """
    _bump()
    transaction.on_commit(_bump)


def connect_publication_signals() -> None:
    """Wagtail's publish/unpublish/delete and the saves of embedded items bump the generation."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished

    from cms.files.models import SalesFile
    from cms.products.models import Product

    page_published.connect(bump_published_generation, dispatch_uid="publication-published")
    page_unpublished.connect(bump_published_generation, dispatch_uid="publication-unpublished")
    post_delete.connect(_page_deleted, dispatch_uid="publication-page-deleted")
    for model in (Product, SalesFile):
        post_save.connect(
            bump_published_generation, sender=model, dispatch_uid=f"publication-{model.__name__}"
        )
        post_delete.connect(
            bump_published_generation, sender=model, dispatch_uid=f"publication-del-{model.__name__}"
        )


def _page_deleted(sender, instance, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        bump_published_generation()
