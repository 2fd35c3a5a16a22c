from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.widgets import ListingButton

from . import views
from .models import MicrositeHomePage


@hooks.register("register_admin_urls")
def register_urls():
    return [path("microsite/<int:pk>/shelf/", views.microsite_shelf, name="microsite_shelf")]


@hooks.register("register_page_header_buttons")
def shelf_button(page, user, view_name, next_url=None):
    if (
        isinstance(page.specific_deferred, MicrositeHomePage)
        and page.permissions_for_user(user).can_publish()
    ):
        label = "Take off the shelf" if page.specific_deferred.is_on_shelf else "Put on the shelf"
        yield ListingButton(label, reverse("microsite_shelf", args=[page.pk]), priority=80)
