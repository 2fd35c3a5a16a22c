"""Production smoke: the build and the server that docs/deploy.md describe, end to end.

With ``cms.settings.production``: ``collectstatic`` into a temporary STATIC_ROOT (the manifest
storage fails on any asset that names a missing file), ``migrate`` and ``seed_demo`` into a fresh
database on the test PostgreSQL server (created and dropped here), then gunicorn on a free loopback
port. Through it: the real login form with CSRF, admin pages, an H5 share page, one persisted
GraphQL operation, and a hashed static file served by whitenoise with a far-future cache header.
Requests carry ``X-Forwarded-Proto: https`` as the TLS proxy in front of production would.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-2026"
ADMIN_PAGES = [
    "/admin/",
    "/admin/crm/visitors/",
    "/admin/images/",
    "/admin/documents/",
    "/admin/data-center/",
    "/admin/snippets/crm/lead/",
]

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs the test PostgreSQL server (scripts/test.sh sets DATABASE_URL)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@pytest.fixture
def smoke_database():
    """A fresh database on the test server, dropped afterwards."""
    server = os.environ["DATABASE_URL"]
    name = f"sce_smoke_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_with_path(server, "/postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_path(server, f"/{name}")
    finally:
        with psycopg.connect(_with_path(server, "/postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def production_env(smoke_database, tmp_path):
    port = _free_port()
    redis_url = os.environ.get("REDIS_URL", "")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "GRAPHQL_", "SECURE_", "STATIC"))
        and key not in {"DEBUG", "LANGUAGE_CODE", "SAFE_FETCH_ALLOW_LOOPBACK"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="smoke-" + uuid.uuid4().hex + uuid.uuid4().hex,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=smoke_database,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PUBLIC_BASE_URL=f"https://127.0.0.1:{port}",
        WAGTAILADMIN_BASE_URL=f"https://127.0.0.1:{port}",
        CACHE_KEY_PREFIX=f"smoke-{port}",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env["SMOKE_PORT"] = str(port)
    return env


def _manage(env: dict, *args: str, timeout: int = 900) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def built(production_env):
    """collectstatic, migrate and seed_demo with the production settings."""
    env = production_env
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_demo")
    return env


@pytest.fixture
def gunicorn(built):
    env = built
    port = int(env["SMOKE_PORT"])
    log = Path(env["MEDIA_ROOT"]).parent / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cms.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(f"{base}/healthz/", headers=HTTPS, timeout=30).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz/ within 300 s"
            time.sleep(0.3)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


HTTPS = {"X-Forwarded-Proto": "https"}


class Browser:
    """Cookies kept by hand: production's cookies are Secure and the loopback hop is plain HTTP."""

    def __init__(self, base: str):
        self.base = base
        self.origin = "https://" + urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**HTTPS, "Origin": self.origin, "Referer": self.origin + path, **kwargs.pop("headers", {})}
        response = requests.request(
            method,
            self.base + path,
            headers=headers,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        # Set-Cookie read as sent: requests' jar does not hand Secure cookies of a plain-HTTP hop back.
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response


def test_production_build_and_server(production_env, gunicorn):
    env = production_env
    static_root = Path(env["STATIC_ROOT"])
    assert (static_root / "staticfiles.json").exists()
    browser = Browser(gunicorn)

    # Without the proxy's header production redirects to HTTPS.
    assert requests.get(gunicorn + "/admin/login/", allow_redirects=False, timeout=30).status_code == 301

    login_page = browser.request("GET", "/admin/login/")
    assert login_page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    logged_in = browser.request(
        "POST",
        "/admin/login/",
        data={"csrfmiddlewaretoken": csrf, "username": "demo-admin", "password": PASSWORD, "next": "/admin/"},
    )
    assert logged_in.status_code == 302, logged_in.text[:2000]
    assert logged_in.headers["Location"].endswith("/admin/")

    for path in ADMIN_PAGES:
        response = browser.request("GET", path)
        assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))

    # Static files: the admin page names hashed files, whitenoise serves them for ever.
    hashed = re.findall(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)", login_page.text)
    assert hashed, "the login page names no hashed static file"
    static = requests.get(gunicorn + hashed[0], headers={**HTTPS, "Accept-Encoding": "gzip"}, timeout=30)
    assert static.status_code == 200
    max_age = int(re.search(r"max-age=(\d+)", static.headers["Cache-Control"]).group(1))
    assert max_age >= 10 * 365 * 24 * 3600, static.headers["Cache-Control"]
    assert "immutable" in static.headers["Cache-Control"]

    # An H5 share page of a salesperson's microsite.
    token = (
        _manage(
            env,
            "shell",
            "-v",
            "0",
            "-c",
            "from enterprises.models import Salesperson; from trackers.share import share_token_for; "
            "sp = Salesperson.objects.get(user__username='alice'); "
            "print(share_token_for(sp.enterprise.site.root_page.specific, sp))",
        )
        .strip()
        .splitlines()[-1]
    )
    visitor = Browser(gunicorn)
    h5 = visitor.request("GET", f"/h5/s/{token}/")
    assert h5.status_code == 200, h5.text[:2000]

    # One persisted GraphQL operation (production runs persisted documents only).
    document = (ROOT / "graphql" / "operations" / "Microsite.graphql").read_text()
    body = {
        "extensions": {"persistedQuery": {"sha256Hash": hashlib.sha256(document.encode()).hexdigest()}},
        "variables": {"shareToken": token},
    }
    answer = visitor.request("POST", "/graphql/", json=body)
    assert answer.status_code == 200, answer.text[:2000]
    payload = answer.json()
    assert not payload.get("errors"), payload
    assert payload["data"]["microsite"]["title"]
    refused = visitor.request("POST", "/graphql/", json={"query": "{ __typename }"})
    assert "PERSISTED_QUERY_NOT_FOUND" in json.dumps(refused.json())
