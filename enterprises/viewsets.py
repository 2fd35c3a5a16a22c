"""Wagtail admin viewsets whose every view is confined to the user's enterprise (and scope).

Snippet permissions in Django are global per model, so tenancy for our own models
is enforced here, once: listings, edit/delete/history/inspect views, choosers and
creation all go through :meth:`EnterpriseScopedViewSetMixin.scoped_queryset`.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.models import CreateView, IndexView, InspectView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Salesperson
from .selectors import enterprise_for_user, scope_for_user

READ_ONLY_VIEWS = (IndexView, InspectView, HistoryView, UsageView)


class ScopedViewMixin:
    """Mixed into each view a scoped viewset constructs."""

    scope_viewset = None

    def scoped_queryset(self) -> QuerySet:
        return self.scope_viewset.scoped_queryset(self.request)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if isinstance(self, READ_ONLY_VIEWS):
            allowed = self.scoped_queryset()
        else:
            allowed = self.scope_viewset.editable_queryset(self.request)
        if obj is not None and not allowed.filter(pk=obj.pk).exists():
            raise Http404
        return obj

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        self.scope_viewset.confine_form_choices(self.request, form)
        return form

    # chooser views
    def get_object_list(self):
        return self.scoped_queryset()

    def get_objects(self, pks):
        return self.scoped_queryset().filter(pk__in=pks)

    # create view: new rows belong to the user's enterprise (and to them, when owned)
    def get_initial_form_instance(self):
        if isinstance(self, CreateView):
            instance = super().get_initial_form_instance() or self.model()
            self.scope_viewset.prepare_new_instance(self.request, instance)
            return instance
        return super().get_initial_form_instance()


class EnterpriseScopedViewSetMixin:
    """Scope rows by ``enterprise_field``; with ``salesperson_field`` set, also by salesperson scope."""

    enterprise_field: str = "enterprise"
    #: Set for salesperson-owned data (CRM, personal libraries): non-admins see only their scope.
    salesperson_field: str | None = None
    #: Set for libraries with an enterprise part and personal parts: rows a salesperson creates
    #: are theirs ("mine"); rows admins create belong to the enterprise library.
    personal_owner_field: str | None = None

    def scoped_queryset(self, request) -> QuerySet:
        scope = scope_for_user(request.user)
        queryset = self.model._default_manager.all()
        if self.salesperson_field:
            return scope.filter_salespeople(
                queryset, field=self.salesperson_field, enterprise_field=self.enterprise_field
            )
        return scope.filter_enterprise(queryset, field=self.enterprise_field)

    def editable_queryset(self, request) -> QuerySet:
        """Rows the user may change or delete; override when some visible rows are read-only."""
        return self.scoped_queryset(request)

    def confine_form_choices(self, request, form) -> None:
        """Every model choice of the form stays inside the user's scope, so a posted id of another
        enterprise (or, for salespeople, another salesperson) is a form error, not a write."""
        scope = scope_for_user(request.user)
        for field in form.fields.values():
            choices = getattr(field, "queryset", None)
            if choices is None:
                continue
            if choices.model is Salesperson:
                field.queryset = choices.filter(pk__in=scope.salespeople().values("pk"))
            elif any(f.name == "enterprise" for f in choices.model._meta.get_fields()):
                field.queryset = scope.filter_enterprise(choices)

    def prepare_new_instance(self, request, instance) -> None:
        enterprise = enterprise_for_user(request.user)
        if enterprise is None and not request.user.is_superuser:
            raise PermissionDenied
        if enterprise is not None:
            setattr(instance, self.enterprise_field, enterprise)
        scope = scope_for_user(request.user)
        salesperson = getattr(request.user, "salesperson", None)
        if self.salesperson_field and salesperson is not None:
            if getattr(instance, f"{self.salesperson_field}_id", None) is None:
                setattr(instance, self.salesperson_field, salesperson)
        if self.personal_owner_field and salesperson is not None and not scope.sees_whole_enterprise:
            setattr(instance, self.personal_owner_field, salesperson)

    def get_queryset(self, request):
        return self.scoped_queryset(request)

    def construct_view(self, view_class, **kwargs):
        scoped_class = type(f"Scoped{view_class.__name__}", (ScopedViewMixin, view_class), {})
        return super().construct_view(scoped_class, scope_viewset=self, **kwargs)


class EnterpriseChooserViewSet(EnterpriseScopedViewSetMixin, SnippetChooserViewSet):
    """The chooser modal of a scoped snippet: only choosable rows of the user's scope."""

    def __init__(self, *args, parent_viewset=None, **kwargs):
        self.parent_viewset = parent_viewset
        super().__init__(*args, **kwargs)

    def scoped_queryset(self, request) -> QuerySet:
        return self.parent_viewset.scoped_queryset(request)


class EnterpriseSnippetViewSet(EnterpriseScopedViewSetMixin, SnippetViewSet):
    """A SnippetViewSet for a model with an ``enterprise`` foreign key."""

    chooser_viewset_class = EnterpriseChooserViewSet

    @property
    def chooser_viewset(self):
        return self.chooser_viewset_class(
            self.get_chooser_admin_url_namespace(),
            model=self.model,
            url_prefix=self.get_chooser_admin_base_path(),
            icon=self.icon,
            per_page=self.chooser_per_page,
            parent_viewset=self,
        )


def get_scoped_object_or_404(queryset: QuerySet, **lookup):
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


__all__ = [
    "EnterpriseChooserViewSet",
    "EnterpriseSnippetViewSet",
    "EnterpriseScopedViewSetMixin",
    "get_scoped_object_or_404",
]
