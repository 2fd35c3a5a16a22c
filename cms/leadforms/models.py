"""Lead forms (FORM-1, FORM-2, FORM-4): Wagtail form pages whose submissions become leads.

Field types are a fixed list the mini-program and H5 know how to render; a mainland
China mobile phone type is added to Wagtail's form builder. Submissions remember the
visitor and the salesperson whose share brought them, for the CRM (FORM-3).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField, AbstractFormSubmission
from wagtail.fields import RichTextField

from cms.products.forms import EnterpriseFormPageForm

from .forms import LeadFormBuilder, choices_split
from .roles import FieldRole, role_default


def default_submit_label() -> str:
    """The button text a new form starts with, in the language of whoever creates it (简体中文 first)."""
    return gettext("Submit")


def default_thank_you_text() -> str:
    return gettext("Thank you, we will contact you soon.")


class FieldType(models.TextChoices):
    TEXT = "singleline", _("Text")
    PHONE = "phone", _("Mobile phone (mainland China)")
    EMAIL = "email", _("Email")
    NUMBER = "number", _("Number")
    SINGLE_CHOICE = "radio", _("Single choice")
    MULTIPLE_CHOICE = "checkboxes", _("Multiple choice")
    DATE = "date", _("Date")
    TEXTAREA = "multiline", _("Text area")


class LeadFormField(AbstractFormField):
    """One field of a lead form."""

    page = ParentalKey(
        "LeadFormPage", on_delete=models.CASCADE, related_name="form_fields", verbose_name=_("page")
    )
    field_type = models.CharField(_("field type"), max_length=16, choices=FieldType.choices)
    field_type.required_on_save = True
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=FieldRole.choices,
        blank=True,
        help_text=_(
            "What the answer is for the lead: name, phone, email, company or job title. "
            "Left empty, it is set from the field type and label when saved."
        ),
    )

    panels = [*AbstractFormField.panels, FieldPanel("role")]

    class Meta:
        verbose_name = _("lead form field")
        verbose_name_plural = _("lead form fields")

    def save(self, *args, **kwargs):
        if not self.role:
            self.role = role_default(self.field_type, self.label)
        super().save(*args, **kwargs)

    @property
    def effective_role(self) -> str:
        """The chosen role; a field of an unpublished revision may not have one yet."""
        return self.role or role_default(self.field_type, self.label)

    @property
    def choice_list(self) -> list[str]:
        """The choices as rendered and validated (commas, full-width commas, 、 or lines)."""
        return choices_split(self.choices)


class LeadFormPage(AbstractForm):
    """A lead form of an enterprise, built in the Wagtail editor."""

    header_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("header image"),
    )
    description = RichTextField(
        blank=True, features=["bold", "italic", "link", "ol", "ul"], verbose_name=_("description")
    )
    submit_label = models.CharField(
        max_length=30, default=default_submit_label, verbose_name=_("submit label")
    )
    thank_you_text = models.CharField(
        max_length=200, default=default_thank_you_text, verbose_name=_("thank you text")
    )

    form_builder = LeadFormBuilder
    base_form_class = EnterpriseFormPageForm

    content_panels = AbstractForm.content_panels + [
        FieldPanel("header_image"),
        FieldPanel("description"),
        InlinePanel("form_fields", label=_("Fields")),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("submit_label"), FieldPanel("thank_you_text")])],
            heading=_("After the fields"),
        ),
    ]

    class Meta:
        verbose_name = _("lead form")
        verbose_name_plural = _("lead forms")

    def get_submission_class(self):
        return LeadFormSubmission

    def process_form_submission(self, form):
        """Wagtail's own form view goes through the same service as the API."""
        from .services import form_submission_store

        return form_submission_store(form_page=self, cleaned_data=form.cleaned_data)


class LeadFormSubmission(AbstractFormSubmission):
    """A stored submission, attributed to the visitor and the sharing salesperson when known."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="form_submissions",
        verbose_name=_("enterprise"),
    )
    visitor = models.ForeignKey(
        "trackers.Visitor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="form_submissions",
        verbose_name=_("visitor"),
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="form_submissions",
        verbose_name=_("salesperson"),
    )

    class Meta:
        indexes = [models.Index(fields=["enterprise", "salesperson", "-submit_time"])]
        verbose_name = _("lead form submission")
        verbose_name_plural = _("lead form submissions")
