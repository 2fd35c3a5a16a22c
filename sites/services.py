"""Writes for the microsite."""

from __future__ import annotations

from .models import MicrositeHomePage
from .publication import bump_published_generation


def microsite_set_shelf(*, home: MicrositeHomePage, on_shelf: bool) -> MicrositeHomePage:
    """SITE-3: put the microsite on or off the shelf without touching its revisions or live state.

    Not a published revision, so no Wagtail signal fires: the publication generation is bumped here.
    """
    MicrositeHomePage.objects.filter(pk=home.pk).update(is_on_shelf=on_shelf)
    home.is_on_shelf = on_shelf
    bump_published_generation()  # visitors' cached answers must not outlive the shelf change
    return home
