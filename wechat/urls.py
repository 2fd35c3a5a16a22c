from django.urls import path, re_path

from . import sidebar_views, views

app_name = "wechat"

urlpatterns = [
    path("wecom/callback/<str:key>/", views.wecom_callback, name="wecom_callback"),
    re_path(r"^code/(?P<token>[A-Za-z0-9_-]{12,32})\.png$", views.share_code, name="share_code"),
    # WeCom chat sidebar (WX-3); the session cookie is scoped to /wechat/sidebar/.
    path("sidebar/", sidebar_views.sidebar_home, name="sidebar_home"),
    path("sidebar/library/", sidebar_views.sidebar_library, name="sidebar_library"),
    path("sidebar/scripts/<int:pk>/use/", sidebar_views.sidebar_script_use, name="sidebar_script_use"),
    re_path(
        r"^sidebar/c/(?P<external_userid>[A-Za-z0-9_-]{1,64})/$",
        sidebar_views.sidebar_contact_view,
        name="sidebar_contact",
    ),
    path("sidebar/login/<str:key>/", sidebar_views.sidebar_entry, name="sidebar_entry"),
]
