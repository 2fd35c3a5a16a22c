"""Lead forms (FORM-1, FORM-2, FORM-4): per-field validation codes, stored submissions, hooks, export."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from cms.leadforms import services
from cms.leadforms.forms import normalize_cn_mobile
from cms.leadforms.models import LeadFormSubmission
from cms.leadforms.services import form_submit, leadform_create
from trackers.models import Visitor

FIELDS = [
    {"label": "Name", "field_type": "singleline", "required": True, "help_text": "<b>Your</b> name"},
    {"label": "Mobile", "field_type": "phone", "required": True},
    {"label": "Email", "field_type": "email", "required": False},
    {"label": "Team size", "field_type": "number", "required": False},
    {"label": "Plan", "field_type": "radio", "required": True, "choices": "Basic\nPro"},
    {"label": "Interests", "field_type": "checkboxes", "required": False, "choices": "Pumps,Valves"},
    {"label": "Visit date", "field_type": "date", "required": False},
    {"label": "Message", "field_type": "multiline", "required": False},
]
GOOD = {
    "name": "李雷",
    "mobile": "+86 138-0013-8000",
    "email": "li@example.com",
    "team_size": "12",
    "plan": "Pro",
    "interests": ["Pumps"],
    "visit_date": "2026-12-01",
    "message": "Call me",
}


@pytest.fixture
def form_page(enterprise_a):
    return leadform_create(enterprise=enterprise_a, title="Get a quote", fields=FIELDS)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "", "REQUIRED"),
        ("name", "x" * 300, "TOO_LONG"),
        ("mobile", "12345", "INVALID_PHONE"),
        ("mobile", "12012345678", "INVALID_PHONE"),
        ("mobile", "", "REQUIRED"),
        ("email", "not-an-email", "INVALID_EMAIL"),
        ("team_size", "twelve", "INVALID_NUMBER"),
        ("plan", "Gold", "INVALID_CHOICE"),
        ("plan", "", "REQUIRED"),
        ("interests", ["Pumps", "Rockets"], "INVALID_CHOICE"),
        ("visit_date", "31/31/2026", "INVALID_DATE"),
        ("message", "x" * 2001, "TOO_LONG"),
    ],
)
def test_each_field_type_reports_its_error_code(form_page, field, value, code):
    result = form_submit(form_page=form_page, data={**GOOD, field: value})
    assert not result.ok
    assert result.errors_by_field() == {field: [code]}
    assert LeadFormSubmission.objects.count() == 0


def test_junk_input_gives_errors_not_crashes(form_page):
    result = form_submit(form_page=form_page, data={"name": {"$gt": ""}, "mobile": ["1"], "plan": None})
    assert set(result.errors_by_field()) >= {"mobile", "plan"}
    assert form_submit(form_page=form_page, data="junk").errors  # type: ignore[arg-type]


def test_valid_submission_is_stored_with_attribution_and_runs_hooks(
    form_page, enterprise_a, salesperson_a, salesperson_b, monkeypatch
):
    seen = []
    monkeypatch.setattr(services, "FORM_SUBMITTED_HOOKS", [seen.append])
    visitor = Visitor.objects.create(enterprise=enterprise_a, device_id="dev-1")
    result = form_submit(form_page=form_page, data=GOOD, visitor=visitor, salesperson=salesperson_a)
    assert result.ok and seen == [result.submission]
    stored = result.submission.get_data()
    assert stored["mobile"] == "13800138000" and stored["interests"] == ["Pumps"]
    assert stored["visit_date"] == "2026-12-01" and stored["team_size"] == "12"
    assert result.submission.enterprise == enterprise_a and result.submission.salesperson == salesperson_a
    # an attribution to another enterprise's salesperson is dropped, the lead kept
    other = form_submit(form_page=form_page, data=GOOD, salesperson=salesperson_b)
    assert other.ok and other.submission.salesperson is None


def test_failing_hook_stores_nothing(form_page, monkeypatch):
    def broken(submission):
        raise RuntimeError("crm down")

    monkeypatch.setattr(services, "FORM_SUBMITTED_HOOKS", [broken])
    with pytest.raises(RuntimeError):
        form_submit(form_page=form_page, data=GOOD)
    assert LeadFormSubmission.objects.count() == 0


def test_visitor_of_another_enterprise_is_refused(form_page, enterprise_b):
    visitor = Visitor.objects.create(enterprise=enterprise_b, device_id="dev-b")
    result = form_submit(form_page=form_page, data=GOOD, visitor=visitor)
    assert result.errors_by_field() == {"__all__": ["FORBIDDEN"]}


def test_phone_normalization():
    assert normalize_cn_mobile("0086 13912345678") == "13912345678"
    assert normalize_cn_mobile("139 1234 5678") == "13912345678"


def test_help_text_is_escaped(form_page):
    form = form_page.get_form()
    assert str(form.fields["name"].help_text) == "&lt;b&gt;Your&lt;/b&gt; name"


def _submit_many(form_page, n):
    for i in range(n):
        assert form_submit(form_page=form_page, data={**GOOD, "name": f"客户{i}"}).ok


def test_admin_exports_open_with_the_right_rows(login, admin_a, form_page):
    _submit_many(form_page, 3)
    client = login(admin_a)
    url = f"/admin/forms/submissions/{form_page.pk}/"
    listing = client.get(url)
    assert listing.status_code == 200 and "客户2" in listing.content.decode()
    xlsx = client.get(url, {"export": "xlsx"})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 4 and "Mobile" in rows[0]
    assert sorted(r[rows[0].index("Name")] for r in rows[1:]) == ["客户0", "客户1", "客户2"]
    csv_response = client.get(url, {"export": "csv"})
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 4


def test_other_enterprise_cannot_see_or_export_submissions(login, admin_b, salesperson_a, form_page):
    _submit_many(form_page, 1)
    url = f"/admin/forms/submissions/{form_page.pk}/"
    for user in (admin_b, salesperson_a.user):
        response = login(user).get(url, {"export": "xlsx"})
        assert response.status_code in (302, 403, 404)
        assert "forms" not in response.get("Content-Disposition", "")
    assert "Get a quote" not in login(admin_b).get("/admin/forms/").content.decode()


def test_wagtail_form_view_goes_through_the_same_service(client, form_page, monkeypatch, settings):
    settings.ALLOWED_HOSTS = ["alpha.test"]
    seen = []
    monkeypatch.setattr(services, "FORM_SUBMITTED_HOOKS", [seen.append])
    assert "<b>" not in client.get(form_page.url, HTTP_HOST="alpha.test").content.decode()
    response = client.post(form_page.url, {**GOOD, "interests": "Pumps"}, HTTP_HOST="alpha.test")
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert len(seen) == 1 and seen[0].enterprise_id == form_page.get_site().enterprise.pk


def test_editor_opens_and_refuses_foreign_header_image(login, admin_a, form_page, enterprise_b):
    from tests.factories import make_image

    client = login(admin_a)
    assert client.get(f"/admin/pages/{form_page.pk}/edit/").status_code == 200
    form = client.get(f"/admin/pages/{form_page.pk}/edit/").context["form"]
    assert not form.fields["header_image"].queryset.filter(pk=make_image(enterprise_b, "b").pk).exists()


def test_other_enterprise_and_salespeople_cannot_edit_the_form(login, admin_b, salesperson_a, form_page):
    for user in (admin_b, salesperson_a.user):
        response = login(user).get(f"/admin/pages/{form_page.pk}/edit/")
        assert response.status_code in (302, 403, 404)
        response = login(user).post(f"/admin/pages/{form_page.pk}/edit/", {"title": "hacked"})
        assert response.status_code in (302, 403, 404)
    form_page.refresh_from_db()
    assert form_page.title == "Get a quote"


# --- issue 16/17: choices typed with commas, field roles (FORM-3) ----------------------------------


@pytest.mark.parametrize(
    "typed",
    ["水泵,阀门,风机", "水泵，阀门，风机", "水泵、阀门、风机", "水泵\n阀门\n风机", " 水泵 , 阀门，风机 "],
)
def test_choices_typed_with_commas_render_and_submit(enterprise_a, client, typed):
    # given a choice field typed as the help text says (the exact input first)
    page = leadform_create(
        enterprise=enterprise_a,
        title="Interest",
        fields=[{"label": "感兴趣的产品", "field_type": "checkboxes", "required": True, "choices": typed}],
    )
    field = page.form_fields.get()
    # then the API shows three options
    import json

    response = client.post(
        "/graphql/",
        data=json.dumps(
            {
                "query": "query($id: ID!) { form(id: $id) { fields { name choices } } }",
                "variables": {"id": page.pk},
            }
        ),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key,
    )
    assert response.json()["data"]["form"]["fields"] == [
        {"name": field.clean_name, "choices": ["水泵", "阀门", "风机"]}
    ]
    # and picking two of them is accepted
    result = form_submit(form_page=page, data={field.clean_name: ["阀门", "风机"]})
    assert result.ok, result.errors
    assert LeadFormSubmission.objects.get().form_data[field.clean_name] == ["阀门", "风机"]


def test_a_choice_line_keeps_its_commas_when_choices_are_on_lines():
    from cms.leadforms.forms import choices_split

    assert choices_split("北京，朝阳\n上海") == ["北京，朝阳", "上海"]
    assert choices_split("") == []


@pytest.mark.parametrize(
    ("field_type", "label", "role"),
    [
        ("singleline", "姓名", "name"),
        ("singleline", "您的称呼", "name"),
        ("singleline", "名字", "name"),
        ("singleline", "Full name", "name"),
        ("singleline", "手机", "phone"),
        ("singleline", "联系电话", "phone"),
        ("singleline", "联系方式", "phone"),
        ("number", "Mobile", "phone"),
        ("phone", "备用号码", "phone"),
        ("email", "Anything", "email"),
        ("singleline", "邮箱", "email"),
        ("singleline", "公司名称", "company"),
        ("singleline", "Company name", "company"),
        ("singleline", "工作单位", "company"),
        ("singleline", "职位", "job_title"),
        ("singleline", "Job title", "job_title"),
        ("singleline", "Headphones you own", "other"),
        ("singleline", "备注", "other"),
        ("radio", "姓名", "other"),
        ("date", "Phone day", "other"),
    ],
)
def test_field_role_defaults_from_type_and_label(field_type, label, role):
    from cms.leadforms.roles import role_default

    assert role_default(field_type, label) == role


def test_chosen_role_wins_and_saved_fields_get_a_role(form_page):
    from cms.leadforms.models import LeadFormField

    roles = dict(form_page.form_fields.values_list("label", "role"))
    assert (roles["Name"], roles["Mobile"], roles["Email"], roles["Plan"]) == (
        "name",
        "phone",
        "email",
        "other",
    )
    chosen = LeadFormField.objects.create(
        page=form_page, label="备注", field_type="singleline", role="company"
    )
    assert LeadFormField.objects.get(pk=chosen.pk).role == "company"


def test_data_migration_sets_roles_by_the_same_rule(form_page):
    import importlib

    from django.apps import apps

    from cms.leadforms.models import LeadFormField

    LeadFormField.objects.filter(page=form_page).update(role="")
    migration = importlib.import_module("cms.leadforms.migrations.0003_field_role")
    migration.roles_set(apps, None)
    roles = dict(form_page.form_fields.values_list("label", "role"))
    assert (roles["Name"], roles["Mobile"], roles["Message"]) == ("name", "phone", "other")


def test_chinese_labelled_form_gives_the_lead_and_the_visitor_name_and_phone(enterprise_a, salesperson_a):
    """FORM-3 with the demo's own 获取报价 form: keys like u624bu673a, found by their roles."""
    from cms.leadforms.demo import FORMS
    from crm.models import Lead

    title, slug, fields = FORMS[0]
    page = leadform_create(enterprise=enterprise_a, title=title, slug=slug, fields=fields)
    names = {f.label: f.clean_name for f in page.form_fields.all()}
    visitor = Visitor.objects.create(enterprise=enterprise_a, device_id="device-h5-quote")
    # when an H5 visitor of salesperson A submits it
    result = form_submit(
        form_page=page,
        data={names["姓名"]: "王小明", names["手机"]: "138 0013 8000", names["感兴趣的产品"]: ["阀门"]},
        visitor=visitor,
        salesperson=salesperson_a,
    )
    assert result.ok, result.errors
    # then the lead has the name and phone, and so does the visitor
    lead = Lead.objects.get()
    assert (lead.name, lead.phone, lead.salesperson, lead.visitor) == (
        "王小明",
        "13800138000",
        salesperson_a,
        visitor,
    )
    visitor.refresh_from_db()
    assert (visitor.nickname, visitor.phone) == ("王小明", "13800138000")


@pytest.mark.django_db  # a new page looks up its content type
def test_a_new_form_starts_with_texts_in_its_creators_language():
    from django.utils import translation

    from cms.leadforms.models import LeadFormPage

    with translation.override("zh-hans"):
        form = LeadFormPage(title="报价")
    assert (form.submit_label, form.thank_you_text) == ("提交", "感谢您的提交，我们会尽快与您联系。")
    with translation.override("en"):
        assert LeadFormPage(title="Quote").submit_label == "Submit"
