from __future__ import annotations

from django import forms

from cms.products.forms import EnterpriseChoicesForm
from enterprises.models import Salesperson


class CardForm(EnterpriseChoicesForm):
    """Chosen articles must be pages of the card's own enterprise site."""

    def clean(self):
        cleaned = super().clean()
        enterprise = self.instance.enterprise if self.instance.enterprise_id else None
        root = enterprise.site.root_page if enterprise else None
        articles = getattr(self, "formsets", {}).get("articles")
        if articles is not None and root is not None:
            for form in articles.forms:
                page = form.cleaned_data.get("page") if hasattr(form, "cleaned_data") else None
                if page is not None and not page.path.startswith(root.path):
                    form.add_error("page", "Choose an article of your enterprise.")
        return cleaned


class TemplateApplyForm(forms.Form):
    salespeople = forms.ModelMultipleChoiceField(
        queryset=Salesperson.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="Their intro, tags, custom content and products are replaced by the template's.",
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        people = Salesperson.objects.filter(enterprise=enterprise, is_active=True)
        self.fields["salespeople"].queryset = people
