"""Admin forms that confine foreign-key choices to the editor's enterprise."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm

from enterprises.selectors import enterprise_for_user


class EnterpriseChoicesForm(WagtailAdminModelForm):
    """Limit every choice field whose model has an ``enterprise`` FK to the user's enterprise.

    Snippet forms list all rows of a related model by default; that would show (and accept)
    another enterprise's salespeople or products.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self, "for_user", None)
        enterprise = enterprise_for_user(user) if user is not None else None
        if enterprise is None and user is not None and user.is_superuser and self.instance.pk:
            enterprise = getattr(self.instance, "enterprise", None)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not hasattr(queryset.model, "enterprise_id"):
                continue
            field.queryset = queryset.filter(enterprise=enterprise) if enterprise else queryset.none()
