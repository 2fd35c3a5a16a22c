"""Tenancy matrix: a salesperson never reads or changes another's CRM rows in the admin; B never sees A."""

from __future__ import annotations

import pytest

from crm import selectors, services
from crm.models import Collision, FollowUp, Lead, Task
from enterprises.selectors import scope_for_user

MODELS = ["lead", "followup", "task"]


@pytest.fixture
def rows(enterprise_a, enterprise_b, salesperson_a, other_salesperson_a, salesperson_b):
    """One lead, follow-up and task per salesperson."""
    out = {}
    for sp in (salesperson_a, other_salesperson_a, salesperson_b):
        lead = Lead.objects.create(
            enterprise=sp.enterprise, name=f"lead-of-{sp.user.username}", phone="13800000001"
        )
        services.lead_assign(lead=lead, salesperson=sp)
        followup = services.followup_create(lead=lead, salesperson=sp, content=f"fu-of-{sp.user.username}")
        task = services.task_issue(
            enterprise=sp.enterprise, title=f"task-of-{sp.user.username}", assignees=[sp]
        )[0]
        out[sp.pk] = {"lead": lead, "followup": followup, "task": task}
    return out


@pytest.mark.parametrize("model", MODELS)
def test_salesperson_sees_only_own_rows_in_listing(
    login, rows, salesperson_a, other_salesperson_a, salesperson_b, model
):
    client = login(salesperson_a.user)
    response = client.get(f"/admin/snippets/crm/{model}/")
    assert response.status_code == 200
    ids = {obj.pk for obj in response.context["object_list"]}
    assert ids == {rows[salesperson_a.pk][model].pk}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("owner", ["other_salesperson_a", "salesperson_b"])
def test_salesperson_cannot_open_edit_or_delete_anothers_row(
    request, login, rows, salesperson_a, model, owner
):
    row = rows[request.getfixturevalue(owner).pk][model]
    client = login(salesperson_a.user)
    base = f"/admin/snippets/crm/{model}"
    assert client.get(f"{base}/edit/{row.pk}/").status_code == 404
    assert (
        client.post(
            f"{base}/edit/{row.pk}/", {"title": "hijack", "name": "hijack", "content": "x"}
        ).status_code
        == 404
    )
    assert client.post(f"{base}/delete/{row.pk}/").status_code in (403, 404)
    assert type(row).objects.filter(pk=row.pk).exists()
    row.refresh_from_db()
    assert "hijack" not in str(row)


@pytest.mark.parametrize("model", MODELS)
def test_admin_sees_the_enterprise_and_not_the_other(
    login, rows, admin_a, salesperson_a, other_salesperson_a, salesperson_b, model
):
    client = login(admin_a)
    ids = {obj.pk for obj in client.get(f"/admin/snippets/crm/{model}/").context["object_list"]}
    assert ids == {rows[salesperson_a.pk][model].pk, rows[other_salesperson_a.pk][model].pk}
    assert (
        client.get(f"/admin/snippets/crm/{model}/edit/{rows[salesperson_b.pk][model].pk}/").status_code == 404
    )


def test_followup_on_anothers_lead_is_refused(login, rows, salesperson_a, other_salesperson_a, salesperson_b):
    client = login(salesperson_a.user)
    for owner in (other_salesperson_a, salesperson_b):
        before = FollowUp.objects.count()
        response = client.post(
            "/admin/snippets/crm/followup/add/",
            {"lead": rows[owner.pk]["lead"].pk, "status": "contacted", "content": "sneaky"},
        )
        assert response.status_code == 200  # the form again, with an error
        assert FollowUp.objects.count() == before
    response = client.post(
        "/admin/snippets/crm/followup/add/",
        {"lead": rows[salesperson_a.pk]["lead"].pk, "status": "contacted", "content": "mine"},
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(content="mine").salesperson == salesperson_a


def test_task_for_anothers_customer_is_refused(login, rows, admin_a, salesperson_a, salesperson_b):
    client = login(admin_a)
    before = Task.objects.count()
    response = client.post(
        "/admin/snippets/crm/task/add/",
        {
            "title": "t",
            "salesperson": salesperson_a.pk,
            "lead": rows[salesperson_b.pk]["lead"].pk,
            "status": "open",
        },
    )
    assert response.status_code == 200 and Task.objects.count() == before


def test_collision_list_is_for_admins_only(
    login, enterprise_a, salesperson_a, other_salesperson_a, admin_a, admin_b
):
    mine = services.lead_upsert(enterprise=enterprise_a, salesperson=salesperson_a, phone="13900000001")
    services.lead_upsert(enterprise=enterprise_a, salesperson=other_salesperson_a, phone="13900000001")
    collision = Collision.objects.get()
    assert collision.lead != mine or collision.other_lead == mine
    admin_ids = {c.pk for c in login(admin_a).get("/admin/snippets/crm/collision/").context["object_list"]}
    assert admin_ids == {collision.pk}
    assert selectors.collision_open_list(scope=scope_for_user(admin_b)).count() == 0
    assert selectors.collision_open_list(scope=scope_for_user(salesperson_a.user)).count() == 0


def test_selectors_matrix(rows, salesperson_a, other_salesperson_a, salesperson_b, admin_b):
    for viewer, owner in (
        (salesperson_a, other_salesperson_a),
        (salesperson_a, salesperson_b),
        (salesperson_b, salesperson_a),
    ):
        scope = scope_for_user(viewer.user)
        assert selectors.lead_get(scope=scope, lead_id=rows[owner.pk]["lead"].pk) is None
        assert not selectors.followup_queryset(scope=scope).filter(pk=rows[owner.pk]["followup"].pk).exists()
        assert not selectors.task_queryset(scope=scope).filter(pk=rows[owner.pk]["task"].pk).exists()
    assert set(selectors.lead_queryset(scope=scope_for_user(admin_b))) == {rows[salesperson_b.pk]["lead"]}


def _gql(client, query, variables=None):
    import json

    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
    )
    assert response.status_code in (200, 400), response.content[:300]
    return response.json()


MY_CUSTOMERS = "{ myCustomers { id name followUps { content } } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { id name } }"
MY_TASKS = "{ myTasks { id title } }"
WRITE = 'mutation($id: ID!) { writeFollowUp(customerId: $id, content: "hijack") { followUp { id } } }'
COMPLETE = "mutation($id: ID!) { completeTask(id: $id) { task { id status } } }"


def _codes(result):
    return [e["extensions"]["code"] for e in result.get("errors", [])]


def test_graphql_lists_only_own_rows(login, rows, salesperson_a):
    client = login(salesperson_a.user)
    customers = _gql(client, MY_CUSTOMERS)["data"]["myCustomers"]
    assert [c["id"] for c in customers] == [str(rows[salesperson_a.pk]["lead"].pk)]
    assert customers[0]["followUps"] == [{"content": "fu-of-sales-a"}]
    tasks = _gql(client, MY_TASKS)["data"]["myTasks"]
    assert [t["id"] for t in tasks] == [str(rows[salesperson_a.pk]["task"].pk)]


@pytest.mark.parametrize("owner", ["other_salesperson_a", "salesperson_b"])
def test_graphql_cannot_read_or_change_anothers_rows(request, login, rows, salesperson_a, owner):
    theirs = rows[request.getfixturevalue(owner).pk]
    client = login(salesperson_a.user)
    assert _codes(_gql(client, CUSTOMER, {"id": theirs["lead"].pk})) == ["NOT_FOUND"]
    assert _codes(_gql(client, WRITE, {"id": theirs["lead"].pk})) == ["NOT_FOUND"]
    assert _codes(_gql(client, COMPLETE, {"id": theirs["task"].pk})) == ["NOT_FOUND"]
    assert not FollowUp.objects.filter(content="hijack").exists()
    assert Task.objects.get(pk=theirs["task"].pk).status == Task.Status.OPEN


def test_graphql_write_follow_up_and_complete_own_task(login, rows, salesperson_a):
    mine = rows[salesperson_a.pk]
    client = login(salesperson_a.user)
    assert "errors" not in _gql(client, WRITE, {"id": mine["lead"].pk})
    assert FollowUp.objects.get(content="hijack").lead == mine["lead"]
    done = _gql(client, COMPLETE, {"id": mine["task"].pk})["data"]["completeTask"]["task"]
    assert done["status"] == "done"


def test_graphql_anonymous_and_junk(client, rows, login, salesperson_a):
    assert _codes(_gql(client, MY_CUSTOMERS)) == ["FORBIDDEN"]
    signed_in = login(salesperson_a.user)
    assert _codes(_gql(signed_in, CUSTOMER, {"id": "junk"})) == ["NOT_FOUND"]
    assert _codes(_gql(signed_in, '{ myCustomers(pool: "nope") { id } }')) == ["VALIDATION"]
    assert _codes(_gql(signed_in, "{ myCustomers(limit: 100000) { id } }")) == ["LIMIT"]
    assert _gql(signed_in, '{ myVisitors(order: "intent") { id } }')["data"]["myVisitors"] == []
