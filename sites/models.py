"""The enterprise microsite (SITE-1..4)."""

from wagtail.models import Page


class MicrositeHomePage(Page):
    """The root page of an enterprise's Wagtail Site: its microsite home."""

    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = "microsite home"
