"""Shared fixtures: two enterprises with people, a client logged in as any of them, a Celery worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from enterprises.models import Role

from .factories import PASSWORD, EnterpriseFactory, make_member

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_redis(settings):
    """Each test starts with an empty Redis: no queued events, counters or cached ids of earlier tests."""
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def enterprise_a(db):
    return EnterpriseFactory(name="Alpha Co", slug="alpha")


@pytest.fixture
def enterprise_b(db):
    return EnterpriseFactory(name="Beta Co", slug="beta")


@pytest.fixture
def admin_a(enterprise_a):
    return make_member(enterprise_a, Role.ADMIN, username="admin-a")


@pytest.fixture
def admin_b(enterprise_b):
    return make_member(enterprise_b, Role.ADMIN, username="admin-b")


@pytest.fixture
def salesperson_a(enterprise_a):
    return make_member(enterprise_a, Role.SALESPERSON, username="sales-a").salesperson


@pytest.fixture
def other_salesperson_a(enterprise_a):
    return make_member(enterprise_a, Role.SALESPERSON, username="sales-a2").salesperson


@pytest.fixture
def salesperson_b(enterprise_b):
    return make_member(enterprise_b, Role.SALESPERSON, username="sales-b").salesperson


@pytest.fixture
def login(client):
    """``login(user)`` returns the test client signed in as ``user``."""

    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback, settings):
    """A real Celery worker process on the test Redis, sharing the test database.

    Yields the ``subprocess.Popen`` so a test can kill it (e.g. SIGKILL mid-batch).
    """
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (run through make test)")
    from celery.result import allow_join_result

    from cms.celery import app

    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        if db["ENGINE"].endswith("postgresql")
        else env.get("DATABASE_URL", "")
    )
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False

    def start():
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cms",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )

    process = start()
    process.restart = start  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=0.5):
                break
        except Exception:  # noqa: BLE001 - broker not ready yet
            time.sleep(0.2)
    # Eager tasks run by two live-server threads at once can leave Celery's process-wide "a join
    # would block" flag set (each restores what it saw on entry); with a real worker, joins are fine.
    with allow_join_result():
        yield process
    app.conf.task_always_eager = previous
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
