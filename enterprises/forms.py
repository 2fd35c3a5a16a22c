"""Admin forms whose choices never cross the enterprise boundary."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import services
from .models import Department


class DepartmentForm(WagtailAdminModelForm):
    """Creates under, or moves to, a chosen parent department of the same enterprise."""

    parent = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Leave empty to place it directly under the enterprise's top department."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        enterprise_id = instance.enterprise_id
        parents = Department.objects.filter(enterprise_id=enterprise_id)
        if instance.pk:
            parents = parents.exclude(path__startswith=instance.path)
            if instance.depth > 1:
                self.fields["parent"].initial = instance.get_parent()
            else:
                self.fields["parent"].disabled = True
        self.fields["parent"].queryset = parents
        if "managers" in self.fields:
            self.fields["managers"].queryset = get_user_model().objects.filter(
                membership__enterprise_id=enterprise_id
            )

    def save(self, commit: bool = True) -> Department:
        instance = self.instance
        parent = self.cleaned_data.get("parent")
        if instance.pk is None:
            created = services.department_create(
                enterprise=instance.enterprise, name=instance.name, parent=parent
            )
            self.instance = created
        else:
            instance.save()
            if parent is not None and instance.depth > 1 and parent.pk != instance.get_parent().pk:
                self.instance = services.department_move(department=instance, new_parent=parent)
        if "managers" in self.cleaned_data:
            self.instance.managers.set(self.cleaned_data["managers"])
        return self.instance

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        instance = self.instance
        if parent is not None and instance.pk and parent.path.startswith(instance.path):
            raise forms.ValidationError(_("A department cannot move under itself."))
        return parent


class SalespersonForm(WagtailAdminModelForm):
    """Department and avatar choices limited to the salesperson's enterprise."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "department" in self.fields:
            self.fields["department"].queryset = Department.objects.filter(
                enterprise_id=self.instance.enterprise_id
            )
