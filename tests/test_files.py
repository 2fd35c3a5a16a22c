"""File library (FILE-1): checked uploads, personal and enterprise libraries, sharing, scoped admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.files.models import SalesFile
from cms.files.services import FileRejected, salesfile_create, salesfile_share_to_enterprise
from tests.factories import make_document, png_bytes

PDF = b"%PDF-1.4\n%fake but well-formed enough header\n"
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
URL = "/admin/snippets/salesfiles/salesfile/"


def test_document_image_and_video_are_stored_in_the_enterprise_collection(enterprise_a, salesperson_a):
    doc = salesfile_create(
        enterprise=enterprise_a,
        title="Brochure",
        kind="document",
        upload=SimpleUploadedFile("brochure.pdf", PDF),
    )
    image = salesfile_create(
        enterprise=enterprise_a,
        title="Photo",
        kind="image",
        owner=salesperson_a,
        upload=SimpleUploadedFile("p.png", png_bytes()),
    )
    video = salesfile_create(
        enterprise=enterprise_a, title="Demo", kind="video", upload=SimpleUploadedFile("demo.mp4", MP4)
    )
    assert doc.content_type == "application/pdf" and doc.document.collection == enterprise_a.collection
    assert image.content_type == "image/png" and image.image.collection == enterprise_a.collection
    assert image.is_personal and not doc.is_personal
    assert video.content_type == "video/mp4" and video.size == len(MP4)


def test_oversize_upload_is_refused_with_a_clear_error(enterprise_a, settings):
    settings.SALES_FILE_MAX_BYTES = {"document": 1024}
    with pytest.raises(FileRejected) as excinfo:
        salesfile_create(
            enterprise=enterprise_a,
            title="Big",
            kind="document",
            upload=SimpleUploadedFile("big.pdf", PDF + b"x" * 2000),
        )
    assert excinfo.value.code == "LIMIT"
    assert "big.pdf" in excinfo.value.message and "limit" in excinfo.value.message
    assert SalesFile.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "name", "content"),
    [
        ("document", "evil.pdf", b"MZ\x90\x00 windows executable"),
        ("document", "script.sh", b"#!/bin/sh\nrm -rf /"),
        ("image", "fake.png", PDF),
        ("video", "clip.mp4", png_bytes()),
        ("document", "empty.pdf", b""),
    ],
)
def test_wrong_type_upload_is_refused(enterprise_a, kind, name, content):
    with pytest.raises(FileRejected) as excinfo:
        salesfile_create(
            enterprise=enterprise_a, title="x", kind=kind, upload=SimpleUploadedFile(name, content)
        )
    assert excinfo.value.code == "VALIDATION" and excinfo.value.message
    assert SalesFile.objects.count() == 0


def test_sharing_a_personal_file_copies_it_to_the_enterprise_library_once(
    enterprise_a, salesperson_a, other_salesperson_a
):
    mine = salesfile_create(
        enterprise=enterprise_a,
        title="My deck",
        kind="document",
        owner=salesperson_a,
        upload=SimpleUploadedFile("deck.pdf", PDF),
    )
    shared = salesfile_share_to_enterprise(sales_file=mine, salesperson=salesperson_a)
    assert shared.owner is None and shared.document_id == mine.document_id and shared.shared_from == mine
    assert salesfile_share_to_enterprise(sales_file=mine, salesperson=salesperson_a) == shared
    with pytest.raises(FileRejected):
        salesfile_share_to_enterprise(sales_file=mine, salesperson=other_salesperson_a)


def test_chosen_stored_document_is_checked_too(enterprise_a):
    sales_file = SalesFile(
        enterprise=enterprise_a,
        title="Exe",
        kind="document",
        document=make_document(enterprise_a, "x", content=b"MZ\x90\x00binary"),
    )
    with pytest.raises(ValidationError) as excinfo:
        sales_file.full_clean()
    assert "document" in excinfo.value.message_dict


@pytest.fixture
def library(enterprise_a, enterprise_b, salesperson_a, other_salesperson_a):
    def make(title, owner=None, enterprise=enterprise_a):
        return salesfile_create(
            enterprise=enterprise,
            title=title,
            kind="document",
            owner=owner,
            upload=SimpleUploadedFile(f"{title}.pdf", PDF),
        )

    return {
        "shared": make("Company profile"),
        "mine": make("My notes", salesperson_a),
        "theirs": make("Colleague notes", other_salesperson_a),
        "beta": make("Beta catalogue", enterprise=enterprise_b),
    }


def test_admin_listing_and_edit_are_scoped(login, library, salesperson_a, admin_a, admin_b):
    client = login(salesperson_a.user)
    listing = client.get(URL).content.decode()
    assert "Company profile" in listing and "My notes" in listing
    assert "Colleague notes" not in listing and "Beta catalogue" not in listing
    assert client.get(f"{URL}edit/{library['mine'].pk}/").status_code == 200
    for key in ("shared", "theirs", "beta"):
        assert client.get(f"{URL}edit/{library[key].pk}/").status_code == 404
    admin_listing = login(admin_a).get(URL).content.decode()
    assert "Colleague notes" in admin_listing and "Beta catalogue" not in admin_listing
    assert login(admin_b).get(f"{URL}edit/{library['shared'].pk}/").status_code == 404


def test_admin_upload_refuses_wrong_type_with_a_field_error(login, salesperson_a, settings):
    client = login(salesperson_a.user)
    response = client.post(
        f"{URL}add/",
        {
            "title": "Evil",
            "kind": "document",
            "description": "",
            "upload": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 200
    assert "not an accepted document file" in response.content.decode()
    assert SalesFile.objects.count() == 0


def test_admin_upload_creates_a_personal_file_and_shares_it(login, salesperson_a):
    client = login(salesperson_a.user)
    response = client.post(
        f"{URL}add/",
        {
            "title": "Price list",
            "kind": "document",
            "description": "",
            "upload": SimpleUploadedFile("prices.pdf", PDF),
            "share_to_enterprise": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    personal = SalesFile.objects.get(title="Price list", owner=salesperson_a)
    assert personal.content_type == "application/pdf" and personal.size == len(PDF)
    assert SalesFile.objects.filter(shared_from=personal, owner__isnull=True).exists()


def test_admin_refuses_another_enterprises_document_posted_by_id(login, salesperson_a, enterprise_b):
    foreign = make_document(enterprise_b, "beta-secret", content=b"%PDF-1.4 secret")
    response = login(salesperson_a.user).post(
        f"{URL}add/",
        {
            "title": "Stolen",
            "kind": "document",
            "description": "",
            "document": foreign.pk,
        },
    )
    assert response.status_code == 200
    assert not SalesFile.objects.filter(title="Stolen").exists()


@pytest.mark.parametrize(
    "size, shown",
    [
        (0, "0 B"),
        (512, "512 B"),
        (2048, "2 KB"),
        (1_258_291, "1.2 MB"),
        (3 * 1024**3, "3.0 GB"),
    ],
)
def test_file_size_reads_in_human_units(size, shown):
    assert SalesFile(size=size).size_display == shown


def test_admin_listing_shows_file_sizes_in_human_units(login, admin_a, enterprise_a):
    SalesFile.objects.create(
        enterprise=enterprise_a,
        title="Catalogue",
        kind="document",
        size=1_258_291,
        document=make_document(enterprise_a, "catalogue"),
    )

    listing = login(admin_a).get(URL).content.decode()

    assert "1.2 MB" in listing and "1258291" not in listing
