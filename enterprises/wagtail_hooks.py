from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView

from . import services
from .forms import DepartmentForm, SalespersonForm
from .models import Department, Enterprise, Salesperson
from .viewsets import EnterpriseSnippetViewSet


class DepartmentDeleteView(DeleteView):
    """Deletes only empty departments, with the reason shown otherwise."""

    def post(self, request, *args, **kwargs):
        try:
            services.department_delete(department=self.object)
        except services.DepartmentNotEmpty as exc:
            messages.error(request, str(exc))
            return redirect(self.index_url_name)
        messages.success(request, f"Department “{self.object.name}” deleted.")
        return redirect(self.index_url_name)


class DepartmentViewSet(EnterpriseSnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("Departments")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "depth", "path"]
    ordering = ["path"]
    delete_view_class = DepartmentDeleteView
    panels = [FieldPanel("name"), FieldPanel("parent"), FieldPanel("managers")]


Department.base_form_class = DepartmentForm
Salesperson.base_form_class = SalespersonForm


class SalespersonViewSet(EnterpriseSnippetViewSet):
    model = Salesperson
    icon = "user"
    menu_label = _("Salespeople")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["display_name", "department", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["display_name", "phone"]
    panels = [
        FieldPanel("display_name"),
        FieldPanel("department"),
        FieldPanel("phone"),
        FieldPanel("wechat_id"),
        FieldPanel("avatar"),
        FieldPanel("is_active"),
    ]

    def scoped_queryset(self, request):
        from .selectors import scope_for_user

        return scope_for_user(request.user).salespeople().select_related("department")


class SuperuserOnlyPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser


class EnterpriseViewSet(ModelViewSet):
    """Platform staff manage enterprises; no enterprise user reaches this screen."""

    model = Enterprise
    icon = "site"
    menu_label = _("Enterprises")
    add_to_settings_menu = True
    list_display = ["name", "slug", "site", "is_active", "created_at"]
    form_fields = ["name", "is_active"]


register_permission_policy(Enterprise, SuperuserOnlyPolicy(Enterprise))


register_snippet(DepartmentViewSet)
register_snippet(SalespersonViewSet)


@hooks.register("register_admin_viewset")
def register_enterprise_viewset():
    return EnterpriseViewSet("enterprises")


def _refuse_out_of_scope_snippets(request, objects) -> None:
    """Bulk actions fetch snippets by the posted ids without the viewset's scoping; a row outside
    the user's scope (another enterprise, or a colleague's CRM row) makes the whole request a 404."""
    from django.http import Http404

    from .viewsets import EnterpriseScopedViewSetMixin

    objects = list(objects)
    if not objects:
        return
    viewset = getattr(type(objects[0]), "snippet_viewset", None)
    if not isinstance(viewset, EnterpriseScopedViewSetMixin):
        return
    allowed = set(
        viewset.editable_queryset(request).filter(pk__in=[o.pk for o in objects]).values_list("pk", flat=True)
    )
    if any(o.pk not in allowed for o in objects):
        raise Http404


@hooks.register("before_delete_snippet")
def scope_bulk_delete(request, instances):
    _refuse_out_of_scope_snippets(request, instances)


@hooks.register("before_bulk_action")
def scope_bulk_actions(request, action_type, objects, action_class_instance):
    _refuse_out_of_scope_snippets(request, objects)


# --- Wagtail's own screens (enterprises/admin_core.py) ------------------------------------------


@hooks.register("construct_reports_menu")
def hide_refused_reports(request, menu_items):
    """Reports the user would be refused (admin_core.PLATFORM_ONLY…) stay out of their menu."""
    from .admin_core import hidden_report_items

    hidden = hidden_report_items(request)
    menu_items[:] = [item for item in menu_items if item.name not in hidden]


@hooks.register("construct_page_listing_buttons")
def hide_refused_page_history(buttons, page, user, context=None):
    """Wagtail offers a page's History to anyone who can explore it but opens it only to those
    who can edit it; a salesperson browsing colleagues' pages is no longer shown a dead link."""
    from django.urls import reverse

    if page.permissions_for_user(user).can_edit():
        return
    history = reverse("wagtailadmin_pages:history", args=[page.pk])
    for button in buttons:
        dropdown = getattr(button, "dropdown_buttons", None)
        if isinstance(dropdown, list):
            dropdown[:] = [item for item in dropdown if getattr(item, "url", None) != history]
