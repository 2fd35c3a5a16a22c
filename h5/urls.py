from django.urls import re_path

from . import preview, views

app_name = "h5"

urlpatterns = [
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]{12,32})/$", views.share_open, name="share_open"),
    re_path(r"^preview/(?P<token>[A-Za-z0-9_.:-]{20,600})/$", preview.preview_open, name="preview"),
]
