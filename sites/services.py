"""Writes for the microsite."""

from __future__ import annotations

from .models import MicrositeHomePage


def microsite_set_shelf(*, home: MicrositeHomePage, on_shelf: bool) -> MicrositeHomePage:
    """SITE-3: put the microsite on or off the shelf without touching its revisions or live state."""
    MicrositeHomePage.objects.filter(pk=home.pk).update(is_on_shelf=on_shelf)
    home.is_on_shelf = on_shelf
    return home
