"""TRK-2: the /t/ endpoint validates, rejects junk by reason, stores each event once, limits rate."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from trackers.models import ContentDailyStat, ContentVisitor, Event, EventKey, Visitor
from trackers.queue import QUEUE_KEY, rejects_totals
from trackers.services import visitor_identify, visitor_token

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")


def counts():
    return (
        Event.objects.count(),
        EventKey.objects.count(),
        sum(ContentDailyStat.objects.values_list("opens", flat=True)),
        sum(ContentDailyStat.objects.values_list("read_seconds", flat=True)),
        sum(ContentVisitor.objects.values_list("opens", flat=True)),
        list(Visitor.objects.values_list("opens", "read_seconds", "clicks")),
    )


def test_a_batch_is_stored_with_rollups(client, salesperson_a):
    # given an article link of salesperson A
    token = token_for(salesperson_a, "article", 12)
    # when a visitor opens it, reads 40 s and clicks
    response = post_batch(
        client,
        token,
        [
            event("open"),
            event("heartbeat", seconds=25, scroll=40),
            event("heartbeat", seconds=15),
            event("click"),
        ],
    )
    # then the endpoint answers 202 and every derived table agrees
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 4, "rejected": {}}
    assert Event.objects.count() == 4
    day = ContentDailyStat.objects.get()
    assert (day.salesperson_id, day.target_kind, day.target_id) == (salesperson_a.pk, 2, 12)
    assert (day.opens, day.read_seconds, day.clicks, day.new_visitors) == (1, 40, 1, 1)
    visitor = Visitor.objects.get()
    assert (visitor.enterprise_id, visitor.device_id) == (salesperson_a.enterprise_id, "device-0001")
    assert (visitor.opens, visitor.read_seconds, visitor.clicks) == (1, 40, 1)
    assert visitor.first_salesperson_id == salesperson_a.pk


def test_replaying_a_batch_three_times_changes_nothing(client, salesperson_a):
    token = token_for(salesperson_a, "article", 12)
    batch = [event("open"), event("heartbeat", seconds=30), event("share"), event("click")]
    assert post_batch(client, token, batch).status_code == 202
    after_first = counts()
    # when the client retries the same batch three times (at-least-once delivery)
    for _ in range(3):
        assert post_batch(client, token, batch).status_code == 202
    # then no count moved
    assert counts() == after_first
    assert after_first[0] == 4


def test_events_are_attributed_only_to_the_tokens_enterprise(client, salesperson_a, salesperson_b):
    # given a visitor known to enterprise A, holding a visitor token of A
    visitor_a = visitor_identify(enterprise=salesperson_a.enterprise, openid="openid-a")
    # when they send events with a share token of enterprise B
    response = post_batch(client, token_for(salesperson_b), [event("open")], visitor=visitor_token(visitor_a))
    # then the batch is refused and nothing is written in B (or anywhere)
    assert response.status_code == 403
    assert response.json() == {"error": "enterprise_mismatch"}
    assert Event.objects.count() == 0
    assert not Visitor.objects.filter(enterprise=salesperson_b.enterprise).exists()


def test_enterprise_key_header_must_match_the_token(client, salesperson_a, enterprise_b):
    response = post_batch(
        client,
        token_for(salesperson_a),
        [event("open")],
        headers={"HTTP_X_ENTERPRISE_KEY": enterprise_b.public_key},
    )
    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_a_visitor_token_cannot_be_forged(client, salesperson_a):
    response = post_batch(
        client, token_for(salesperson_a), [event("open")], visitor=f"{salesperson_a.enterprise_id}.1:abc"
    )
    assert response.status_code == 403
    assert response.json() == {"error": "bad_visitor"}


def test_tampered_share_token_is_refused_and_counted(client, salesperson_a):
    token = token_for(salesperson_a)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = post_batch(client, tampered, [event("open"), event("open")])
    assert response.status_code == 403
    assert Event.objects.count() == 0
    assert rejects_totals()["bad_token"] == 2


def test_junk_events_are_dropped_with_a_reason_and_good_ones_kept(client, salesperson_a):
    batch = [
        event("open"),
        {"id": "x", "type": "teleport"},
        {"id": "bad id with spaces", "type": "open"},
        event("heartbeat", seconds=-5),
        event("open", ts=1),
        event("click", target="article:not-a-number"),
        "not an object",
    ]
    response = post_batch(client, token_for(salesperson_a), batch)
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 1,
        "rejected": {
            "bad_type": 1,
            "bad_id": 1,
            "bad_value": 1,
            "bad_time": 1,
            "bad_target": 1,
            "not_an_object": 1,
        },
    }
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    "body, status",
    [("{not json", 400), ("[]", 400), (json.dumps({"token": "x", "events": []}), 400), ("null", 400)],
)
def test_malformed_requests_get_a_clear_4xx(client, body, status):
    response = client.post("/t/", data=body, content_type="application/json")
    assert response.status_code == status
    assert "error" in response.json()


def test_too_many_events_in_one_batch(client, salesperson_a):
    response = post_batch(client, token_for(salesperson_a), [event("open") for _ in range(101)])
    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_get_is_not_allowed(client):
    assert client.get("/t/").status_code == 405


def test_rate_limit_answers_429_with_retry_after(client, salesperson_a, settings):
    settings.TRACKING_RATE_LIMIT = {"requests": 3, "ip_requests": 1000, "window": 30}
    token = token_for(salesperson_a)
    statuses = [post_batch(client, token, [event("open")]).status_code for _ in range(3)]
    limited = post_batch(client, token, [event("open")])
    assert statuses == [202, 202, 202]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 30
    # another visitor on another device is not limited by the first one's counter
    assert post_batch(client, token, [event("open")], device="device-other-9").status_code == 202


def test_an_identified_visitor_keeps_one_row_across_devices(client, salesperson_a):
    visitor = visitor_identify(enterprise=salesperson_a.enterprise, unionid="union-1", nickname="Li")
    token = token_for(salesperson_a, "card", 3)
    post_batch(client, token, [event("open")], visitor=visitor_token(visitor))
    post_batch(client, token, [event("open")], visitor=visitor_token(visitor))
    visitor.refresh_from_db()
    assert visitor.opens == 2
    assert Visitor.objects.count() == 1


def _message(salesperson, events, *, device="device-0042"):
    """A queued message as events_accept writes it (rows: id, type, ts ms, seconds, scroll, kind, id)."""
    return {
        "e": salesperson.enterprise_id,
        "s": salesperson.pk,
        "k": 2,
        "t": 7,
        "f": None,
        "d": 0,
        "v": None,
        "dev": device,
        "ses": "",
        "r": int(time.time() * 1000),
        "ev": events,
    }


def _rows(prefix, count, *, start=0):
    now = int(time.time() * 1000)
    return [
        [f"{prefix}-{n}", 1 if n == 0 else 2, now - 1000 + n, 0 if n == 0 else 10, 0, 2, 7]
        for n in range(start, start + count)
    ]


def test_the_same_event_twice_in_one_drained_chunk_is_stored_once(salesperson_a):
    from trackers.store import events_store

    # given a batch queued twice (a client retry) and a third message overlapping it, drained together
    first = _message(salesperson_a, _rows("dup", 5))
    overlapping = _message(salesperson_a, _rows("dup", 5, start=3))  # dup-3, dup-4 again + dup-5..7
    # when one chunk stores all three
    result = events_store([first, first, overlapping])
    # then each event id is stored once and every rollup counts it once
    assert (result.received, result.stored) == (15, 8)
    assert Event.objects.count() == EventKey.objects.count() == 8
    day = ContentDailyStat.objects.get()
    assert (day.opens, day.read_seconds, day.new_visitors) == (1, 70, 1)
    assert Visitor.objects.values_list("opens", "read_seconds").get() == (1, 70)
    assert ContentVisitor.objects.values_list("opens", "read_seconds").get() == (1, 70)


def test_a_chunk_mixing_stored_and_new_events_stores_only_the_new(salesperson_a):
    from trackers.store import events_store

    # given 4 events stored (this test runs inside one transaction: the staging table is reused)
    assert events_store([_message(salesperson_a, _rows("mix", 4))]).stored == 4
    before = counts()
    # when a chunk repeats them together with 3 new ones
    result = events_store([_message(salesperson_a, _rows("mix", 7))])
    # then only the 3 new ones are stored and counted
    assert result.stored == 3
    assert sorted(event.event_id for event in result.events) == ["mix-4", "mix-5", "mix-6"]
    assert Event.objects.count() == EventKey.objects.count() == 7
    assert counts()[3] == before[3] + 30  # read seconds
    assert Visitor.objects.values_list("read_seconds", flat=True).get() == 60
    # and a whole replay stores nothing
    assert events_store([_message(salesperson_a, _rows("mix", 7))]).stored == 0
    assert Event.objects.count() == 7


def test_old_event_keys_are_pruned_and_a_replay_older_than_them_is_dropped_not_doubled(
    salesperson_a, monkeypatch
):
    import datetime as dt

    from django.utils import timezone

    from trackers.services import event_keys_prune
    from trackers.store import EVENT_KEY_RETENTION, events_store

    # given an event that happened 6 days ago (still accepted) and one from just now
    six_days_ago = int((time.time() - 6 * 86400) * 1000)
    old = _message(salesperson_a, [["old-1", 1, six_days_ago, 0, 0, 2, 7]])
    assert events_store([old, _message(salesperson_a, _rows("new", 1))]).stored == 2
    # when the daily prune runs 9 days later: the old key is past the retention, the new one is not
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=9)
    assert EVENT_KEY_RETENTION < dt.timedelta(days=6 + 9)
    assert event_keys_prune(now=later) == 1
    assert list(EventKey.objects.values_list("event_id", flat=True)) == ["new-0"]
    # then the old event replayed then (its key gone) is dropped as expired and counted, not doubled
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert events_store([old]).stored == 0
    assert Event.objects.filter(event_id="old-1").count() == 1
    assert rejects_totals()["expired_in_queue"] == 1
    # and an event within the retention is still guarded by its key
    assert events_store([_message(salesperson_a, _rows("new", 1))]).stored == 0
    assert Event.objects.count() == 2


def test_a_batch_queued_three_times_and_drained_is_stored_once(salesperson_a, settings):
    from trackers.queue import redis_client
    from trackers.tasks import events_drain

    if not settings.REDIS_URL:
        pytest.skip("the queue needs Redis")
    message = json.dumps(_message(salesperson_a, _rows("thrice", 20)))
    # given the same batch queued three times, drained, then queued three more times and drained
    redis_client().rpush(QUEUE_KEY, message, message, message)
    assert events_drain.apply().get() == 20
    after_first = counts()
    redis_client().rpush(QUEUE_KEY, message, message, message)
    assert events_drain.apply().get() == 0
    # then nothing moved and the queue is empty
    assert counts() == after_first
    assert after_first[:2] == (20, 20)
    assert redis_client().llen(QUEUE_KEY) == 0


def test_a_drain_that_stops_early_schedules_the_rest(salesperson_a, settings, monkeypatch):
    from trackers import store, tasks
    from trackers.queue import DRAIN_PENDING_KEY, redis_client

    if not settings.REDIS_URL:
        pytest.skip("the queue needs Redis")
    # given 5 queued messages, a drain reading 2 per transaction and allowed one round only
    monkeypatch.setattr(store, "DRAIN_CHUNK", 2)
    redis_client().rpush(
        QUEUE_KEY, *[json.dumps(_message(salesperson_a, _rows(f"early{n}", 3))) for n in range(5)]
    )
    redis_client().set(DRAIN_PENDING_KEY, 1)
    # when it runs (tasks run eagerly here, as a worker would pick the follow-up drain)
    tasks.events_drain.apply(args=(1,))
    # then it scheduled drains until the queue was empty, and the next batch may schedule one at once
    assert Event.objects.count() == 15
    assert redis_client().llen(QUEUE_KEY) == 0
    assert not redis_client().exists(DRAIN_PENDING_KEY)


def test_a_drainer_that_lost_its_lock_does_not_trim(salesperson_a, settings, monkeypatch):
    from trackers import store, tasks
    from trackers.queue import DRAIN_LOCK_KEY, redis_client

    if not settings.REDIS_URL:
        pytest.skip("the queue needs Redis")
    real_store = store.events_store

    def slow_store(messages):
        result = real_store(messages)
        redis_client().set(DRAIN_LOCK_KEY, "another-drainer")  # our lock expired, someone took it
        return result

    # given 3 queued messages and a drainer whose lock expires while it stores them
    redis_client().rpush(
        QUEUE_KEY, *[json.dumps(_message(salesperson_a, _rows(f"lost{n}", 4))) for n in range(3)]
    )
    monkeypatch.setattr(store, "events_store", slow_store)
    tasks.events_drain.apply()
    # then it stored them but left them queued for the drainer now holding the lock
    assert Event.objects.count() == 12
    assert redis_client().llen(QUEUE_KEY) == 3
    assert redis_client().get(DRAIN_LOCK_KEY) == b"another-drainer"
    # and when that one drains, they are trimmed and still stored once
    monkeypatch.setattr(store, "events_store", real_store)
    redis_client().delete(DRAIN_LOCK_KEY)
    tasks.events_drain.apply()
    assert redis_client().llen(QUEUE_KEY) == 0
    assert Event.objects.count() == EventKey.objects.count() == 12
    assert sum(Visitor.objects.values_list("read_seconds", flat=True)) == 3 * 30


@pytest.fixture
def short_drain_lock(monkeypatch):
    """A killed drainer's lock expires after 3 s; 200 messages per transaction, so the kill lands
    between commits (both set before the worker process starts)."""
    monkeypatch.setenv("TRACKING_DRAIN_LOCK_SECONDS", "3")
    monkeypatch.setenv("TRACKING_DRAIN_CHUNK", "200")


def _queue_messages(salesperson, batches: int, per_batch: int) -> int:
    from trackers.queue import redis_client

    now = int(time.time() * 1000)
    messages = [
        {
            "e": salesperson.enterprise_id,
            "s": salesperson.pk,
            "k": 2,
            "t": 5,
            "f": None,
            "d": 0,
            "v": None,
            "dev": f"device-{batch % 40:04d}",
            "ses": "",
            "r": now,
            "ev": [[f"k{batch}-{i}", 2, now - i, 1, 0, 2, 5] for i in range(per_batch)],
        }
        for batch in range(batches)
    ]
    redis_client().rpush(QUEUE_KEY, *[json.dumps(message) for message in messages])
    return batches * per_batch


def _drain_soon():
    from trackers.queue import redis_client
    from trackers.tasks import events_drain

    if not redis_client().exists("trk:drain-lock"):
        events_drain.apply_async()


@pytest.mark.worker
def test_a_worker_killed_mid_batch_loses_no_event(short_drain_lock, celery_worker, salesperson_a, settings):
    """Queue 30 000 events, SIGKILL the worker while it stores them, restart it: each is stored once."""
    from trackers.queue import redis_client

    # given a full queue and a real worker draining it
    sent = _queue_messages(salesperson_a, batches=600, per_batch=50)
    _drain_soon()
    deadline = time.monotonic() + 60
    while Event.objects.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    # when the worker is killed with SIGKILL in the middle of the work
    os.kill(celery_worker.pid, signal.SIGKILL)
    celery_worker.wait(10)
    stored_before_kill = Event.objects.count()
    assert 0 < stored_before_kill < sent, "the kill must land mid-drain"
    assert redis_client().llen(QUEUE_KEY) > 0
    # and a new worker takes over once the dead drainer's lock has expired
    replacement = celery_worker.restart()
    try:
        deadline = time.monotonic() + 180
        while redis_client().llen(QUEUE_KEY) and time.monotonic() < deadline:
            _drain_soon()
            time.sleep(0.5)
        # then every event is stored exactly once and the rollups count each once
        assert redis_client().llen(QUEUE_KEY) == 0
        assert Event.objects.count() == sent
        assert EventKey.objects.count() == sent
        assert sum(ContentDailyStat.objects.values_list("read_seconds", flat=True)) == sent
        assert sum(Visitor.objects.values_list("read_seconds", flat=True)) == sent
    finally:
        replacement.send_signal(signal.SIGTERM)
        try:
            replacement.wait(10)
        except Exception:  # noqa: BLE001
            replacement.kill()


def test_events_land_in_monthly_partitions_on_postgresql(client, salesperson_a):
    from django.db import connection

    post_batch(client, token_for(salesperson_a), [event("open")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'trackers_event'")
        assert cursor.fetchone()[0] == "p"
        cursor.execute("SELECT tableoid::regclass::text FROM trackers_event")
        [partition] = cursor.fetchone()
    assert partition.startswith("trackers_event_2") and partition != "trackers_event_default"


def test_queue_json_writes_translatable_text_as_its_string():
    # Notification data carries item titles, some of them gettext_lazy proxies (orjson refused them,
    # which failed every drain and seed_demo).
    from django.utils.translation import gettext_lazy

    from trackers.queue import json_dumps, json_loads

    assert json_loads(json_dumps({"title": gettext_lazy("Visitor")})) == {"title": "Visitor"}
