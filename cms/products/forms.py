"""Admin forms that confine choice fields to the editor's enterprise.

Model forms list (and accept) every row of a related model by default; a chooser widget
is only an id field, so without this another enterprise's salespeople, products, images
or documents could be referenced by posting their ids.
"""

from __future__ import annotations

from django.db.models import Q
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.contrib.forms.forms import WagtailAdminFormPageForm

from enterprises.selectors import enterprise_for_user


def _restrict(fields, enterprise, *, platform: bool) -> None:
    for field in fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        model = queryset.model
        if hasattr(model, "enterprise_id"):
            field.queryset = queryset.filter(enterprise=enterprise) if enterprise else queryset.none()
        elif hasattr(model, "collection_id") and not platform:
            if enterprise is None:
                field.queryset = queryset.none()
            else:
                root = enterprise.collection
                below = Q(collection__path__startswith=root.path, collection__depth__gt=root.depth)
                field.queryset = queryset.filter(Q(collection=root) | below)


def restrict_form_choices(form) -> None:
    """Apply the enterprise restriction to a form and its inline formsets' forms."""
    user = getattr(form, "for_user", None)
    enterprise = enterprise_for_user(user) if user is not None else None
    platform = bool(user is not None and user.is_superuser and enterprise is None)
    if platform and getattr(form.instance, "enterprise_id", None):
        enterprise, platform = form.instance.enterprise, False
    _restrict(form.fields, enterprise, platform=platform)
    for formset in getattr(form, "formsets", {}).values():
        for child in [*formset.forms, formset.empty_form]:
            _restrict(child.fields, enterprise, platform=platform)


class EnterpriseChoicesForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_choices(self)


class EnterpriseFormPageForm(WagtailAdminFormPageForm):
    """Lead form pages: the header image must be one of the enterprise's images."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_choices(self)
