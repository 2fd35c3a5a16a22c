"""What a lead form field is for the CRM (FORM-3): name, phone, email, company, job title, other.

The role is chosen in the form builder; a field saved without one gets the role this module
guesses from its type and label (Chinese or English). Pure functions: the data migration that
set roles on existing fields imports :func:`role_default`, so it follows the same rule.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import pgettext_lazy


class FieldRole(models.TextChoices):
    NAME = "name", pgettext_lazy("field role", "Name")
    PHONE = "phone", pgettext_lazy("field role", "Phone")
    EMAIL = "email", pgettext_lazy("field role", "Email")
    COMPANY = "company", pgettext_lazy("field role", "Company")
    JOB_TITLE = "job_title", pgettext_lazy("field role", "Job title")
    OTHER = "other", pgettext_lazy("field role", "Other")


#: Checked in this order: "公司名称" / "company name" is a company, "联系人电话" a phone.
ROLE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (FieldRole.PHONE, ("手机", "电话", "联系方式", "phone", "mobile", "telephone", "tel", "cellphone")),
    (FieldRole.EMAIL, ("邮箱", "电子邮件", "邮件", "email", "e-mail", "mail")),
    (
        FieldRole.COMPANY,
        ("公司", "单位", "企业", "机构", "company", "organization", "organisation", "employer"),
    ),
    (FieldRole.JOB_TITLE, ("职位", "职务", "岗位", "头衔", "job", "title", "position")),
    (FieldRole.NAME, ("姓名", "名字", "称呼", "联系人", "name")),
]
#: Types whose label decides; a choice or date field is never a contact detail.
LABELLED_TYPES = {"singleline", "multiline", "number"}
BY_TYPE = {"phone": FieldRole.PHONE, "email": FieldRole.EMAIL}


def _mentions(label: str, word: str) -> bool:
    if word.isascii():  # English words as words: "Headphones" is not a phone
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", label) is not None
    return word in label


def role_default(field_type: str, label: str) -> str:
    """The role a field gets when none was chosen: its type, else words of its label."""
    if field_type in BY_TYPE:
        return BY_TYPE[field_type]
    if field_type not in LABELLED_TYPES:
        return FieldRole.OTHER
    text = (label or "").strip().lower()
    for role, words in ROLE_WORDS:
        if any(_mentions(text, word) for word in words):
            return role
    return FieldRole.OTHER
