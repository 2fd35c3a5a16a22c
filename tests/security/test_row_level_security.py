"""PostgreSQL row-level security on the tracking and CRM tables (enterprises/rls.py).

The test database connects as the superuser ``postgres``, which bypasses RLS like the tables' owner
would; each test therefore creates a restricted role (NOSUPERUSER NOBYPASSRLS, the production app
role) and ``SET ROLE``s to it inside the test transaction, which rolls the role and grants back.
The policies themselves are the shipped ones, created by ``migrate`` (post_migrate).
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.urls import path

from crm.models import Lead
from enterprises import rls
from trackers.models import Visitor

pytestmark = pytest.mark.django_db
ROLE = "sce_rls_app"


def _all_leads(request):
    """A view that forgot its tenant filter: only the database's policy stands between tenants."""
    return JsonResponse({"leads": sorted(Lead.objects.values_list("name", flat=True))})


urlpatterns = [path("rls-probe/", _all_leads)]


@contextmanager
def restricted_role():
    """The session runs as a non-owner, non-superuser role for the block (production's app role)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if cursor.fetchone() is None:  # created once per test transaction, rolled back with it
            cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS")
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
        cursor.execute(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _names(sql="SELECT name FROM crm_lead ORDER BY name"):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def leads(enterprise_a, enterprise_b):
    Lead.objects.create(enterprise=enterprise_a, name="lead-of-a", phone="13900000001")
    Lead.objects.create(enterprise=enterprise_b, name="lead-of-b", phone="13900000002")
    Visitor.objects.create(enterprise=enterprise_a, device_id="dev-a")
    Visitor.objects.create(enterprise=enterprise_b, device_id="dev-b")


def test_every_enterprise_table_of_trackers_and_crm_has_the_policy():
    # Given the migrated database, when the catalog is read, then every trackers_/crm_ table with an
    # enterprise_id column (whatever migration added it) has RLS enabled and the tenant policy
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity,
                   EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = %s)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND (c.relname LIKE 'trackers\\_%%' OR c.relname LIKE 'crm\\_%%')
              AND EXISTS (SELECT 1 FROM information_schema.columns col
                          WHERE col.table_name = c.relname AND col.column_name = 'enterprise_id')
              AND NOT c.relispartition
            """,
            [rls.POLICY_NAME],
        )
        rows = cursor.fetchall()
    assert len(rows) >= 15, rows
    uncovered = [name for name, enabled, has_policy in rows if not (enabled and has_policy)]
    assert not uncovered, uncovered
    assert {"crm_lead", "trackers_visitor", "trackers_event"} <= {name for name, *_ in rows}


def test_policies_apply_is_idempotent_and_covers_new_tables():
    # When it runs twice (as after two migrates), then the same tables come back and nothing fails
    first = rls.policies_apply()
    assert first == rls.policies_apply()
    assert set(first) == set(rls.rls_tables()) & set(connection.introspection.table_names())


def test_raw_query_without_the_setting_sees_no_rows_with_it_only_that_enterprise(leads, enterprise_a):
    with restricted_role():
        # When a raw query runs with no app.enterprise_id, then it sees nothing
        assert _names() == []
        assert _names("SELECT device_id FROM trackers_visitor") == []
        # When the transaction sets A's id (SET LOCAL), then only A's rows
        with transaction.atomic():
            rls.tenant_set(enterprise_id=enterprise_a.pk)
            assert _names() == ["lead-of-a"]
            assert _names("SELECT device_id FROM trackers_visitor") == ["dev-a"]
    # and the owner/superuser connection still sees both (why production uses a non-owner role)
    assert sorted(_names()) == ["lead-of-a", "lead-of-b"]


def test_writes_into_another_enterprise_are_refused(leads, enterprise_a, enterprise_b):
    with restricted_role():
        with transaction.atomic():
            rls.tenant_set(enterprise_id=enterprise_a.pk)
            # When A's transaction tries to write a row for B, then the policy's WITH CHECK refuses it
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                Lead.objects.create(enterprise=enterprise_b, name="smuggled", phone="13900000003")
            # and B's rows cannot be updated (they are invisible: 0 rows)
            assert Lead.objects.filter(enterprise=enterprise_b).update(name="changed") == 0


def test_task_helpers_scope_and_audited_bypass(leads, enterprise_b, caplog):
    with restricted_role():
        with rls.enterprise_scope(enterprise_b.pk):
            assert list(Lead.objects.values_list("name", flat=True)) == ["lead-of-b"]
        with caplog.at_level(logging.INFO, logger="enterprises.rls"), rls.bypass("tracking drain test"):
            assert sorted(Lead.objects.values_list("name", flat=True)) == ["lead-of-a", "lead-of-b"]
        assert "RLS bypass: tracking drain test" in caplog.text
        with pytest.raises(ValueError):
            with rls.bypass(""):
                pass


@pytest.mark.urls(__name__)
def test_a_request_through_the_middleware_sees_only_its_enterprise(
    client, leads, enterprise_a, enterprise_b, admin_a, admin_b
):
    client.force_login(admin_a)
    with restricted_role():
        # When A's admin calls a view that forgot its tenant filter, then only A's lead comes back
        assert client.get("/rls-probe/").json() == {"leads": ["lead-of-a"]}
    client.force_login(admin_b)
    with restricted_role():
        assert client.get("/rls-probe/").json() == {"leads": ["lead-of-b"]}
        # a signed-in member sending another enterprise's key still gets their own enterprise's rows
        response = client.get("/rls-probe/", HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key)
        assert response.json() == {"leads": ["lead-of-b"]}
    client.logout()
    with restricted_role():
        # anonymous: the addressed enterprise (key), and nothing without one
        assert client.get("/rls-probe/", HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key).json() == {
            "leads": ["lead-of-a"]
        }


def test_graphql_customers_through_the_middleware_under_the_restricted_role(
    client, enterprise_a, enterprise_b, salesperson_a, admin_a
):
    # Given a customer of A's salesperson and one of B
    from crm import services

    lead = Lead.objects.create(enterprise=enterprise_a, name="customer-of-a", phone="13900000011")
    services.lead_assign(lead=lead, salesperson=salesperson_a)
    Lead.objects.create(enterprise=enterprise_b, name="customer-of-b", phone="13900000012")
    client.force_login(admin_a)
    body = json.dumps({"query": "{ myCustomers(limit: 200) { name } }"})
    with restricted_role():
        # When A's admin asks through the real API path, then A's customers come back (the middleware
        # set A's id; without it the restricted role would see none)
        response = client.post("/graphql/", data=body, content_type="application/json")
    names = [row["name"] for row in response.json()["data"]["myCustomers"]]
    assert "customer-of-a" in names and "customer-of-b" not in names


@pytest.mark.urls(__name__)
def test_platform_staff_requests_use_the_audited_bypass(client, leads, django_user_model, caplog):
    staff = django_user_model.objects.create_superuser("rls-staff", "s@example.com", "x")
    client.force_login(staff)
    with caplog.at_level(logging.INFO, logger="enterprises.rls"), restricted_role():
        assert client.get("/rls-probe/").json() == {"leads": ["lead-of-a", "lead-of-b"]}
    assert f"RLS bypass: platform staff {staff.pk} GET /rls-probe/" in caplog.text
