from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet

from enterprises.menu import EnterpriseMenuItem
from enterprises.selectors import enterprise_for_user, scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from . import selectors, services
from .models import MallConnection, MallFeedImport, MallOrder

MAX_FEED_UPLOAD_BYTES = 5 * 1024 * 1024


class MallConnectionViewSet(EnterpriseSnippetViewSet):
    model = MallConnection
    icon = "link"
    menu_label = _("Mall")
    add_to_admin_menu = True
    menu_order = 400
    list_display = ["name", "h5_enabled", "miniprogram_enabled"]
    panels = [
        FieldPanel("name"),
        MultiFieldPanel([FieldPanel("h5_enabled"), FieldPanel("h5_base_url")], heading=_("H5 mall")),
        MultiFieldPanel(
            [FieldPanel("miniprogram_enabled"), FieldPanel("miniprogram_appid")],
            heading=_("Mini-program mall"),
        ),
        FieldPanel("feed_url"),
        FieldPanel("webhook_secret", read_only=True),
    ]


class MallOrderViewSet(EnterpriseSnippetViewSet):
    """Orders: admins see the enterprise's, managers their subtree's, salespeople their own."""

    model = MallOrder
    icon = "tag"
    menu_label = _("Mall orders")
    add_to_admin_menu = True
    menu_order = 401
    salesperson_field = "salesperson"
    list_display = ["external_id", "status", "amount_cents", "refunded_cents", "salesperson", "paid_at"]
    list_filter = ["status"]
    inspect_view_enabled = True

    def editable_queryset(self, request):
        return MallOrder.objects.none()


register_snippet(MallConnectionViewSet)
register_snippet(MallOrderViewSet)


class FeedUploadForm(forms.Form):
    feed = forms.FileField(required=False, help_text=_("JSON or CSV; leave empty to fetch the feed URL."))

    def clean_feed(self):
        feed = self.cleaned_data.get("feed")
        if feed and feed.size > MAX_FEED_UPLOAD_BYTES:
            raise forms.ValidationError(_("The feed file is larger than 5 MB."))
        return feed


def _connection_for(request) -> MallConnection:
    scope = scope_for_user(request.user)
    enterprise = enterprise_for_user(request.user)
    if enterprise is None or not scope.sees_whole_enterprise:
        raise PermissionDenied
    connection = MallConnection.objects.filter(enterprise=enterprise).first()
    if connection is None:
        connection = MallConnection.objects.create(enterprise=enterprise)
    return connection


def feed_import_view(request):
    """An uploaded feed file is imported at once; the feed URL is fetched by a Celery task and this
    page shows the status of recent fetches (refreshing while one runs)."""
    connection = _connection_for(request)
    # bound on every POST: a POST with no file (fetch the URL) has an empty body besides the token
    form = FeedUploadForm(request.POST if request.method == "POST" else None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("feed")
        if upload:
            try:
                rows = services.feed_parse(upload.read(), content_type=upload.content_type or "")
                result = services.feed_import(connection=connection, rows=rows)
            except (ValueError, UnicodeDecodeError):
                result = services.FeedResult(errors=[_("feed: not a readable JSON or CSV feed.")])
            if result.ok:
                messages.success(
                    request,
                    _("Imported: %(created)s new, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("mall_feed_import")
        elif connection.feed_url:
            services.feed_import_request(connection=connection, user=request.user)
            messages.success(request, _("The feed is being fetched; its status is shown below."))
            return redirect("mall_feed_import")
        else:
            result = services.FeedResult(errors=[_("Upload a feed file or set the feed URL first.")])
    imports = list(MallFeedImport.objects.filter(enterprise_id=connection.enterprise_id)[:10])
    waiting = (MallFeedImport.Status.PENDING, MallFeedImport.Status.RUNNING)
    running = any(job.status in waiting for job in imports)
    return TemplateResponse(
        request,
        "mall/feed_import.html",
        {"form": form, "result": result, "connection": connection, "imports": imports, "running": running},
    )


def mall_stats_view(request):
    scope = scope_for_user(request.user)
    if enterprise_for_user(request.user) is None:
        raise PermissionDenied
    return TemplateResponse(
        request,
        "mall/stats.html",
        {"rows": selectors.mall_stats(scope=scope), "totals": selectors.mall_totals(scope=scope)},
    )


@hooks.register("register_admin_urls")
def register_mall_urls():
    return [
        path("mall/feed/", feed_import_view, name="mall_feed_import"),
        path("mall/stats/", mall_stats_view, name="mall_stats"),
    ]


@hooks.register("register_admin_menu_item")
def register_mall_stats_menu_item():
    return EnterpriseMenuItem(_("Mall stats"), reverse("mall_stats"), icon_name="table", order=402)
