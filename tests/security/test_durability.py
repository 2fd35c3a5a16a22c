"""Issue 10, item 5 (CI size): replays, SIGKILLed drain workers and a Redis crash lose and double nothing.

The short version of ``bench/durability.py`` (same code): 5,000 events through gunicorn's
``/t/``, every batch sent 3 times, the Celery worker SIGKILLed 3 times inside its drain
transaction and restarted, its own AOF Redis killed and restarted once. Exact counts.
"""

from __future__ import annotations

import shutil

import pytest

from bench.durability import run

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EVENTS = 5_000


@pytest.fixture
def database_url(settings) -> str:
    """The test database, as the subprocesses (gunicorn, worker) reach it (as in conftest's celery_worker)."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql") or not shutil.which("redis-server"):
        pytest.skip("needs PostgreSQL and redis-server")
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_replays_worker_kills_and_a_redis_crash_lose_and_double_nothing(database_url, tmp_path):
    # given a producer sending 5,000 events, each batch 3 times, through the real endpoint
    # when the drain worker is SIGKILLed 3 times mid-transaction and Redis (AOF) crashes once
    report = run(database_url=database_url, events=EVENTS, batch=50, replays=3, kills=3, redis_restarts=1,
                 produce_seconds=12, redis_crash=True, appendfsync="always", drain_timeout=60,
                 kill_wait=15, workdir=tmp_path, server_workers=1)
    # then the faults really happened
    assert report["kills"] == 3
    assert report["kills_in_drain_transaction"] >= 2, report
    assert report["redis_restarts"] == 1
    assert report["requests_202"] == 3 * EVENTS // 50
    assert report["failed_sends"] == 0
    # and every event is stored exactly once, rollups counting each once
    assert report["queue_left"] == 0
    assert report["lost"] == 0, report
    assert report["doubled"] == 0, report
    assert report["unexpected"] == 0
    assert report["stored_rows"] == report["stored_distinct"] == report["event_keys"] == EVENTS
    assert report["seconds_stored"] == report["seconds_sent"]
    assert report["rollup_read_seconds"] == report["seconds_sent"]
    assert report["visitor_read_seconds"] == report["seconds_sent"]
