from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("graphql/", include("api.urls")),
    path("t/", include("trackers.urls")),
    path("wechat/", include("wechat.urls")),
    path("mall/", include("mall.urls")),
    path("h5/", include("h5.urls")),
    path("healthz/", include("enterprises.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]

# An outage met in a middleware (before the view) still answers /graphql/ in JSON (UNAVAILABLE).
handler500 = "api.views.server_error"
