"""Departments (TEN-4): the organisation tree and department-scoped visibility."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises import services
from enterprises.models import Department, Role
from enterprises.selectors import department_ancestor_paths, scope_for_user
from tests.factories import make_member, make_salesperson


@pytest.fixture
def org(enterprise_a):
    """root ─┬─ east (manager: east_boss) ── shanghai (manager: sh_boss) ── pudong
    └─ north"""
    root = Department.get_root_nodes().get(enterprise=enterprise_a)
    east = services.department_create(enterprise=enterprise_a, name="East", parent=root)
    shanghai = services.department_create(enterprise=enterprise_a, name="Shanghai", parent=east)
    pudong = services.department_create(enterprise=enterprise_a, name="Pudong", parent=shanghai)
    north = services.department_create(enterprise=enterprise_a, name="North", parent=root)
    people = {
        "east_boss": make_salesperson(enterprise_a, department=east),
        "sh_boss": make_salesperson(enterprise_a, department=shanghai),
        "sh_rep": make_salesperson(enterprise_a, department=shanghai),
        "pd_rep": make_salesperson(enterprise_a, department=pudong),
        "north_rep": make_salesperson(enterprise_a, department=north),
    }
    east.managers.add(people["east_boss"].user)
    shanghai.managers.add(people["sh_boss"].user)
    return {"root": root, "east": east, "shanghai": shanghai, "pudong": pudong, "north": north, **people}


def visible(user) -> set[int]:
    return set(scope_for_user(user).salespeople().values_list("pk", flat=True))


def test_salesperson_sees_only_self(org):
    assert visible(org["sh_rep"].user) == {org["sh_rep"].pk}
    assert visible(org["north_rep"].user) == {org["north_rep"].pk}


def test_manager_sees_own_subtree_at_each_level(org):
    assert visible(org["east_boss"].user) == {org[k].pk for k in ("east_boss", "sh_boss", "sh_rep", "pd_rep")}
    assert visible(org["sh_boss"].user) == {org[k].pk for k in ("sh_boss", "sh_rep", "pd_rep")}


def test_manager_never_sees_sibling_department(org):
    assert org["north_rep"].pk not in visible(org["east_boss"].user)
    assert org["north_rep"].pk not in visible(org["sh_boss"].user)


def test_admin_sees_whole_enterprise_but_not_other_enterprise(org, admin_a, salesperson_b):
    seen = visible(admin_a)
    assert {org[k].pk for k in ("east_boss", "sh_rep", "pd_rep", "north_rep")} <= seen
    assert salesperson_b.pk not in seen


def test_moving_a_salesperson_changes_what_managers_see_at_once(org):
    services.salesperson_move(salesperson=org["north_rep"], department=org["pudong"])
    assert org["north_rep"].pk in visible(org["sh_boss"].user)
    services.salesperson_move(salesperson=org["north_rep"], department=org["north"])
    assert org["north_rep"].pk not in visible(org["sh_boss"].user)


def test_moving_a_department_moves_its_subtree_for_managers(org):
    services.department_move(department=org["shanghai"], new_parent=org["north"])
    assert visible(org["east_boss"].user) == {org["east_boss"].pk}
    north_boss = make_member(org["north"].enterprise, Role.SALESPERSON, department=org["north"])
    org["north"].managers.add(north_boss)
    assert {org["sh_rep"].pk, org["pd_rep"].pk} <= visible(north_boss)
    # the Shanghai manager's own view is unchanged by the move
    assert visible(org["sh_boss"].user) == {org[k].pk for k in ("sh_boss", "sh_rep", "pd_rep")}


def test_department_cannot_move_under_itself_or_into_other_enterprise(org, enterprise_b):
    with pytest.raises(ValueError):
        services.department_move(department=org["east"], new_parent=org["pudong"])
    root_b = Department.get_root_nodes().get(enterprise=enterprise_b)
    with pytest.raises(ValueError):
        services.department_move(department=org["east"], new_parent=root_b)


def test_delete_only_when_empty(org):
    with pytest.raises(services.DepartmentNotEmpty, match="sub-departments"):
        services.department_delete(department=org["east"])
    with pytest.raises(services.DepartmentNotEmpty, match="salespeople"):
        services.department_delete(department=org["pudong"])
    services.salesperson_move(salesperson=org["pd_rep"], department=org["shanghai"])
    services.department_delete(department=org["pudong"])
    assert not Department.objects.filter(pk=org["pudong"].pk).exists()


def test_scoping_query_count_does_not_grow_with_departments(org, enterprise_a):
    def count_queries(user) -> int:
        with CaptureQueriesContext(connection) as ctx:
            list(scope_for_user(user).salespeople().values_list("pk", flat=True))
        return len(ctx.captured_queries)

    before = count_queries(org["east_boss"].user)
    parent = org["pudong"]
    for i in range(15):
        parent = services.department_create(enterprise=enterprise_a, name=f"Level {i}", parent=parent)
        make_salesperson(enterprise_a, department=parent)
    after = count_queries(org["east_boss"].user)
    assert before == after <= 3
    assert len(visible(org["east_boss"].user)) == 4 + 15


def test_content_available_to_department_reaches_subdepartments_only(org, enterprise_a):
    """Content made available to a department is offered to that department and everything below it.

    ``department_available_q`` matches a content row's departments against the salesperson's
    department and its ancestors; applied here to the tree itself, it lists exactly the departments
    whose content each salesperson receives.
    """

    def receives_content_of(salesperson) -> set[str]:
        paths = department_ancestor_paths(salesperson.department)
        return set(Department.objects.filter(path__in=paths).values_list("name", flat=True))

    assert receives_content_of(org["pd_rep"]) == {"Alpha Co", "East", "Shanghai", "Pudong"}
    assert receives_content_of(org["sh_rep"]) == {"Alpha Co", "East", "Shanghai"}
    assert receives_content_of(org["east_boss"]) == {"Alpha Co", "East"}
    assert receives_content_of(org["north_rep"]) == {"Alpha Co", "North"}


# --- admin screens ------------------------------------------------------------------------


def test_admin_creates_and_moves_departments_in_wagtail(login, admin_a, org):
    client = login(admin_a)
    response = client.post(
        "/admin/snippets/enterprises/department/add/",
        {"name": "West", "parent": org["north"].pk},
    )
    assert response.status_code == 302, response.content[:2000]
    west = Department.objects.get(name="West")
    assert west.get_parent() == org["north"]

    response = client.post(
        f"/admin/snippets/enterprises/department/edit/{west.pk}/",
        {"name": "West", "parent": org["east"].pk},
    )
    assert response.status_code == 302
    west.refresh_from_db()
    assert west.get_parent() == org["east"]


def test_admin_delete_of_non_empty_department_is_refused_with_message(login, admin_a, org):
    client = login(admin_a)
    response = client.post(f"/admin/snippets/enterprises/department/delete/{org['east'].pk}/", follow=True)
    assert Department.objects.filter(pk=org["east"].pk).exists()
    assert "still has sub-departments" in response.content.decode()


def test_department_admin_is_confined_to_own_enterprise(login, admin_b, org):
    client = login(admin_b)
    listing = client.get("/admin/snippets/enterprises/department/")
    assert listing.status_code == 200
    assert b"Shanghai" not in listing.content
    assert client.get(f"/admin/snippets/enterprises/department/edit/{org['east'].pk}/").status_code == 404
    response = client.post(
        "/admin/snippets/enterprises/department/add/", {"name": "Sneaky", "parent": org["east"].pk}
    )
    assert response.status_code == 200  # form error: parent not a choice for enterprise B
    assert not Department.objects.filter(name="Sneaky").exists()


def test_salespeople_cannot_manage_departments(login, org):
    client = login(org["sh_boss"].user)
    assert client.get("/admin/snippets/enterprises/department/").status_code in (302, 403)


def test_salesperson_listing_is_scoped_by_department(login, org):
    client = login(org["sh_boss"].user)
    assert client.get("/admin/snippets/enterprises/salesperson/").status_code in (302, 403)
    admin_listing = login(make_member(org["east"].enterprise, Role.ADMIN)).get(
        "/admin/snippets/enterprises/salesperson/"
    )
    assert admin_listing.status_code == 200
    assert org["north_rep"].display_name.encode() in admin_listing.content


def test_query_plan_uses_one_statement(org):
    with CaptureQueriesContext(connection) as ctx:
        scope = scope_for_user(org["east_boss"].user)
    assert len(ctx.captured_queries) <= 2
    with CaptureQueriesContext(connection) as ctx:
        list(scope.salespeople())
    assert len(ctx.captured_queries) == 1


def test_scoped_admin_forms_refuse_choices_outside_the_scope(login, org):
    """A salesperson cannot assign a CRM task to a colleague by posting the colleague's id."""
    from crm.models import Task

    client = login(org["sh_rep"].user)
    response = client.post(
        "/admin/snippets/crm/task/add/",
        {"title": "Call back", "salesperson": org["north_rep"].pk, "status": "open"},
    )
    assert response.status_code == 200
    assert not Task.objects.filter(title="Call back").exists()
    response = client.post(
        "/admin/snippets/crm/task/add/",
        {"title": "Call back", "salesperson": org["sh_rep"].pk, "status": "open"},
    )
    assert response.status_code == 302
    assert Task.objects.get(title="Call back").salesperson == org["sh_rep"]
