"""Wagtail admin viewsets whose every view is confined to the user's enterprise (and scope).

Snippet permissions in Django are global per model, so tenancy for our own models
is enforced here, once: listings, edit/delete/history/inspect views, choosers and
creation all go through :meth:`EnterpriseScopedViewSetMixin.scoped_queryset`.
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet, UniqueConstraint
from django.http import Http404
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.models import CreateView, IndexView, InspectView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Enterprise, Salesperson
from .selectors import enterprise_for_user, scope_for_user

READ_ONLY_VIEWS = (IndexView, InspectView, HistoryView, UsageView)


class TenantFormMixin:
    """Uniqueness per enterprise checked by the form even when the enterprise field is not on it.

    Django skips a unique constraint that names a field the form lacks, so a duplicate
    (say a second CRM tag ``General / VIP``) reached the database as an IntegrityError
    (HTTP 500). Here it is an error on the constraint's last field that the form shows.
    """

    tenant_field = "enterprise"

    def validate_unique(self):
        super().validate_unique()
        if self.tenant_field in self.fields:
            return  # platform staff: Django checks the constraint with the enterprise field
        instance = self.instance
        if getattr(instance, f"{self.tenant_field}_id", None) is None:
            return
        for fields, condition in _tenant_unique_sets(type(instance), self.tenant_field):
            shown = [name for name in fields if name in self.fields]
            if not shown or any(name in self._errors for name in shown):
                continue
            lookup = {name: getattr(instance, instance._meta.get_field(name).attname) for name in fields}
            clash = type(instance)._default_manager.filter(condition, **lookup)
            if instance.pk is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                others = tuple(name for name in fields if name != self.tenant_field)
                self.add_error(shown[-1], instance.unique_error_message(type(instance), others))


def _tenant_unique_sets(model, tenant_field: str) -> list[tuple[tuple[str, ...], Q]]:
    """The model's unique field sets that include the enterprise field (with their condition)."""
    sets = [(tuple(fields), Q()) for fields in model._meta.unique_together if tenant_field in fields]
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and tenant_field in (constraint.fields or ()):
            sets.append((tuple(constraint.fields), constraint.condition or Q()))
    return sets


@cache
def tenant_form_class(form_class: type, tenant_field: str) -> type:
    """``form_class`` with :class:`TenantFormMixin` (one class per form, built once)."""
    return type(f"Tenant{form_class.__name__}", (TenantFormMixin, form_class), {"tenant_field": tenant_field})


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

    # listing rows and inspect pages link to edit/delete only where those views would open
    def get_edit_url(self, *args):
        return self._if_editable(super().get_edit_url(*args), args)

    def get_delete_url(self, *args):
        return self._if_editable(super().get_delete_url(*args), args)

    def get_copy_url(self, *args):
        return self._if_editable(super().get_copy_url(*args), args)

    def _if_editable(self, url, args):
        instance = args[0] if args else getattr(self, "object", None)
        if url is None or instance is None or getattr(instance, "pk", None) is None:
            return url
        if type(self.scope_viewset).editable_queryset is EnterpriseScopedViewSetMixin.editable_queryset:
            return url  # every visible row is editable
        if not hasattr(self, "_editable_pks"):
            editable = self.scope_viewset.editable_queryset(self.request)
            self._editable_pks = set(editable.values_list("pk", flat=True))
        return url if instance.pk in self._editable_pks else None

    def get_form_class(self):
        return tenant_form_class(super().get_form_class(), self.scope_viewset.enterprise_field)

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
        enterprise (or, for salespeople, another salesperson) is a form error, not a write.

        The enterprise itself is never chosen by an enterprise user: the field leaves the form
        (a posted value is ignored) and the row keeps the enterprise set by
        :meth:`prepare_new_instance` or the one it already has.
        """
        scope = scope_for_user(request.user)
        if not scope.is_platform:
            form.fields.pop(self.enterprise_field, None)
        for field in form.fields.values():
            choices = getattr(field, "queryset", None)
            if choices is None:
                continue
            if choices.model is Enterprise:
                field.queryset = choices if scope.is_platform else choices.filter(pk=scope.enterprise_id)
            elif choices.model is Salesperson:
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if type(self).editable_queryset is not EnterpriseScopedViewSetMixin.editable_queryset:
            # some rows are visible but read-only (shared library items, a colleague's card):
            # their listing row links to the read-only inspect view instead of an edit view
            # that would answer 404
            self.inspect_view_enabled = True

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
