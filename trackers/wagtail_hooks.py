from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_data_center_urls():
    return [
        path("data-center/", admin_views.data_center_view, name="trackers_data_center"),
        path("data-center/rules/", admin_views.tracking_settings_view, name="trackers_settings"),
        path(
            "data-center/content/<str:kind>/<int:target_id>/",
            admin_views.content_detail_view,
            name="trackers_content_detail",
        ),
        path(
            "data-center/visitors/<int:visitor_id>/", admin_views.visitor_detail_view, name="trackers_visitor"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_data_center_menu_item():
    return MenuItem(_("Data center"), reverse("trackers_data_center"), icon_name="view", order=400)
