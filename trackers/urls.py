from django.urls import path, re_path

from . import views

app_name = "trackers"

urlpatterns = [
    path("", views.track, name="track"),
    re_path(r"^qr/(?P<token>[A-Za-z0-9_-]{12,32})\.(?P<fmt>svg|png)$", views.share_qr_code, name="share_qr"),
]
