"""Where one tracking drain spends its time: SQL statements, derived updates, Python CPU per event.

The queue is filled through the real ``/t/`` endpoint with the drain held back, then one
``events_drain()`` runs in this process (no worker, no concurrent requests), so the figures are
the drain's alone. Follow-up tasks (channel dispatch) are queued, not run. PostgreSQL + Redis.

    python bench/ingest_drain.py [--events 50000] [--freeze]

``--freeze`` calls ``gc.freeze()`` first, as a Celery worker does when it is ready (cms/celery.py).
Last line: {"events": n, "events_per_s": x, "python_cpu_us_per_event": y, "sql_ms": z}
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.ingest import (  # noqa: E402  (sets up Django, Celery not eager)
    DRAIN_LOCK_KEY,
    DRAIN_PENDING_KEY,
    QUEUE_KEY,
    bodies_for,
    post_all,
    redis_client,
    setup_enterprise,
)
from trackers import store  # noqa: E402
from trackers.share import share_token_make  # noqa: E402
from trackers.tasks import events_drain  # noqa: E402

#: Steps of the drain timed separately (wall and Python CPU).
STEPS = [
    (store, "_resolve_visitors"),
    (store, "_insert_events"),
    (store, "derived_apply"),
    (store, "rollups_apply"),
    (store, "visitor_totals_apply"),
    (store, "open_notifications_apply"),
    (store, "visitor_tags_apply"),
]


def _timed(module, name: str, totals: dict) -> None:
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[name][0] += time.perf_counter() - wall
            totals[name][1] += time.process_time() - cpu

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() before draining")
    args = parser.parse_args()
    client = redis_client()
    client.delete(QUEUE_KEY, DRAIN_LOCK_KEY, DRAIN_PENDING_KEY)
    enterprise, salesperson = setup_enterprise()
    token = share_token_make(
        enterprise_id=enterprise.pk, salesperson_id=salesperson.pk, kind="article", target_id=1
    )
    no_limit = {"requests": 0, "ip_requests": 0}
    with override_settings(
        ROOT_URLCONF="bench.ingest", TRACKING_RATE_LIMIT=no_limit, TRACKING_DRAIN_DEBOUNCE_SECONDS=3600
    ):
        client.set(DRAIN_PENDING_KEY, 1, ex=3600)  # hold the drain back while queueing
        post_all(Client(), "/t/", bodies_for(token, uuid.uuid4().hex[:8], args.events, 50))
    client.delete("default")  # the drain tasks the requests would have scheduled

    statements: dict[str, list] = defaultdict(lambda: [0, 0.0])

    def timing(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = statements[" ".join(sql.split())[:80]]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    steps: dict[str, list] = defaultdict(lambda: [0.0, 0.0])
    for module, name in STEPS:
        _timed(module, name, steps)
    if args.freeze:
        gc.freeze()
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timing):
        events_drain()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    client.delete(DRAIN_PENDING_KEY)

    for sql, (count, seconds) in sorted(statements.items(), key=lambda item: -item[1][1])[:12]:
        print(f"{seconds * 1000:8.1f} ms {count:4d}x  {sql}")
    for name, (step_wall, step_cpu) in steps.items():
        print(f"{step_wall * 1000:8.1f} ms wall {step_cpu * 1000:8.1f} ms cpu  {name}")
    sql_ms = sum(seconds for _count, seconds in statements.values()) * 1000
    print(
        json.dumps(
            {
                "events": args.events,
                "events_per_s": round(args.events / wall),
                "python_cpu_us_per_event": round(cpu / args.events * 1e6, 1),
                "sql_ms": round(sql_ms, 1),
                "freeze": args.freeze,
            }
        )
    )


if __name__ == "__main__":
    main()
