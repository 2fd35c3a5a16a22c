"""Lead pool: import (all-or-nothing), unionid merge, assignment fairness, FORM-3 hook."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from crm import services
from crm.models import ImportJob, Lead, Pool
from crm.services import CrmError
from tests.factories import make_salesperson


def test_import_with_bad_rows_reports_them_and_imports_nothing(enterprise_a):
    # given a CSV whose third and fourth data rows are broken
    content = (
        b"Full name,Mobile,company\n"
        b"Ann,13800000001,Acme\n"
        b"Bob,13800000002,\n"
        b"Cid,not-a-phone,\n"
        b",,\n"
        b"Dee,13800000001,\n"
    )
    # when imported with a column mapping
    imported, errors = services.leads_import(
        enterprise=enterprise_a,
        filename="leads.csv",
        content=content,
        mapping={"name": "Full name", "phone": "Mobile"},
    )
    # then every bad row is named and nothing is stored
    assert imported == 0
    assert {(e["row"], e["field"]) for e in errors} == {(4, "phone"), (5, "phone")}
    assert "Duplicate" in next(e["message"] for e in errors if e["row"] == 5)
    assert not Lead.objects.exists()


def test_import_xlsx_maps_columns_into_the_to_assign_pool(enterprise_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Phone", "Company"])
    sheet.append(["Ann", "13800000001", "Acme"])
    sheet.append(["Bob", 13800000002, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    imported, errors = services.leads_import(
        enterprise=enterprise_a, filename="x.xlsx", content=buffer.getvalue()
    )
    assert (imported, errors) == (2, [])
    ann = Lead.objects.get(phone="13800000001")
    assert (ann.name, ann.company, ann.pool, ann.enterprise) == ("Ann", "Acme", Pool.TO_ASSIGN, enterprise_a)


def test_import_junk_file_is_a_clear_error(enterprise_a):
    imported, errors = services.leads_import(enterprise=enterprise_a, filename="x.xlsx", content=b"\x00junk")
    assert imported == 0 and errors[0]["field"] == "file"


def test_import_job_records_status_and_counts(enterprise_a, admin_a):
    from django.core.files.base import ContentFile

    job = ImportJob.objects.create(enterprise=enterprise_a, created_by=admin_a)
    job.file.save("leads.csv", ContentFile(b"phone\n13800000001\n13800000002\n"))
    from crm.tasks import import_job_run

    assert import_job_run(job.pk) == "done"
    job.refresh_from_db()
    assert (job.total, job.processed, job.imported) == (2, 2, 2)
    assert import_job_run(job.pk) == "done"  # idempotent
    assert Lead.objects.count() == 2


def test_same_unionid_is_one_lead_kept_by_its_salesperson(enterprise_a, salesperson_a, other_salesperson_a):
    first = services.lead_upsert(
        enterprise=enterprise_a, salesperson=salesperson_a, unionid="u-1", name="Ann"
    )
    second = services.lead_upsert(
        enterprise=enterprise_a, salesperson=other_salesperson_a, unionid="u-1", phone="13800000009"
    )
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.salesperson == salesperson_a
    assert second.phone == "13800000009"
    assert Lead.objects.filter(unionid="u-1").count() == 1


def test_same_unionid_in_two_enterprises_are_two_leads(
    enterprise_a, enterprise_b, salesperson_a, salesperson_b
):
    a = services.lead_upsert(enterprise=enterprise_a, salesperson=salesperson_a, unionid="u-1")
    b = services.lead_upsert(enterprise=enterprise_b, salesperson=salesperson_b, unionid="u-1")
    assert a.pk != b.pk


def test_round_robin_is_fair(enterprise_a):
    people = [make_salesperson(enterprise_a) for _ in range(3)]
    leads = [Lead.objects.create(enterprise=enterprise_a, pool=Pool.TO_ASSIGN) for _ in range(10)]
    result = services.leads_assign_round_robin(leads=leads, salespeople=people)
    counts = sorted(list(result.values()).count(p.pk) for p in people)
    assert counts == [3, 3, 4]
    assert set(Lead.objects.values_list("pool", flat=True)) == {Pool.FOLLOWING}


def test_least_busy_fills_the_lightest_first(enterprise_a):
    busy, idle = make_salesperson(enterprise_a), make_salesperson(enterprise_a)
    for _ in range(3):
        services.lead_assign(lead=Lead.objects.create(enterprise=enterprise_a), salesperson=busy)
    leads = [Lead.objects.create(enterprise=enterprise_a) for _ in range(4)]
    result = services.leads_assign_least_busy(leads=leads, salespeople=[busy, idle])
    assert list(result.values()).count(idle.pk) == 3 and list(result.values()).count(busy.pk) == 1


def test_assign_to_another_enterprise_is_refused(enterprise_a, salesperson_b):
    lead = Lead.objects.create(enterprise=enterprise_a)
    with pytest.raises(CrmError) as exc:
        services.lead_assign(lead=lead, salesperson=salesperson_b)
    assert exc.value.code == "FORBIDDEN"


def test_release_then_cooldown_claim(enterprise_a, salesperson_a):
    lead = services.lead_assign(lead=Lead.objects.create(enterprise=enterprise_a), salesperson=salesperson_a)
    services.lead_release(lead=lead, reason="no answer")
    lead.refresh_from_db()
    assert (lead.salesperson, lead.pool) == (None, Pool.TO_ASSIGN)
    services.lead_claim(lead=lead, salesperson=salesperson_a)
    assert lead.salesperson == salesperson_a


def test_form_submission_becomes_a_following_lead_and_notifies(enterprise_a, salesperson_a):
    from cms.leadforms.services import form_submit, leadform_create
    from trackers.models import Notification, Visitor

    # given a live lead form and a visitor who came through salesperson A's share
    page = leadform_create(
        enterprise=enterprise_a,
        title="Get a quote",
        fields=[
            {"label": "Name", "field_type": "singleline", "required": True},
            {"label": "Mobile", "field_type": "phone", "required": True},
        ],
    )
    visitor = Visitor.objects.create(enterprise=enterprise_a, unionid="u-form")
    data = {"name": "Ann", "mobile": "13800138000"}
    # when the visitor submits it (the real hook list, no stubs)
    result = form_submit(form_page=page, data=data, visitor=visitor, salesperson=salesperson_a)
    # then the lead is A's, following, with the unionid and phone, and A is notified
    assert result.ok
    lead = Lead.objects.get()
    assert (lead.salesperson, lead.pool, lead.unionid, lead.visitor) == (
        salesperson_a,
        Pool.FOLLOWING,
        "u-form",
        visitor,
    )
    assert "13800138000" in lead.phone
    assert Notification.objects.filter(salesperson=salesperson_a, kind="form_submit").count() == 1
    # and a second submission updates the same lead
    assert form_submit(form_page=page, data=data, visitor=visitor, salesperson=salesperson_a).ok
    assert Lead.objects.count() == 1


def test_demo_seed_is_complete_and_idempotent(enterprise_a, admin_a, salesperson_a, other_salesperson_a):
    from crm import demo
    from crm.models import Collision, FollowUp, MarketingTask, Task
    from enterprises.demo import DemoContext

    context = DemoContext(
        enterprise=enterprise_a, admin=admin_a, salespeople=[salesperson_a, other_salesperson_a]
    )
    demo.seed_content(context)
    counts = [
        Lead.objects.filter(source="demo").count(),
        Lead.objects.filter(is_customer=True).count(),
        FollowUp.objects.count(),
        Collision.objects.count(),
        Task.objects.values("title").distinct().count(),
        MarketingTask.objects.count(),
    ]
    assert counts == [60, 20, 20, 1, 3, 1]
    assert set(Lead.objects.filter(source="demo").values_list("pool", flat=True)) == {
        Pool.POTENTIAL,
        Pool.TO_ASSIGN,
        Pool.FOLLOWING,
    }
    demo.seed_content(context)
    assert Lead.objects.count() == 62 and FollowUp.objects.count() == 20 and Task.objects.count() == 4


def test_admin_import_screen_reports_bad_rows_and_is_admins_only(
    login, admin_a, salesperson_a, admin_b, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # a salesperson may not import
    refused = login(salesperson_a.user).get("/admin/crm/import/")
    assert refused.status_code in (302, 403) and b"<form" not in refused.content
    client = login(admin_a)
    assert client.get("/admin/crm/import/").status_code == 200
    upload = SimpleUploadedFile("leads.csv", b"Mobile\n13800000001\nbad\n", content_type="text/csv")
    # eager in tests without a worker: the task runs on commit of the request
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/crm/import/", {"file": upload, "phone": "Mobile"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response.url)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.errors[0]["row"] == 3
    assert b"Nothing was imported" in page.content and not Lead.objects.exists()
    # another enterprise's admin cannot see the job
    assert login(admin_b).get(f"/admin/crm/import/{job.pk}/").status_code == 404
    # junk file type is a form error
    junk = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    assert client.post("/admin/crm/import/", {"file": junk}).status_code == 200


def test_admin_assign_screen_round_robin_and_tenancy(
    login, enterprise_a, enterprise_b, admin_a, salesperson_b
):
    people = [make_salesperson(enterprise_a) for _ in range(2)]
    leads = [Lead.objects.create(enterprise=enterprise_a, pool=Pool.TO_ASSIGN) for _ in range(4)]
    foreign = Lead.objects.create(enterprise=enterprise_b, pool=Pool.TO_ASSIGN)
    client = login(admin_a)
    page = client.get("/admin/crm/assign/")
    assert page.status_code == 200 and f'value="{foreign.pk}"'.encode() not in page.content
    response = client.post(
        "/admin/crm/assign/",
        {
            "lead": [x.pk for x in leads] + [foreign.pk],
            "salesperson": [p.pk for p in people] + [salesperson_b.pk],
        },
    )
    assert response.status_code == 302
    owners = list(Lead.objects.filter(enterprise=enterprise_a).values_list("salesperson_id", flat=True))
    assert sorted(owners.count(p.pk) for p in people) == [2, 2]
    foreign.refresh_from_db()
    assert foreign.salesperson is None


# --- issue 17: one person is one lead (CRM-1), claims are collisions, leads follow merges ----------


def _quote_form(enterprise):
    from cms.leadforms.services import leadform_create

    page = leadform_create(
        enterprise=enterprise,
        title="获取报价",
        fields=[
            {"label": "姓名", "field_type": "singleline", "required": True},
            {"label": "手机", "field_type": "phone", "required": True},
        ],
    )
    names = {f.label: f.clean_name for f in page.form_fields.all()}
    return page, (lambda name, phone: {names["姓名"]: name, names["手机"]: phone})


def test_identified_visitor_becomes_a_lead_in_the_pool(enterprise_a):
    from trackers.services import visitor_identify

    visitor = visitor_identify(enterprise=enterprise_a, unionid="u-pool", nickname="Wang")
    lead = Lead.objects.get()
    assert (lead.unionid, lead.visitor, lead.name, lead.salesperson, lead.pool) == (
        "u-pool",
        visitor,
        "Wang",
        None,
        Pool.POTENTIAL,
    )
    # a second login changes nothing
    visitor_identify(enterprise=enterprise_a, unionid="u-pool")
    assert Lead.objects.count() == 1


def test_unionid_learned_later_reaches_the_lead_and_a_second_salesperson_claim_is_a_collision(
    enterprise_a, salesperson_a, other_salesperson_a
):
    from cms.leadforms.services import form_submit
    from crm.models import Collision
    from trackers.models import Notification
    from trackers.services import visitor_identify

    page, answers = _quote_form(enterprise_a)
    # given an H5 visitor (no WeChat identity yet) who asked A for a quote
    anonymous = visitor_identify(enterprise=enterprise_a, device_id="device-h5-later")
    quote = answers("李雷", "13800138000")
    assert form_submit(form_page=page, data=quote, visitor=anonymous, salesperson=salesperson_a).ok
    lead = Lead.objects.get()
    assert (lead.salesperson, lead.phone, lead.unionid) == (salesperson_a, "13800138000", "")
    # when the same device later logs in to the mini-program
    person = visitor_identify(enterprise=enterprise_a, unionid="u-later", device_id="device-h5-later")
    # then the unionid reached the existing lead
    lead.refresh_from_db()
    assert (lead.unionid, lead.visitor_id) == ("u-later", person.pk)
    # when B's share brings the same person to the form again
    assert form_submit(form_page=page, data=quote, visitor=person, salesperson=other_salesperson_a).ok
    # then still one lead, kept by A, and B's claim is a collision both are told about
    assert Lead.objects.count() == 1
    lead.refresh_from_db()
    assert lead.salesperson == salesperson_a
    collision = Collision.objects.get(resolved_at__isnull=True)
    assert (collision.lead, collision.claimant, collision.other_lead) == (lead, other_salesperson_a, None)
    warned = set(Notification.objects.filter(kind="collision").values_list("salesperson_id", flat=True))
    assert warned == {salesperson_a.pk, other_salesperson_a.pk}
    # and the admin keeps it with A (or releases it, which resolves the claim)
    services.collision_resolve(collision=collision, keep=lead)
    lead.refresh_from_db()
    assert lead.salesperson == salesperson_a and Collision.objects.get().resolved_at is not None


def test_merged_visitor_lead_follows_to_the_person_and_its_timeline_shows_events(
    client, enterprise_a, salesperson_a, admin_a
):
    from cms.leadforms.services import form_submit
    from enterprises.selectors import scope_for_user
    from tests.tracking_factories import event, post_batch, token_for
    from trackers.selectors import visitor_timeline
    from trackers.services import visitor_identify

    page, answers = _quote_form(enterprise_a)
    # given a person known from the mini-program (their lead waits in the pool)
    person = visitor_identify(enterprise=enterprise_a, unionid="u-merge")
    # and an anonymous H5 device that read an article and asked A for a quote
    read = [event("open"), event("heartbeat", seconds=12)]
    post_batch(client, token_for(salesperson_a), read, device="device-merge-1")
    device = visitor_identify(enterprise=enterprise_a, device_id="device-merge-1")
    quote = answers("Ann", "13900139000")
    assert form_submit(form_page=page, data=quote, visitor=device, salesperson=salesperson_a).ok
    assert Lead.objects.count() == 2
    # when the person logs in on that device (the device is merged into the person)
    visitor_identify(enterprise=enterprise_a, unionid="u-merge", device_id="device-merge-1")
    # then one lead remains, kept by A, pointing at the surviving visitor
    lead = Lead.objects.get()
    assert (lead.visitor_id, lead.salesperson, lead.unionid, lead.phone) == (
        person.pk,
        salesperson_a,
        "u-merge",
        "13900139000",
    )
    # and its timeline shows the device's events
    timeline = visitor_timeline(scope=scope_for_user(admin_a), visitor=lead.visitor)
    assert {entry.type for entry in timeline} >= {"open", "heartbeat"}


def test_device_lead_older_than_the_person_lead_follows_the_merge_to_the_person(enterprise_a, salesperson_a):
    """Truth test seeds 3 and 5: the merged device's lead is the older one (kept), yet it must end
    on the surviving visitor, not on the merged device row."""
    from cms.leadforms.services import form_submit
    from trackers.services import visitor_identify

    page, answers = _quote_form(enterprise_a)
    # given an anonymous H5 device that asked A for a quote (A's lead, on that device's row)
    first = visitor_identify(enterprise=enterprise_a, device_id="device-older-1")
    assert form_submit(
        form_page=page, data=answers("韩梅梅", "13700137000"), visitor=first, salesperson=salesperson_a
    ).ok
    # when the person logs in on another device first (that row becomes the person, with its own lead)
    person = visitor_identify(enterprise=enterprise_a, unionid="u-older", device_id="device-older-2")
    assert Lead.objects.count() == 2
    # and then on the first device (merged into the person: the two leads become one)
    assert visitor_identify(enterprise=enterprise_a, unionid="u-older", device_id="device-older-1") == person
    # then one lead remains, A's, with the phone and the unionid, on the person's visitor row
    lead = Lead.objects.get()
    assert (lead.visitor_id, lead.salesperson, lead.unionid, lead.phone, lead.name) == (
        person.pk,
        salesperson_a,
        "u-older",
        "13700137000",
        "韩梅梅",
    )
