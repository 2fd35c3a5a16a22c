"""The ``DATABASES`` entry when ``DATABASE_URL`` is unset.

Settings still import (``makemigrations --check``, ``check``, ``ruff`` and other commands that
never touch the database keep working), but the first query raises an ``OperationalError``
that says what to set, instead of silently falling back to another engine.
"""

from django.db.backends.dummy import base as dummy
from django.db.utils import OperationalError

MESSAGE = (
    "DATABASE_URL is not set. The project runs on PostgreSQL only: "
    "set DATABASE_URL=postgres://user:password@host:5432/name, "
    "or use `make run` (starts a local PostgreSQL and Redis) / `make test`."
)


def complain(*args, **kwargs):
    raise OperationalError(MESSAGE)


class DatabaseOperations(dummy.DatabaseOperations):
    quote_name = complain


class DatabaseClient(dummy.DatabaseClient):
    runshell = complain


class DatabaseIntrospection(dummy.DatabaseIntrospection):
    get_table_list = complain
    get_table_description = complain
    get_relations = complain
    get_indexes = complain


class DatabaseWrapper(dummy.DatabaseWrapper):
    vendor = "missing"
    display_name = "missing (DATABASE_URL unset)"
    _cursor = complain
    ensure_connection = complain
    _commit = complain
    _savepoint_commit = complain
    _set_autocommit = complain
    client_class = DatabaseClient
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
