"""Share links: the one place that knows the share URL format (TRK-1).

Placeholder until the tracking issue replaces the query parameter with a signed token;
callers only ever use :func:`share_url`.
"""

from __future__ import annotations

from django.conf import settings


def item_kind(item) -> str:
    """A stable short name for a shareable item's type (article, card, poster, form, ...)."""
    return getattr(item, "share_kind", None) or item._meta.model_name


def share_url(item, salesperson) -> str:
    """The public URL a salesperson shares for ``item``."""
    return (
        f"{settings.PUBLIC_BASE_URL}/h5/s/{item_kind(item)}/{item.pk}/"
        f"?sp={salesperson.pk if salesperson else ''}"
    )
