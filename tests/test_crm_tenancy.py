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
