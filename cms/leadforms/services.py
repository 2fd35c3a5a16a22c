"""Writes for lead forms (FORM-2, FORM-3): validate per field, store, hand over to the CRM.

``form_submit`` is what the API and H5 call; Wagtail's own form view goes through
``form_submission_store`` too, so every submission runs the same hooks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from enterprises.models import Enterprise, Salesperson

from .forms import normalize_cn_mobile
from .models import FieldType, LeadFormPage, LeadFormSubmission
from .roles import FieldRole

#: Callables ``hook(submission)`` run after a submission is stored, inside its transaction.
#: The CRM appends its lead maker here in its AppConfig.ready() (FORM-3). Explicit, ordered.
FORM_SUBMITTED_HOOKS: list[Callable[[LeadFormSubmission], None]] = []

#: Stable error codes per field, whatever Django calls them internally.
ERROR_CODES = {
    "required": "REQUIRED",
    "max_length": "TOO_LONG",
    "invalid_phone": "INVALID_PHONE",
    "invalid_choice": "INVALID_CHOICE",
    "invalid_list": "INVALID_CHOICE",
    "max_digits": "INVALID_NUMBER",
    "max_decimal_places": "INVALID_NUMBER",
    "max_whole_digits": "INVALID_NUMBER",
}
INVALID_BY_TYPE = {
    FieldType.EMAIL: "INVALID_EMAIL",
    FieldType.NUMBER: "INVALID_NUMBER",
    FieldType.DATE: "INVALID_DATE",
    FieldType.PHONE: "INVALID_PHONE",
    FieldType.SINGLE_CHOICE: "INVALID_CHOICE",
    FieldType.MULTIPLE_CHOICE: "INVALID_CHOICE",
}


@dataclass
class FieldError:
    field: str
    code: str
    message: str


@dataclass
class SubmitResult:
    submission: LeadFormSubmission | None = None
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.submission is not None

    def errors_by_field(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.field, []).append(error.code)
        return grouped


def form_enterprise(form_page: LeadFormPage) -> Enterprise | None:
    """The enterprise whose site subtree holds the form page (one query)."""
    step = form_page.steplen
    ancestors = [form_page.path[:n] for n in range(step, len(form_page.path) + 1, step)]
    return Enterprise.objects.filter(site__root_page__path__in=ancestors).first()


def _coerce(data: Mapping, name: str, field_type: str):
    value = data.get(name)
    if field_type == FieldType.MULTIPLE_CHOICE:
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)[:100]  # junk for a scalar field: fails validation, does not crash
    return str(value)


@dataclass
class Contact:
    """The answers of a submission whose fields have a contact role (FORM-3)."""

    name: str = ""
    phone: str = ""
    email: str = ""
    company: str = ""
    job_title: str = ""


CONTACT_LIMITS = {"name": 80, "phone": 20, "email": 254, "company": 120, "job_title": 80}


def submission_contact(submission: LeadFormSubmission) -> Contact:
    """Name, phone, email, company and job title of a submission, by the roles of its form's fields.

    The first non-empty answer per role counts; a phone typed in a text field is normalized
    like the phone field type (+86, spaces and dashes removed).
    """
    data = submission.form_data or {}
    contact = Contact()
    for form_field in submission.page.specific.form_fields.all():
        role = form_field.effective_role
        if role == FieldRole.OTHER or getattr(contact, role):
            continue
        value = data.get(form_field.clean_name)
        if isinstance(value, list | tuple):
            value = "、".join(str(item) for item in value)
        value = str(value or "").strip()
        if role == FieldRole.PHONE:
            value = normalize_cn_mobile(value)
        setattr(contact, role, value[: CONTACT_LIMITS[role]])
    return contact


def form_submission_store(
    *,
    form_page: LeadFormPage,
    cleaned_data: Mapping,
    visitor=None,
    salesperson: Salesperson | None = None,
    enterprise: Enterprise | None = None,
) -> LeadFormSubmission:
    """Store validated data and run the hooks (one transaction: a failing hook stores nothing)."""
    enterprise = enterprise or form_enterprise(form_page)
    with transaction.atomic():
        submission = LeadFormSubmission.objects.create(
            page=form_page,
            enterprise=enterprise,
            visitor=visitor,
            salesperson=salesperson,
            form_data=json.loads(json.dumps(dict(cleaned_data), cls=DjangoJSONEncoder)),
        )
        for hook in FORM_SUBMITTED_HOOKS:
            hook(submission)
        if visitor is not None:
            contact = submission_contact(submission)
            if contact.phone or contact.name:
                from trackers.services import visitor_contact_learn

                visitor_contact_learn(visitor=visitor, phone=contact.phone, name=contact.name)
    return submission


def form_submit(
    *,
    form_page: LeadFormPage,
    data: Mapping,
    visitor=None,
    salesperson: Salesperson | None = None,
) -> SubmitResult:
    """Validate ``data`` (field clean name -> value) and store it, or return per-field errors."""
    enterprise = form_enterprise(form_page)
    if enterprise is None or not form_page.live:
        return SubmitResult(errors=[FieldError("__all__", "NOT_FOUND", "This form is not available.")])
    if visitor is not None and visitor.enterprise_id != enterprise.pk:
        return SubmitResult(errors=[FieldError("__all__", "FORBIDDEN", "Visitor of another enterprise.")])
    if salesperson is not None and salesperson.enterprise_id != enterprise.pk:
        salesperson = None  # a forged or stale attribution is dropped, the lead is kept
    if not isinstance(data, Mapping):
        data = {}
    fields = list(form_page.get_form_fields())
    types = {f.clean_name: f.field_type for f in fields}
    form_class = form_page.get_form_class()
    form = form_class(data={name: _coerce(data, name, kind) for name, kind in types.items()})
    if not form.is_valid():
        errors = []
        for name, field_errors in form.errors.as_data().items():
            for error in field_errors:
                code = ERROR_CODES.get(error.code or "")
                if code is None:
                    code = INVALID_BY_TYPE.get(types.get(name), "INVALID")
                message = error.message % error.params if error.params else error.message
                errors.append(FieldError(name, code, str(message)))
        return SubmitResult(errors=errors)
    submission = form_submission_store(
        form_page=form_page,
        cleaned_data=form.cleaned_data,
        visitor=visitor,
        salesperson=salesperson,
        enterprise=enterprise,
    )
    return SubmitResult(submission=submission)


def leadform_create(
    *,
    enterprise: Enterprise,
    title: str,
    fields: list[dict],
    description: str = "",
    header_image=None,
    slug: str | None = None,
    owner=None,
) -> LeadFormPage:
    """A published lead form under the enterprise's site root (demo data, imports, tests).

    ``fields``: dicts with label, field_type and optional required, choices, help_text.
    """
    from django.utils.text import slugify

    from .models import LeadFormField

    page = LeadFormPage(
        title=title,
        slug=slug or slugify(title) or "form",
        description=description,
        header_image=header_image,
        owner=owner,
    )
    for order, spec in enumerate(fields):
        page.form_fields.add(LeadFormField(sort_order=order, **spec))
    enterprise.root_page.add_child(instance=page)
    page.save_revision(user=owner).publish()
    return page
