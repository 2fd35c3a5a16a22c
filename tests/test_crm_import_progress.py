"""Import progress: counts are visible while the all-or-nothing import transaction is still open."""

from __future__ import annotations

import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import ImportJob, Lead


def _csv(rows: int) -> bytes:
    return ("name,phone\n" + "".join(f"Person {n},139{n:08d}\n" for n in range(rows))).encode()


@pytest.fixture
def shared_media(settings, monkeypatch):
    """The worker process must read the uploads from this test's media root (env is read at its start)."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


@pytest.mark.worker
def test_progress_is_polled_during_a_large_import_in_the_worker(shared_media, celery_worker, login, admin_a):
    # given an admin uploading 20000 rows; the real worker runs the import
    client = login(admin_a)
    response = client.post(
        reverse("crm_import"), {"file": SimpleUploadedFile("big.csv", _csv(20000), content_type="text/csv")}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    url = reverse("crm_import_progress", args=[job.pk])
    # when the status page polls
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = client.get(url).json()
        seen.append((progress["phase"], progress["processed"], Lead.objects.count()))
        if progress["finished"]:
            break
        time.sleep(0.05)
    # then it saw rows being imported while none were committed yet, and the end state
    assert progress["status"] == "done" and progress["processed"] == progress["total"] == 20000
    midway = [(p, n, leads) for p, n, leads in seen if p == "importing" and 0 < n < 20000]
    assert midway, seen[:20]
    assert all(leads == 0 for _p, _n, leads in midway)  # all-or-nothing: nothing visible mid-way
    assert Lead.objects.count() == 20000
    html = client.get(reverse("crm_import_status", args=[job.pk])).content.decode()
    assert 'id="import-progress"' in html and "20000" in html


def test_progress_endpoint_after_a_job_and_its_tenancy(login, admin_a, admin_b, salesperson_a, enterprise_a):
    job = ImportJob.objects.create(enterprise=enterprise_a, created_by=admin_a)
    job.file.save("leads.csv", ContentFile(_csv(3)))
    from crm.tasks import import_job_run

    import_job_run(job.pk)
    url = reverse("crm_import_progress", args=[job.pk])
    data = login(admin_a).get(url).json()
    assert data == {
        "status": "done",
        "phase": "done",
        "processed": 3,
        "total": 3,
        "imported": 3,
        "errors": 0,
        "finished": True,
    }
    assert login(admin_b).get(url).status_code == 404
    response = login(salesperson_a.user).get(url)
    assert response.status_code in (302, 403) and response.get("Location", "/admin/") == "/admin/"


def test_pending_job_page_polls(login, admin_a, enterprise_a):
    job = ImportJob.objects.create(enterprise=enterprise_a, created_by=admin_a)
    html = login(admin_a).get(reverse("crm_import_status", args=[job.pk])).content.decode()
    assert reverse("crm_import_progress", args=[job.pk]) in html and "fetch(" in html


def test_batched_import_keeps_upsert_rules(enterprise_a, salesperson_a):
    from crm import services

    unowned = Lead.objects.create(enterprise=enterprise_a, phone="13900000001", name="")
    owned = Lead.objects.create(enterprise=enterprise_a, phone="13900000002", name="Owned")
    services.lead_assign(lead=owned, salesperson=salesperson_a)
    by_unionid = Lead.objects.create(enterprise=enterprise_a, unionid="U9", name="Known")
    content = (
        b"name,phone,unionid,company\nFilled,13900000001,,Acme\nOther,13900000002,,\nX,13900000003,U9,\n"
    )
    imported, errors = services.leads_import(enterprise=enterprise_a, filename="a.csv", content=content)
    assert (imported, errors) == (3, [])
    unowned.refresh_from_db()
    by_unionid.refresh_from_db()
    assert (unowned.name, unowned.company) == ("Filled", "Acme")  # unowned lead with the phone: updated
    assert Lead.objects.filter(phone="13900000002").count() == 2  # an owned lead is never taken over
    assert (by_unionid.phone, by_unionid.name) == ("13900000003", "Known")
    assert Lead.objects.count() == 4


def test_duplicate_unionid_in_the_file_is_a_row_error(enterprise_a):
    from crm import services

    content = b"phone,unionid\n13900000001,U1\n13900000002,U1\n"
    imported, errors = services.leads_import(enterprise=enterprise_a, filename="a.csv", content=content)
    assert imported == 0 and errors == [
        {"row": 3, "field": "unionid", "message": "Duplicate unionid in the file."}
    ]
    assert not Lead.objects.exists()
