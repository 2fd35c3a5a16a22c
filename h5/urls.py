from django.urls import path, re_path
from django.views.i18n import JavaScriptCatalog

from . import preview, views

app_name = "h5"

urlpatterns = [
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]{12,32})/$", views.share_open, name="share_open"),
    # The H5 app's words in the visitor's language (Accept-Language, LocaleMiddleware).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="jsi18n"),
    re_path(r"^preview/(?P<token>[A-Za-z0-9_.:-]{20,600})/$", preview.preview_open, name="preview"),
]
