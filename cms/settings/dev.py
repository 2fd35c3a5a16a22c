"""Development: DEBUG on; PostgreSQL from DATABASE_URL (`make run` sets it); Celery eager without Redis."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403
from .base import env_bool  # noqa: E402

DEBUG = env_bool("DEBUG", True)
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", True)
GRAPHQL_GRAPHIQL = env_bool("GRAPHQL_GRAPHIQL", True)
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
