from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.products.forms import EnterpriseChoicesForm
from enterprises.models import Salesperson


class CardForm(EnterpriseChoicesForm):
    """Choices confined to the enterprise; chosen articles must be pages of its own site."""

    def is_valid(self) -> bool:
        # Child formsets are validated after the parent's clean(), so check them here.
        valid = super().is_valid()
        articles = self.formsets.get("articles")
        if articles is None or not self.instance.enterprise_id:
            return valid
        root = self.instance.enterprise.site.root_page.path
        for form in articles.forms:
            page = getattr(form, "cleaned_data", {}).get("page")
            if page is not None and not page.path.startswith(root):
                form.add_error("page", "Choose an article of your enterprise.")
                valid = False
        return valid


class TemplateApplyForm(forms.Form):
    salespeople = forms.ModelMultipleChoiceField(
        queryset=Salesperson.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their intro, tags, custom content and products are replaced by the template's."),
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        people = Salesperson.objects.filter(enterprise=enterprise, is_active=True)
        self.fields["salespeople"].queryset = people
