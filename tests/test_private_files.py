"""Issue 18, hole 1: private files are not public; and hole 7's last piece, file(id) in a share.

Written as the attacks: a CRM import and a salesperson's personal file were served to anyone under
``/media/``. Now their bytes live outside MEDIA_ROOT (``cms.storage``) and come only through views
that check who asks: the CRM import download (its enterprise's admins) and Wagtail's document view
with the ``before_serve_document`` hook (the owner's scope, or a signed URL the API hands a visitor
of that salesperson's share link).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cms.files.models import SalesFile
from cms.files.services import salesfile_create
from cms.storage import private_media_move, private_media_root
from crm.models import ImportJob
from tests.factories import make_document, make_salesperson
from trackers.share import share_token_for

PDF = b"%PDF-1.4\n% quote for 13912345678\n"
CSV = "name,phone\n张三,13912345678\n".encode()
FILE_QUERY = (
    "query File($id: ID!, $shareToken: String) { file(id: $id, shareToken: $shareToken) { id title url } }"
)
OPERATIONS = Path(__file__).resolve().parent.parent / "graphql" / "operations"
FILE_OPERATION = (OPERATIONS / "File.graphql").read_text()


def gql(client, enterprise, query, variables=None):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise.public_key,
    )
    assert response.status_code in (200, 400), response.content[:300]
    return response.json()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- CRM imports ---------------------------------------------------------------------------


@pytest.fixture
def import_job(admin_a, settings):
    """An import uploaded through the admin screen, as an enterprise admin does it."""
    response = logged_in(admin_a).post(
        reverse("crm_import"), {"file": SimpleUploadedFile("客户名单.csv", CSV, content_type="text/csv")}
    )
    assert response.status_code == 302
    return ImportJob.objects.get()


def test_an_import_is_stored_outside_media_under_a_random_name(import_job, settings):
    name = import_job.file.name
    assert name.startswith("crm/imports/") and "客户名单" not in name and name.endswith(".csv")
    assert len(Path(name).stem) >= 32  # 24 random bytes: not guessable
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert (private_media_root() / name).read_bytes() == CSV
    assert import_job.original_name == "客户名单.csv"


def test_anonymous_gets_nothing_at_the_old_or_the_new_address(client, import_job):
    for url in ("/media/crm/imports/客户名单.csv", f"/media/{import_job.file.name}"):
        assert client.get(url).status_code == 404, url
    guarded = client.get(reverse("crm_import_file", args=[import_job.pk]))
    assert guarded.status_code in (302, 403, 404)  # the admin's login redirect
    assert CSV not in body(guarded)


def test_other_enterprises_admin_and_a_salesperson_are_denied(import_job, admin_b, salesperson_a):
    url = reverse("crm_import_file", args=[import_job.pk])
    assert logged_in(admin_b).get(url).status_code == 404
    refused = logged_in(salesperson_a.user).get(url)  # Wagtail turns PermissionDenied into a redirect
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    assert CSV not in body(refused)


def test_the_enterprise_admin_downloads_it_with_safe_headers(import_job, admin_a):
    response = logged_in(admin_a).get(reverse("crm_import_file", args=[import_job.pk]))
    assert response.status_code == 200 and body(response) == CSV
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%AE%A2" in response["Content-Disposition"]  # the uploaded name
    assert response["X-Content-Type-Options"] == "nosniff"
    status_page = logged_in(admin_a).get(reverse("crm_import_status", args=[import_job.pk])).content.decode()
    assert reverse("crm_import_file", args=[import_job.pk]) in status_page  # the admin's download link


# --- personal sales files -------------------------------------------------------------------


@pytest.fixture
def personal(enterprise_a, salesperson_a):
    return salesfile_create(
        enterprise=enterprise_a,
        title="My quote",
        kind="document",
        owner=salesperson_a,
        upload=SimpleUploadedFile("quote.pdf", PDF),
    )


def test_personal_file_bytes_are_not_under_media(client, personal, settings):
    name = personal.document.file.name
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert (private_media_root() / name).read_bytes() == PDF
    assert client.get(f"/media/{name}").status_code == 404
    assert client.get("/media/documents/quote.pdf").status_code == 404


def test_anonymous_other_salesperson_and_other_enterprise_are_denied(
    client, personal, other_salesperson_a, admin_b
):
    url = personal.document.url
    assert url.startswith("/documents/")
    for who, answer in [
        ("anonymous", client.get(url)),
        ("another salesperson", logged_in(other_salesperson_a.user).get(url)),
        ("another enterprise's admin", logged_in(admin_b).get(url)),
    ]:
        assert answer.status_code == 404, who
        assert PDF not in body(answer), who


def test_owner_their_manager_and_admin_download_with_headers(enterprise_a, salesperson_a, admin_a):
    from enterprises import services
    from enterprises.models import Department

    root = Department.get_root_nodes().get(enterprise=enterprise_a)
    east = services.department_create(enterprise=enterprise_a, name="East", parent=root)
    boss = make_salesperson(enterprise_a, department=east)
    east.managers.add(boss.user)
    rep = make_salesperson(enterprise_a, department=east)
    quote = salesfile_create(
        enterprise=enterprise_a,
        title="Rep quote",
        kind="document",
        owner=rep,
        upload=SimpleUploadedFile("rep.pdf", PDF),
    )
    for who, user in [("owner", rep.user), ("manager", boss.user), ("admin", admin_a)]:
        response = logged_in(user).get(quote.document.url)
        assert response.status_code == 200, who
        assert body(response) == PDF
        assert response["Content-Disposition"].startswith("inline;")  # PDF: WAGTAILDOCS_INLINE_CONTENT_TYPES
        assert response["X-Content-Type-Options"] == "nosniff"
    # the manager's scope is the department subtree: a salesperson outside it is still denied
    assert logged_in(salesperson_a.user).get(quote.document.url).status_code == 404


def test_library_documents_stay_public_content(client, enterprise_a):
    library = SalesFile.objects.create(
        enterprise=enterprise_a, title="Brochure", document=make_document(enterprise_a, "brochure", b"public")
    )
    assert body(client.get(library.document.url)) == b"public"


def test_share_visitor_reads_the_file_by_id_and_downloads_it(client, enterprise_a, personal, salesperson_a):
    token = share_token_for(personal, salesperson_a)
    answer = gql(client, enterprise_a, FILE_OPERATION, {"id": str(personal.pk), "shareToken": token})
    assert "errors" not in answer, answer
    url = answer["data"]["file"]["url"]
    assert "/media/" not in url and "access=" in url
    response = Client().get(urlsplit(url).path + "?" + urlsplit(url).query)  # a fresh visitor
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"


def test_signed_url_works_only_for_its_document_and_expires(
    client, enterprise_a, personal, salesperson_a, settings
):
    other = salesfile_create(
        enterprise=enterprise_a,
        title="Other quote",
        kind="document",
        owner=salesperson_a,
        upload=SimpleUploadedFile("other.pdf", PDF + b"other"),
    )
    token = share_token_for(personal, salesperson_a)
    answer = gql(client, enterprise_a, FILE_QUERY, {"id": str(personal.pk), "shareToken": token})
    url = answer["data"]["file"]["url"]
    access = urlsplit(url).query
    assert client.get(f"{other.document.url}?{access}").status_code == 404  # moved onto another file
    assert client.get(f"{personal.document.url}?{access}x").status_code == 404  # tampered
    settings.PRIVATE_FILE_URL_MAX_AGE = -1
    assert client.get(f"{personal.document.url}?{access}").status_code == 404  # expired


def test_file_by_id_follows_the_list_in_the_share_context(
    client, enterprise_a, enterprise_b, personal, salesperson_a, other_salesperson_a, salesperson_b
):
    others = salesfile_create(
        enterprise=enterprise_a,
        title="ZZOTHER notes",
        kind="document",
        owner=other_salesperson_a,
        upload=SimpleUploadedFile("notes.pdf", PDF),
    )
    token = share_token_for(personal, salesperson_a)
    # without the share context (the defect the demo crawl listed): not found
    bare = gql(client, enterprise_a, FILE_QUERY, {"id": str(personal.pk)})
    assert bare["data"]["file"] is None and bare["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # with it: the salesperson's own file, by id and in the list
    own = gql(client, enterprise_a, FILE_QUERY, {"id": str(personal.pk), "shareToken": token})
    assert own["data"]["file"]["title"] == "My quote"
    listed = gql(
        client,
        enterprise_a,
        "query($t: String) { files(first: 50, shareToken: $t) { id title } }",
        {"t": token},
    )["data"]["files"]
    assert str(personal.pk) in {f["id"] for f in listed}
    assert "ZZOTHER" not in json.dumps(listed)
    # another salesperson's file stays hidden in this share, by id as in the list
    attack = gql(client, enterprise_a, FILE_QUERY, {"id": str(others.pk), "shareToken": token})
    assert attack["data"]["file"] is None and "ZZOTHER" not in json.dumps(attack)
    # a share token of another enterprise opens nothing here
    foreign_file = salesfile_create(
        enterprise=enterprise_b,
        title="B quote",
        kind="document",
        owner=salesperson_b,
        upload=SimpleUploadedFile("b.pdf", PDF),
    )
    foreign = share_token_for(foreign_file, salesperson_b)
    refused = gql(client, enterprise_a, FILE_QUERY, {"id": str(personal.pk), "shareToken": foreign})
    assert refused["data"]["file"] is None


def test_shared_into_the_library_it_becomes_public_content(client, personal, salesperson_a):
    from cms.files.services import salesfile_share_to_enterprise

    assert client.get(personal.document.url).status_code == 404
    salesfile_share_to_enterprise(sales_file=personal, salesperson=salesperson_a)
    assert body(client.get(personal.document.url)) == PDF


def test_files_stored_by_earlier_versions_are_moved_not_lost(client, enterprise_a, salesperson_a, settings):
    personal = salesfile_create(
        enterprise=enterprise_a,
        title="Old",
        kind="document",
        owner=salesperson_a,
        upload=SimpleUploadedFile("old.pdf", PDF),
    )
    name = personal.document.file.name
    public = Path(settings.MEDIA_ROOT) / name  # where the earlier version stored it
    public.parent.mkdir(parents=True, exist_ok=True)
    (private_media_root() / name).rename(public)
    legacy_import = Path(settings.MEDIA_ROOT) / "crm/imports/leads.csv"
    legacy_import.parent.mkdir(parents=True)
    legacy_import.write_bytes(CSV)

    moved = private_media_move()

    assert sorted(moved) == sorted([name, "crm/imports/leads.csv"])
    assert not public.exists() and not legacy_import.exists()
    assert (private_media_root() / "crm/imports/leads.csv").read_bytes() == CSV
    assert body(logged_in(salesperson_a.user).get(personal.document.url)) == PDF
    assert private_media_move() == []  # idempotent
