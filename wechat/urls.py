from django.urls import path, re_path

from . import views

app_name = "wechat"

urlpatterns = [
    path("wecom/callback/<str:key>/", views.wecom_callback, name="wecom_callback"),
    re_path(r"^code/(?P<token>[A-Za-z0-9_-]{12,32})\.png$", views.share_code, name="share_code"),
]
