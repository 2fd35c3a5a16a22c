"""Bulk actions on the lead listing (Wagtail's bulk-action framework): assign to a salesperson, release.

Wagtail loads bulk-action rows by the posted ids without scoping; here every action narrows them to
the user's scope first (the enterprises before-hooks refuse out-of-scope ids as a whole as well).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from enterprises.models import Salesperson
from enterprises.selectors import scope_for_user

from . import selectors, services
from .models import Lead


class LeadBulkAction(SnippetBulkAction):
    models = [Lead]
    admins_only = False

    def dispatch(self, request, *args, **kwargs):
        if self.admins_only and not scope_for_user(request.user).sees_whole_enterprise:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_actionable_objects(self):
        scope = scope_for_user(self.request.user)
        ids = [x for x in self.request.GET.getlist("id") if x.isdigit()]
        queryset = selectors.lead_queryset(scope=scope)
        if "all" not in self.request.GET.getlist("id"):
            queryset = queryset.filter(pk__in=ids)
        return list(queryset.order_by("pk")[:1000]), {"items_with_no_access": []}


class AssignForm(forms.Form):
    salesperson = forms.ModelChoiceField(queryset=Salesperson.objects.none())


class AssignBulkAction(LeadBulkAction):
    """Admins: hand the selected leads to one salesperson of the enterprise."""

    display_name = "Assign"
    action_type = "assign"
    aria_label = "Assign the selected leads to a salesperson"
    template_name = "crm/bulk_assign.html"
    action_priority = 20
    form_class = AssignForm
    admins_only = True

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        scope = scope_for_user(self.request.user)
        people = scope.salespeople().filter(is_active=True).select_related("user")
        form.fields["salesperson"].queryset = people
        return form

    def get_execution_context(self):
        return {"salesperson": self.cleaned_form.cleaned_data["salesperson"]}

    @classmethod
    def execute_action(cls, objects, salesperson=None, **kwargs):
        for lead in objects:
            services.lead_assign(lead=lead, salesperson=salesperson)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects} leads assigned."


class ReleaseBulkAction(LeadBulkAction):
    """Back to the to-assign pool (a salesperson releases own leads; admins any of the enterprise)."""

    display_name = "Release to pool"
    action_type = "release"
    aria_label = "Release the selected leads to the pool"
    template_name = "crm/bulk_release.html"
    action_priority = 25

    @classmethod
    def execute_action(cls, objects, **kwargs):
        for lead in objects:
            services.lead_release(lead=lead, reason="bulk release")
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects} leads released to the pool."
