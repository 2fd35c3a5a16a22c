"""Test settings: fast hashing, plain static storage (live_server), loopback fetches allowed."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Article import tests serve fixture HTML from a local HTTP server on loopback.
SAFE_FETCH_ALLOW_LOOPBACK = env_bool("SAFE_FETCH_ALLOW_LOOPBACK", True)
GRAPHQL_INTROSPECTION = True
WAGTAILADMIN_BASE_URL = "http://testserver"
PUBLIC_BASE_URL = "http://testserver"
# Tasks run in-process unless a test drives a real worker (see tests/conftest.py::celery_worker).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
# The suite asserts English UI words; tests of the 简体中文 UI (tests/test_i18n.py, the
# Chinese browser walk) switch language themselves. Production and the demo default to zh-hans.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
