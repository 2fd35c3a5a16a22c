"""Lead forms (FORM-1): Wagtail form pages whose submissions become leads."""

from wagtail.models import Page


class LeadFormPage(Page):
    """A lead form of an enterprise, built in the Wagtail editor."""

    class Meta:
        verbose_name = "lead form"
