"""PostgreSQL row-level security as a second wall (demonstration of the policy; see docs/reliability.md).

The test database connects as superuser ``postgres``, which bypasses RLS, so the test creates a
restricted role, enables the policy and ``SET ROLE``s to it — all inside the test transaction,
which rolls the DDL back and leaves other tests untouched.
"""

from __future__ import annotations

import pytest
from django.db import connection

from trackers.models import Visitor

pytestmark = pytest.mark.django_db

POLICY = "enterprise_id = current_setting('app.enterprise_id', true)::bigint"


def test_raw_query_without_setting_sees_nothing_with_it_only_its_enterprise(enterprise_a, enterprise_b):
    # Given visitors of A and B, RLS on the visitor table and a non-superuser role
    Visitor.objects.create(enterprise=enterprise_a, device_id="dev-a")
    Visitor.objects.create(enterprise=enterprise_b, device_id="dev-b")
    table = Visitor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER TABLE
        cursor.execute("DROP ROLE IF EXISTS sce_rls_test")
        cursor.execute("CREATE ROLE sce_rls_test NOLOGIN NOSUPERUSER NOBYPASSRLS")
        cursor.execute(f"GRANT SELECT ON {table} TO sce_rls_test")
        cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        cursor.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({POLICY})")
        cursor.execute("SET ROLE sce_rls_test")
        try:
            # When a raw query runs without app.enterprise_id, then it sees no rows
            cursor.execute(f"SELECT device_id FROM {table}")
            assert cursor.fetchall() == []
            # When the transaction sets A's id, then only A's rows
            cursor.execute("SELECT set_config('app.enterprise_id', %s, true)", [str(enterprise_a.pk)])
            cursor.execute(f"SELECT device_id FROM {table}")
            assert cursor.fetchall() == [("dev-a",)]
        finally:
            cursor.execute("RESET ROLE")
    # and the superuser connection (the app today) still sees both
    assert Visitor.objects.filter(enterprise__in=[enterprise_a, enterprise_b]).count() == 2
