"""CRM export (CSV/XLSX): scope matrix, filters, formula-safe cells."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm import services
from crm.admin_export import safe_cell
from crm.models import Lead, Tag


@pytest.fixture
def leads(enterprise_a, enterprise_b, salesperson_a, other_salesperson_a, salesperson_b):
    vip = Tag.objects.create(enterprise=enterprise_a, name="VIP")
    out = {}
    for key, sp in (("mine", salesperson_a), ("colleague", other_salesperson_a), ("b", salesperson_b)):
        lead = Lead.objects.create(enterprise=sp.enterprise, name=f"lead-{key}", phone="+8613800000000")
        services.lead_assign(lead=lead, salesperson=sp)
        out[key] = lead
    out["mine"].tags.add(vip)
    services.lead_convert(lead=out["mine"])
    out["pool"] = Lead.objects.create(
        enterprise=enterprise_a, name='=HYPERLINK("http://x")', pool="to_assign"
    )
    return out


def _csv(response):
    assert response.status_code == 200, response.content[:300]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _names(rows):
    return sorted(row[1] for row in rows[1:])


@pytest.mark.parametrize(
    "who,expected",
    [
        ("salesperson_a", ["lead-mine"]),
        ("other_salesperson_a", ["lead-colleague"]),
        ("admin_a", ['\'=HYPERLINK("http://x")', "lead-colleague", "lead-mine"]),
        ("admin_b", ["lead-b"]),
    ],
)
def test_csv_export_is_scoped(request, login, leads, who, expected):
    user = request.getfixturevalue(who)
    rows = _csv(login(getattr(user, "user", user)).get(reverse("crm_export"), {"format": "csv"}))
    assert rows[0][:3] == ["ID", "Name", "Phone"]
    assert _names(rows) == expected


def test_xlsx_export_is_scoped_and_complete(login, leads, salesperson_a):
    response = login(salesperson_a.user).get(reverse("crm_export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Name"], row["Phone"], row["Customer"], row["Tags"]) == (
        "lead-mine",
        "+8613800000000",
        "yes",
        "VIP",
    )


def test_filters_pool_and_customers(login, leads, admin_a):
    client = login(admin_a)
    assert _names(_csv(client.get(reverse("crm_export"), {"format": "csv", "customers": "yes"}))) == [
        "lead-mine"
    ]
    rows = _csv(client.get(reverse("crm_export"), {"format": "csv", "pool": "to_assign"}))
    assert len(rows) == 2 and rows[1][1].startswith("'=")


def test_bad_parameters_are_a_form_error(login, leads, admin_a):
    response = login(admin_a).get(reverse("crm_export"), {"format": "pdf", "pool": "nowhere"})
    assert response.status_code == 400
    assert {"format", "pool"} <= set(response.context["form"].errors)


def test_form_page_and_anonymous(client, login, admin_a):
    assert login(admin_a).get(reverse("crm_export")).status_code == 200
    client.logout()
    response = client.get(reverse("crm_export"), {"format": "csv"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("+86 138-0000-0000") == "+86 138-0000-0000"
    assert safe_cell("-1+2") == "'-1+2"
    assert safe_cell(None) == "" and safe_cell(12) == "12"
