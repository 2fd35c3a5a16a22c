"""Wagtail's own admin screens, confined to the user's enterprise (issue 18, hole 4).

Our viewsets scope themselves (``enterprises.viewsets``); Wagtail's core screens know nothing of
tenants: its site-history report, page-type and workflow reports and the page listing filters
read every tenant's rows. This module is the one place that decides, for each of them, whether
an enterprise user gets a scoped version or is refused:

- site history (and its CSV/XLSX export): only entries made by people the user's scope covers
  (the whole enterprise for its admins, themselves and their managed departments for
  salespeople) — :func:`tenant_log_entries`, applied to Wagtail's ``viewable_by_user``;
- the page/form/search listings' owner, "edited by" and site filters: the enterprise's people
  and site only — :func:`scope_page_filters`;
- reports that count or list across sites, users or workflows, and the admin API's image and
  document endpoints: platform staff only, or enterprise-wide roles only — :data:`PLATFORM_ONLY`,
  :data:`PLATFORM_ONLY_PREFIXES` / :data:`ENTERPRISE_WIDE_ONLY`;
- the page chooser opened on a page outside what the user may choose: 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .selectors import scope_for_user

REPORTS = "wagtailadmin_reports:"

#: Reports over every site, user or workflow of the installation: platform staff only.
PLATFORM_ONLY = frozenset(
    REPORTS + name
    for name in (
        "page_types_usage",
        "page_types_usage_results",
        "locked_pages",
        "locked_pages_results",
        "workflow",
        "workflow_results",
        "workflow_tasks",
        "workflow_tasks_results",
    )
)
#: Wagtail's deliberate error page (/admin/failwhale/ raises to test error reporting).
ERROR_TEST = "wagtailadmin_error_test"
#: Wagtail's admin API for images and documents lists every collection's titles (no permission
#: filter); the admin's own choosers do not use it. Platform staff only.
PLATFORM_ONLY_PREFIXES = ("wagtailadmin_api:images:", "wagtailadmin_api:documents:")
#: Reports over the enterprise's whole page tree (who published what): not for salespeople.
ENTERPRISE_WIDE_ONLY = frozenset({REPORTS + "aging_pages", REPORTS + "aging_pages_results"})
#: Page chooser URLs that open one page by id.
PAGE_CHOOSER_BROWSE = "wagtailadmin_choose_page_child"


def scope_users(user):
    """The people whose actions and names ``user`` may see; None for platform staff (everyone)."""
    scope = scope_for_user(user)
    if scope.is_platform:
        return None
    users = get_user_model().objects.all()
    if scope.sees_whole_enterprise:
        return users.filter(membership__enterprise_id=scope.enterprise_id)
    return users.filter(salesperson__in=scope.salespeople())


def tenant_log_entries(entries, user):
    """Audit-log entries (pages, snippets, images…) made by people within ``user``'s scope."""
    people = scope_users(user)
    if people is None:
        return entries
    return entries.filter(user_id__in=people.values("pk"))


def install_log_scoping() -> None:
    """Wrap Wagtail's ``viewable_by_user`` of every log-entry manager with :func:`tenant_log_entries`.

    The site-history report, its exports and its user/type/action filters all read through it
    (and nothing else in Wagtail does), so scoping it there scopes the whole report.
    """
    from wagtail.models.audit_log import BaseLogEntryManager
    from wagtail.models.pages import PageLogEntryManager

    for manager_class in {BaseLogEntryManager, PageLogEntryManager, *BaseLogEntryManager.__subclasses__()}:
        original = manager_class.__dict__.get("viewable_by_user")
        if original is None or getattr(original, "_tenant_scoped", False):
            continue

        def viewable_by_user(self, user, _original=original):
            return tenant_log_entries(_original(self, user), user)

        viewable_by_user._tenant_scoped = True
        manager_class.viewable_by_user = viewable_by_user

    # The history filters' "User" choices come from every log entry of the model, not from the
    # entries shown (site history listed every tenant's usernames): only the scope's people.
    from wagtail.admin.views.generic.history import HistoryFilterSet

    original_users = HistoryFilterSet.get_users_queryset
    if not getattr(original_users, "_tenant_scoped", False):

        def get_users_queryset(self, _original=original_users):
            users = _original(self)
            request = getattr(self, "request", None)
            people = scope_users(request.user) if request is not None else None
            return users if people is None else users.filter(pk__in=people.values("pk"))

        get_users_queryset._tenant_scoped = True
        HistoryFilterSet.get_users_queryset = get_users_queryset


def _scoped_users_filter(original):
    def queryset(request):
        users = original(request) if callable(original) else original
        people = scope_users(request.user)
        return users if people is None else users.filter(pk__in=people.values("pk"))

    return queryset


def _scoped_sites(request):
    from wagtail.models import Site

    scope = scope_for_user(request.user)
    sites = Site.objects.all()
    return sites if scope.is_platform else sites.filter(enterprise__id=scope.enterprise_id)


def scope_page_filters() -> None:
    """Owner / edited-by / site filters of every page listing (explorer, search, forms) list only
    the user's enterprise (and for salespeople their scope), not every tenant's people and sites."""
    from wagtail.admin.views.pages.listing import PageFilterSet
    from wagtail.contrib.forms import views as _forms_views  # noqa: F401 - defines FormPageFilterSet

    def subclasses(cls):
        yield cls
        for sub in cls.__subclasses__():
            yield from subclasses(sub)

    for filterset in subclasses(PageFilterSet):
        for name, filter_ in filterset.base_filters.items():
            if getattr(filter_, "_tenant_scoped", False):
                continue
            if name in ("owner", "edited_by"):
                scoped = _scoped_users_filter(filter_.queryset)
            elif name == "site":
                scoped = _scoped_sites
            else:
                continue
            # django-filter reads ``queryset`` (a callable gets the request); ``extra`` builds the field
            filter_.queryset = filter_.extra["queryset"] = scoped
            filter_._tenant_scoped = True


def _chooser_may_open(request, page_id) -> bool:
    """Whether the page chooser may browse into ``page_id``: a page the user may choose (the
    ``construct_page_chooser_queryset`` hooks decide) or the tree root above their site."""
    from wagtail import hooks
    from wagtail.models import Page

    pages = Page.objects.filter(pk=page_id)
    if pages.filter(depth=1).exists():
        return True
    for hook in hooks.get_hooks("construct_page_chooser_queryset"):
        pages = hook(pages, request)
    return pages.exists()


class CoreAdminTenancyMiddleware:
    """Refuses Wagtail core admin views an enterprise user may not open (see the module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated or user.is_superuser:
            return None
        name = match.view_name
        if name in PLATFORM_ONLY or name == ERROR_TEST or name.startswith(PLATFORM_ONLY_PREFIXES):
            raise PermissionDenied
        if name in ENTERPRISE_WIDE_ONLY and not scope_for_user(user).sees_whole_enterprise:
            raise PermissionDenied
        if name == PAGE_CHOOSER_BROWSE and not _chooser_may_open(request, view_kwargs.get("parent_page_id")):
            raise Http404
        return None


def hidden_report_items(request) -> set[str]:
    """Names of the reports menu items this user may not open (kept out of their menu)."""
    if request.user.is_superuser:
        return set()
    hidden = {"page-types-usage", "locked-pages", "workflows", "workflow-tasks"}
    if not scope_for_user(request.user).sees_whole_enterprise:
        hidden.add("aging-pages")
    return hidden
