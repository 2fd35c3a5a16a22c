"""Sales scripts (FILE-3): grouped libraries, search, one-tap use counted, scoped admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cms.scripts.models import SalesScript, ScriptGroup
from cms.scripts.selectors import script_library
from cms.scripts.services import script_create, script_use


@pytest.fixture
def library(enterprise_a, salesperson_a, other_salesperson_a, salesperson_b):
    opening = ScriptGroup.objects.create(enterprise=enterprise_a, name="Opening lines")
    pricing = ScriptGroup.objects.create(enterprise=enterprise_a, name="Pricing")
    return {
        "shared": script_create(
            salesperson=salesperson_a,
            title="Hello",
            text="Hello, I am your advisor",
            group=opening,
            shared=True,
        ),
        "mine": script_create(salesperson=salesperson_a, title="Discount", text="10% off", group=pricing),
        "theirs": script_create(salesperson=other_salesperson_a, title="Secret pitch", text="my own words"),
        "other_enterprise": script_create(
            salesperson=salesperson_b, title="Beta hello", text="hi", shared=True
        ),
        "pricing": pricing,
    }


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_library_is_enterprise_scripts_plus_own(library, salesperson_a, other_salesperson_a):
    assert titles(script_library(salesperson=salesperson_a)) == {"Hello", "Discount"}
    assert titles(script_library(salesperson=other_salesperson_a)) == {"Hello", "Secret pitch"}
    assert titles(script_library(salesperson=salesperson_a, mine_only=True)) == {"Discount"}


def test_library_search_and_group_filter(library, salesperson_a):
    assert titles(script_library(salesperson=salesperson_a, search="advisor")) == {"Hello"}
    assert titles(script_library(salesperson=salesperson_a, group_id=library["pricing"].pk)) == {"Discount"}


def test_use_is_counted_and_confined_to_visible_scripts(library, salesperson_a):
    script_use(script_id=library["shared"].pk, salesperson=salesperson_a)
    script = script_use(script_id=library["shared"].pk, salesperson=salesperson_a)
    assert script.use_count == 2
    with pytest.raises(SalesScript.DoesNotExist):
        script_use(script_id=library["theirs"].pk, salesperson=salesperson_a)
    with pytest.raises(SalesScript.DoesNotExist):
        script_use(script_id=library["other_enterprise"].pk, salesperson=salesperson_a)


def test_empty_script_and_foreign_group_are_refused(library, salesperson_b):
    with pytest.raises(ValidationError) as excinfo:
        script_create(salesperson=salesperson_b, title="Empty", text="  ")
    assert "text" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        script_create(salesperson=salesperson_b, title="X", text="y", group=library["pricing"])
    assert "group" in excinfo.value.message_dict


URL = "/admin/snippets/salesscripts/salesscript/"


def test_admin_listing_is_scoped(login, library, salesperson_a, admin_b):
    listing = login(salesperson_a.user).get(URL).content.decode()
    assert "Hello" in listing and "Discount" in listing
    assert "Secret pitch" not in listing and "Beta hello" not in listing
    assert "Hello" not in login(admin_b).get(URL).content.decode().replace("Beta hello", "")


def test_salesperson_reads_shared_but_edits_only_own(login, library, salesperson_a):
    client = login(salesperson_a.user)
    assert client.get(f"{URL}edit/{library['mine'].pk}/").status_code == 200
    assert client.get(f"{URL}edit/{library['shared'].pk}/").status_code == 404
    assert client.get(f"{URL}edit/{library['theirs'].pk}/").status_code == 404
    assert client.post(f"{URL}delete/{library['shared'].pk}/").status_code == 404
    assert SalesScript.objects.filter(pk=library["shared"].pk).exists()


def test_salesperson_creates_own_script_in_admin(login, library, salesperson_a):
    response = login(salesperson_a.user).post(f"{URL}add/", {"title": "New line", "text": "Hi there"})
    assert response.status_code == 302
    created = SalesScript.objects.get(title="New line")
    assert created.enterprise_id == salesperson_a.enterprise_id
    assert created.owner == salesperson_a


def test_admin_of_b_cannot_open_a_script(login, library, admin_b):
    assert login(admin_b).get(f"{URL}edit/{library['shared'].pk}/").status_code == 404
