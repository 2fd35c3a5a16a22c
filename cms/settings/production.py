"""Production: the same settings as base.py with safe defaults for the switches.

Everything stays overridable by environment variables (see docs/deploy.md).
"""

import os

for name, value in {
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "BEHIND_TLS_PROXY": "true",
    "GRAPHQL_PERSISTED_ONLY": "true",
    "SERVE_MEDIA": "false",
}.items():
    os.environ.setdefault(name, value)

from .base import *  # noqa: E402,F403
from .base import SECRET_KEY  # noqa: E402

if SECRET_KEY.startswith("insecure-"):
    raise RuntimeError("Set SECRET_KEY in the environment for production.")
