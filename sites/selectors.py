"""Reads for the microsite (used by the API and H5)."""

from __future__ import annotations

from django.db.models import QuerySet

from enterprises.models import Enterprise

from .models import MicrositeHomePage, MicrositeNavPage


def microsite_for(*, enterprise: Enterprise) -> MicrositeHomePage | None:
    """The enterprise's microsite home as visitors may see it: live and on the shelf, else None."""
    home = MicrositeHomePage.objects.filter(pk=enterprise.site.root_page_id).select_related("logo").first()
    if home is None or not home.live or not home.is_on_shelf:
        return None
    return home


def microsite_nav_pages(*, home: MicrositeHomePage) -> QuerySet[MicrositeNavPage]:
    """The live navigation pages in menu order (at most five)."""
    return MicrositeNavPage.objects.child_of(home).live().select_related("icon").order_by("path")
