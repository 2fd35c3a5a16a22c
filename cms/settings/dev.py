"""Local development: DEBUG on, SQLite and eager Celery unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403
from .base import env_bool  # noqa: E402

DEBUG = env_bool("DEBUG", True)
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", True)
GRAPHQL_GRAPHIQL = env_bool("GRAPHQL_GRAPHIQL", True)
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
