"""The lead form builder: Wagtail's, plus a mainland China mobile phone field."""

from __future__ import annotations

import re

import django.forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import FormBuilder

from cms.formats import CN_MOBILE_RE as PHONE_RE  # noqa: F401 - importable here as before
from cms.formats import normalize_cn_mobile

#: Choices typed on one line are separated by commas: ASCII, full-width (，) or the enumeration
#: comma (、), as Chinese editors type them. Several lines: one choice per line (commas kept).
CHOICE_SEPARATORS = re.compile(r"[,，、]")


def choices_split(text: str) -> list[str]:
    """The choices of a choice field as the editor typed them; what the form renders and accepts."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in CHOICE_SEPARATORS.split(lines[0])]
    return list(dict.fromkeys(choice for choice in lines if choice))


class ChinaMobileField(django.forms.CharField):
    default_error_messages = {
        "invalid_phone": _("Enter a mainland China mobile number (11 digits starting with 1)."),
    }

    def to_python(self, value):
        return normalize_cn_mobile(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not PHONE_RE.match(value):
            raise ValidationError(self.error_messages["invalid_phone"], code="invalid_phone")


class LeadFormBuilder(FormBuilder):
    def create_phone_field(self, field, options):
        options["max_length"] = 20
        return ChinaMobileField(**options)

    def create_multiline_field(self, field, options):
        options["max_length"] = 2000
        return super().create_multiline_field(field, options)

    def get_formatted_field_choices(self, field):
        return [(choice, choice) for choice in choices_split(field.choices)]

    def get_formatted_field_initial(self, field):
        return choices_split(field.default_value)
