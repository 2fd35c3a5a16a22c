"""PostgreSQL row-level security on the tracking and CRM tables: a second wall behind the scoped queries.

Every table of the apps in ``settings.RLS_APPS`` (default: trackers, crm) with an ``enterprise_id``
column gets the policy ``tenant_isolation``: a row is visible (and writable) only when its
``enterprise_id`` equals the transaction's ``app.enterprise_id`` setting, or when the audited bypass
``app.rls_bypass = on`` is set (cross-tenant system jobs: the tracking drain, beat scans, platform
staff). :func:`policies_apply` (re)creates the policies idempotently after every ``migrate``, so tables
added later are covered without a migration in their app.

:class:`RowLevelSecurityMiddleware` sets both values with ``SET LOCAL`` (``set_config(..., true)``)
inside a transaction wrapping the request; :func:`enterprise_scope` and :func:`bypass` do the same
for tasks and scripts. The policy binds only roles that are neither the tables' owner nor superuser
nor ``BYPASSRLS``: in production the app connects as such a role (docs/deploy.md). With
``RLS_ENABLED = False`` everything here is a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

logger = logging.getLogger("enterprises.rls")

POLICY_NAME = "tenant_isolation"
ENTERPRISE_SETTING = "app.enterprise_id"
BYPASS_SETTING = "app.rls_bypass"
# nullif: once set in a session, an unset custom setting reads '' (not NULL), and ''::bigint is an error.
POLICY_EXPRESSION = (
    f"current_setting('{BYPASS_SETTING}', true) = 'on' "
    f"OR enterprise_id = nullif(current_setting('{ENTERPRISE_SETTING}', true), '')::bigint"
)
DEFAULT_APPS = ("trackers", "crm")
# Public endpoints whose view finds the tenant itself from a signed token or a key in the path
# (WeCom callback, mall webhook, H5 share page): audited bypass.
DEFAULT_BYPASS_PATHS = ("/wechat/wecom/callback/", "/mall/webhook/", "/h5/s/")
# Endpoints that never read tenant tables (the tracking beacon only writes to Redis; the drain task
# stores): no transaction, no setting, no database connection.
DEFAULT_SKIP_PATHS = ("/t/", "/static/", "/media/", "/healthz/")


def rls_active() -> bool:
    return getattr(settings, "RLS_ENABLED", True)


def rls_tables() -> list[str]:
    """Tables of the RLS apps with an ``enterprise_id`` column (models added later included)."""
    tables = []
    for app_label in getattr(settings, "RLS_APPS", DEFAULT_APPS):
        for model in apps.get_app_config(app_label).get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            if any(getattr(f, "column", None) == "enterprise_id" for f in meta.local_concrete_fields):
                tables.append(meta.db_table)
    return sorted(set(tables))


def policies_apply(*, using: str = "default") -> list[str]:
    """Enable RLS and (re)create the tenant policy on every RLS table; idempotent."""
    from django.db import connections

    conn = connections[using]
    existing = set(conn.introspection.table_names())
    applied = []
    with conn.cursor() as cursor:
        for table in rls_tables():
            if table not in existing:
                continue
            quoted = conn.ops.quote_name(table)
            cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quoted}")
            cursor.execute(
                f"CREATE POLICY {POLICY_NAME} ON {quoted} "
                f"USING ({POLICY_EXPRESSION}) WITH CHECK ({POLICY_EXPRESSION})"
            )
            applied.append(table)
    return applied


def policies_apply_after_migrate(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate receiver (schema plumbing, not business flow)."""
    applied = policies_apply(using=using)
    if applied:
        logger.info("row-level security on %d tables", len(applied))


def tenant_set(*, enterprise_id: int | None, bypass_reason: str = "") -> None:
    """``SET LOCAL`` both settings in the current transaction (call inside ``transaction.atomic``)."""
    if not rls_active():
        return
    if bypass_reason:
        logger.info("RLS bypass: %s", bypass_reason)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [ENTERPRISE_SETTING, str(enterprise_id or ""), BYPASS_SETTING, "on" if bypass_reason else ""],
        )


@contextmanager
def enterprise_scope(enterprise_id: int) -> Iterator[None]:
    """A transaction that sees only ``enterprise_id``'s rows (tasks working for one tenant)."""
    with transaction.atomic():
        tenant_set(enterprise_id=enterprise_id)
        yield


@contextmanager
def bypass(reason: str) -> Iterator[None]:
    """A transaction that sees every tenant's rows; ``reason`` is logged (the audit trail)."""
    if not reason:
        raise ValueError("A bypass needs a reason for the audit log.")
    with transaction.atomic():
        tenant_set(enterprise_id=None, bypass_reason=reason)
        yield


def request_tenant(request: HttpRequest) -> tuple[int | None, str]:
    """(enterprise id, bypass reason) for a request: the member's enterprise, else the addressed one."""
    from .selectors import enterprise_for_request, enterprise_for_user

    path = request.path
    for prefix in getattr(settings, "RLS_BYPASS_PATHS", DEFAULT_BYPASS_PATHS):
        if path.startswith(prefix):
            return None, f"public endpoint {prefix} resolves its tenant from a token"
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        if user.is_superuser:
            return None, f"platform staff {user.pk} {request.method} {path}"
        enterprise = enterprise_for_user(user)
        if enterprise is not None:
            return enterprise.pk, ""
    enterprise = enterprise_for_request(request)
    return (enterprise.pk if enterprise is not None else None), ""


class RowLevelSecurityMiddleware:
    """Runs each request in a transaction with ``SET LOCAL app.enterprise_id`` (after authentication).

    The tenant is resolved and set just before the request's first statement on a secured table, so a
    request that never reads one (a response-cache hit, a content page) costs no extra statement.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not rls_active() or request.path.startswith(
            getattr(settings, "RLS_SKIP_PATHS", DEFAULT_SKIP_PATHS)
        ):
            return self.get_response(request)
        tenant = _TenantOnFirstStatement(request)
        # savepoint=False: inside an outer transaction (tests) no SAVEPOINT statement is sent either.
        with transaction.atomic(savepoint=False), connection.execute_wrapper(tenant):
            response = self.get_response(request)
        if getattr(response, "streaming", False):
            response.streaming_content = _scoped_stream(response.streaming_content, *tenant.resolved())
        return response


class _TenantOnFirstStatement:
    """``connection.execute_wrapper`` that sets the request's tenant before its first statement on a
    row-level-secured table; statements before it (session, enterprise lookups) need no setting, and
    the tenant lookup then reuses what they cached on the request."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.tenant: tuple[int | None, str] | None = None

    def resolved(self) -> tuple[int | None, str]:
        if self.tenant is None:
            self.tenant = request_tenant(self.request)
        return self.tenant

    def __call__(self, execute, sql, params, many, context):
        if self.tenant is None and _touches_rls_table(sql):
            self.tenant = (None, "")  # the lookup's own statements pass through
            self.tenant = request_tenant(self.request)
            tenant_set(enterprise_id=self.tenant[0], bypass_reason=self.tenant[1])
        return execute(sql, params, many, context)


@lru_cache(maxsize=1)
def _rls_table_names() -> tuple[str, ...]:
    return tuple(rls_tables())


def _touches_rls_table(sql: str) -> bool:
    """A table name in the SQL text (a false positive only sets the tenant a statement early)."""
    return any(table in sql for table in _rls_table_names())


def _scoped_stream(content, enterprise_id: int | None, reason: str):
    """Streaming bodies (exports) query after the view returns: give them the same setting."""
    with transaction.atomic():
        tenant_set(enterprise_id=enterprise_id, bypass_reason=reason)
        yield from content


def task_started(sender=None, task=None, task_id=None, **kwargs) -> None:
    """Celery ``task_prerun``: system tasks (drain, beat scans, id-taking jobs) run with the audited bypass.

    Session-level for the task's duration (a task may open several transactions); a task working for
    one tenant narrows it with :func:`enterprise_scope`. Eager tasks run inside the caller's transaction
    and keep its setting.
    """
    if not rls_active() or task is None or getattr(task.request, "is_eager", False):
        return
    logger.info("RLS bypass: task %s %s", getattr(task, "name", "?"), task_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, 'on', false), set_config(%s, '', false)",
            [BYPASS_SETTING, ENTERPRISE_SETTING],
        )


def task_finished(sender=None, task=None, **kwargs) -> None:
    if not rls_active() or task is None or getattr(task.request, "is_eager", False):
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', false)", [BYPASS_SETTING])
    except Exception:  # noqa: BLE001 - a broken connection is closed by Celery's Django fixup anyway
        logger.warning("could not reset the RLS bypass after task %s", getattr(task, "name", "?"))
