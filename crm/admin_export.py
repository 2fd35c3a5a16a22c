"""CRM export (CSV streamed, XLSX write-only) of leads/customers, through the user's scope.

A salesperson exports their own leads only, an admin the enterprise's; rows come from
:func:`crm.selectors.lead_queryset`, so the export can never hold more than the listing shows.
"""

from __future__ import annotations

import csv
import io
import re

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .admin_leads import _scope
from .models import Pool

COLUMNS = [
    ("id", "ID"),
    ("name", "Name"),
    ("phone", "Phone"),
    ("company", "Company"),
    ("pool", "Pool"),
    ("is_customer", "Customer"),
    ("salesperson", "Salesperson"),
    ("source", "Source"),
    ("tags", "Tags"),
    ("created_at", "Created"),
    ("updated_at", "Updated"),
]
MAX_ROWS = 100_000
_PHONE = re.compile(r"^\+?[\d\s-]+$")


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", _("CSV")), ("xlsx", _("Excel (XLSX)"))], initial="csv")
    pool = forms.ChoiceField(required=False, choices=[("", _("All pools")), *Pool.choices])
    customers = forms.ChoiceField(
        required=False,
        choices=[("", _("Leads and customers")), ("yes", _("Customers only")), ("no", _("Leads only"))],
    )


def safe_cell(value) -> str:
    """Text a spreadsheet will not run as a formula (CSV/XLSX injection); phone numbers stay as they are."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE.match(text):
        return "'" + text
    return text


def export_rows(queryset):
    """Header, then one list of cells per lead (tags prefetched: two queries per 2000 rows)."""
    yield [label for _name, label in COLUMNS]
    for lead in queryset.prefetch_related("tags").iterator(chunk_size=2000):
        yield [
            safe_cell(cell)
            for cell in (
                lead.pk,
                lead.name,
                lead.phone,
                lead.company,
                lead.get_pool_display(),
                "yes" if lead.is_customer else "no",
                lead.salesperson or "",
                lead.source,
                ", ".join(tag.name for tag in lead.tags.all()),
                timezone.localtime(lead.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(lead.updated_at).strftime("%Y-%m-%d %H:%M"),
            )
        ]


class _Echo:
    def write(self, value):
        return value


def lead_export_view(request: HttpRequest) -> HttpResponse:
    """GET without ``format``: the form; with it: the file (scope-filtered)."""
    scope = _scope(request)
    if "format" not in request.GET:
        return render(request, "crm/export.html", {"form": ExportForm()})
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "crm/export.html", {"form": form}, status=400)
    queryset = selectors.lead_queryset(scope=scope).order_by("pk")
    if form.cleaned_data["pool"]:
        queryset = queryset.filter(pool=form.cleaned_data["pool"])
    if form.cleaned_data["customers"]:
        queryset = queryset.filter(is_customer=form.cleaned_data["customers"] == "yes")
    queryset = queryset[:MAX_ROWS]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if form.cleaned_data["format"] == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            ("\ufeff" if n == 0 else "") + writer.writerow(row) for n, row in enumerate(export_rows(queryset))
        )
        response["Content-Type"] = "text/csv; charset=utf-8"
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Leads")
    for row in export_rows(queryset):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.xlsx"'
    return response
