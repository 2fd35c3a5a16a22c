"""Issue 10, item 5 (CI size): replays, SIGKILLed drain workers and a Redis crash lose and double nothing.

The short version of ``bench/durability.py`` (same code): 5,000 events through gunicorn's
``/t/``, every batch sent 3 times, the Celery worker SIGKILLed 3 times inside its drain
transaction and restarted, its own AOF Redis killed and restarted once. Exact counts.
"""

from __future__ import annotations

import shutil

import pytest

from bench.durability import run, tenant_create

# serialized_rollback: a worker test before this one leaves the tables empty (content types included)
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

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
    report = run(
        database_url=database_url,
        events=EVENTS,
        batch=50,
        replays=3,
        kills=3,
        redis_restarts=1,
        produce_seconds=12,
        redis_crash=True,
        appendfsync="always",
        drain_timeout=60,
        kill_wait=15,
        workdir=tmp_path,
        server_workers=1,
    )
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


def _queue_events(enterprise_id: int, count: int, prefix: str = "race") -> None:
    """``count`` one-event messages straight onto the queue (the drain's input)."""
    import json
    import time

    from trackers.queue import QUEUE_KEY, redis_client

    now = int(time.time() * 1000)
    redis_client().rpush(
        QUEUE_KEY,
        *[
            json.dumps(
                {
                    "e": enterprise_id,
                    "s": None,
                    "k": 2,
                    "t": 5,
                    "f": None,
                    "d": 0,
                    "v": None,
                    "dev": f"race-device-{n % 10}",
                    "ses": "",
                    "r": now,
                    "ev": [[f"{prefix}-{n}", 2, now, 1, 0, 2, 5]],
                }
            )
            for n in range(count)
        ],
    )


def test_a_drain_round_longer_than_its_lock_loses_nothing(monkeypatch, settings):
    """Drainer A's round outlives its lock; B takes over; new events arrive; A must not trim them."""
    import threading
    import time

    import trackers.store
    from trackers.models import Event
    from trackers.queue import QUEUE_KEY, redis_client
    from trackers.tasks import events_drain

    if not settings.REDIS_URL:
        pytest.skip("needs Redis")
    redis_client().flushdb()
    # given 400 queued events, a 1 s drain lock, and a first drainer whose store is slow
    enterprise_id, _token = tenant_create("lock-race")
    _queue_events(enterprise_id, 400)
    monkeypatch.setenv("TRACKING_DRAIN_LOCK_SECONDS", "1")
    real_store = trackers.store.events_store
    slow = threading.local()

    def store(messages):
        if getattr(slow, "on", False):  # only A's first round is slow
            slow.on = False
            time.sleep(2.5)
        return real_store(messages)

    monkeypatch.setattr(trackers.store, "events_store", store)

    def drainer_a():
        slow.on = True
        try:
            events_drain(max_rounds=1)
        finally:
            from django.db import connection

            connection.close()

    # when A's round outlives the lock, B drains meanwhile, and new events arrive before A trims
    first = threading.Thread(target=drainer_a)
    first.start()
    time.sleep(1.5)
    events_drain(max_rounds=1)
    _queue_events(enterprise_id, 200, prefix="late")
    first.join()
    events_drain()  # and whatever is left is drained
    # then every event is stored (none trimmed unstored)
    assert redis_client().llen(QUEUE_KEY) == 0
    assert Event.objects.count() == 600
