"""Ingestion throughput through the real /t/ endpoint vs a naive one-ORM-row-per-event view.

PostgreSQL + Redis (DATABASE_URL, REDIS_URL). Requests go through Django's full middleware
stack with the test Client (in this process). Two ways to store what they queue:

- default (``--worker``): a real Celery worker process (solo pool, as in production) drains
  the queue WHILE the requests are answered; drains are triggered by the requests themselves
  (debounced, one per second). ``events_per_s`` = events sent / (first request → queue empty,
  i.e. every event stored with its rollups, visitor totals, tags and in-app notifications).
- ``--in-process``: requests first (drain held back), then the drain runs in this process;
  ``events_per_s`` = events / (answer time + drain time), both on one core, one after the other.

The naive baseline is a view that saves one ORM row per event in the request (same process,
same client, same run). Every run uses new device ids (new visitors, one notification each).

    python bench/ingest.py [--events 100000] [--naive-events 10000] [--in-process]

Last line: {"events_per_s": x, "naive_events_per_s": y, "batch": 50, "stored": n, "sent": n, ...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
IN_PROCESS = "--in-process" in sys.argv
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true" if IN_PROCESS else "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from bench.servers import start_worker as start_worker_process  # noqa: E402
from trackers.models import Event, EventKey, Visitor  # noqa: E402
from trackers.queue import DRAIN_LOCK_KEY, DRAIN_PENDING_KEY, QUEUE_KEY, redis_client  # noqa: E402
from trackers.share import share_token_make, share_token_verify  # noqa: E402

DEVICES = 2000


@csrf_exempt
def naive_track(request):
    """The baseline: parse, verify, then one ORM INSERT per event inside the request."""
    payload = json.loads(request.body)
    context = share_token_verify(payload["token"])
    visitor, _ = Visitor.objects.get_or_create(
        enterprise_id=context.enterprise_id, device_id=payload["device"]
    )
    now = dt.datetime.now(dt.UTC)
    for event in payload["events"]:
        Event.objects.create(
            enterprise_id=context.enterprise_id,
            event_id=event["id"],
            type=1 if event["type"] == "open" else 2,
            occurred_at=dt.datetime.fromtimestamp(event["ts"] / 1000, tz=dt.UTC),
            received_at=now,
            visitor_id=visitor.pk,
            salesperson_id=context.salesperson_id,
            target_kind=context.kind_code,
            target_id=context.target_id,
            seconds=event.get("seconds", 0),
        )
    return JsonResponse({"accepted": len(payload["events"])}, status=202)


urlpatterns = [path("naive/", naive_track), path("", include("cms.urls"))]


def setup_enterprise():
    from enterprises.models import Enterprise, Role, Salesperson
    from enterprises.services import enterprise_create
    from tests.factories import make_member

    enterprise = Enterprise.objects.filter(slug="bench-ingest").first() or enterprise_create(
        name="Bench ingest", slug="bench-ingest"
    )
    salesperson = Salesperson.objects.filter(enterprise=enterprise).order_by("pk").first()
    if salesperson is None:
        salesperson = make_member(enterprise, Role.SALESPERSON, username="bench-ingest-sales").salesperson
    return enterprise, salesperson


def batches(run: str, total: int, size: int):
    now_ms = int(time.time() * 1000)
    sent = 0
    index = 0
    while sent < total:
        count = min(size, total - sent)
        events = []
        for offset in range(count):
            kind = "open" if offset == 0 else "heartbeat"
            events.append({"id": f"{run}-{sent + offset}", "type": kind, "ts": now_ms - offset, "seconds": 5})
        yield index % DEVICES, events
        sent += count
        index += 1


def bodies_for(token: str, run: str, total: int, size: int) -> list[str]:
    return [
        json.dumps({"token": token, "device": f"bench-{run}-{device:05d}", "events": events})
        for device, events in batches(run, total, size)
    ]


def post_all(client: Client, url: str, bodies: list[str]) -> float:
    started = time.perf_counter()
    for body in bodies:
        response = client.post(url, data=body, content_type="application/json")
        if response.status_code != 202:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:200]!r}")
    return time.perf_counter() - started


def wait_stored(timeout: float = 600) -> float:
    """perf_counter() when the queue is empty: the drain trims messages only after storing them."""
    client = redis_client()
    deadline = time.monotonic() + timeout
    while client.llen(QUEUE_KEY):
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not empty the queue in time")
        time.sleep(0.01)
    return time.perf_counter()


def wait_worker_idle(timeout: float = 600) -> float:
    """perf_counter() when the Celery queue is empty too (notification dispatch tasks done)."""
    client = redis_client()
    deadline = time.monotonic() + timeout
    while client.llen("default") or client.hlen("unacked") or client.exists(DRAIN_LOCK_KEY):
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not finish its tasks in time")
        time.sleep(0.01)
    return time.perf_counter()


def start_worker() -> subprocess.Popen:
    from cms.celery import app

    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    process = start_worker_process(env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=0.5):
                return process
        except Exception:  # noqa: BLE001 - broker not ready yet
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the Celery worker did not start")


def stored_count(enterprise_id: int) -> int:
    return Event.objects.filter(enterprise_id=enterprise_id).count()


def run_worker(client: Client, token: str, enterprise_id: int, total: int, size: int) -> dict:
    """Requests answered while a real worker process drains; timed until everything is stored."""
    run = uuid.uuid4().hex[:8]
    bodies = bodies_for(token, run, total, size)
    before = stored_count(enterprise_id)
    started = time.perf_counter()
    answered = post_all(client, "/t/", bodies)
    stored_at = wait_stored()
    idle_at = wait_worker_idle()
    stored = stored_count(enterprise_id) - before
    post_all(client, "/t/", bodies[: max(1, 10_000 // size)])  # a client retrying: stored once
    wait_stored()
    wait_worker_idle()
    return {
        "events_per_s": round(total / (stored_at - started)),
        "accept_events_per_s": round(total / answered),
        "stored_lag_s": round(stored_at - started - answered, 2),
        "worker_idle_events_per_s": round(total / (idle_at - started)),
        "stored": stored,
        "stored_after_replay": stored_count(enterprise_id) - before,
    }


def run_in_process(client: Client, token: str, enterprise_id: int, total: int, size: int) -> dict:
    """Requests first (drain held back), then the drain in this process; both timed."""
    from trackers.tasks import events_drain

    run = uuid.uuid4().hex[:8]
    bodies = bodies_for(token, run, total, size)
    before = stored_count(enterprise_id)
    redis_client().set(DRAIN_PENDING_KEY, 1, ex=3600)
    answered = post_all(client, "/t/", bodies)
    started = time.perf_counter()
    events_drain.apply()
    storing = time.perf_counter() - started
    stored = stored_count(enterprise_id) - before
    post_all(client, "/t/", bodies[: max(1, 10_000 // size)])
    events_drain.apply()
    redis_client().delete(DRAIN_PENDING_KEY)
    return {
        "events_per_s": round(total / (answered + storing)),
        "accept_events_per_s": round(total / answered),
        "store_events_per_s": round(total / storing),
        "stored": stored,
        "stored_after_replay": stored_count(enterprise_id) - before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--naive-events", type=int, default=10_000)
    parser.add_argument("--in-process", action="store_true", help="drain in this process after the requests")
    args = parser.parse_args()
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not settings.REDIS_URL:
        raise SystemExit("needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    redis_client().delete(QUEUE_KEY, DRAIN_LOCK_KEY, DRAIN_PENDING_KEY)
    enterprise, salesperson = setup_enterprise()
    token = share_token_make(
        enterprise_id=enterprise.pk, salesperson_id=salesperson.pk, kind="article", target_id=1
    )
    mode = "in-process" if args.in_process else "worker"
    # Inserts slow down as the key table's index grows (docs/benchmarks.md): say how big it was.
    keys_before = EventKey.objects.count()
    print(f"event keys already stored: {keys_before}", flush=True)
    print(f"mode: {mode}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    worker = None if args.in_process else start_worker()
    results = {}
    try:
        # In-process: the drain is held back while requests are answered (a pending drain slot
        # for an hour), then run once; with a worker, requests schedule drains as in production.
        debounce = {"TRACKING_DRAIN_DEBOUNCE_SECONDS": 3600} if args.in_process else {}
        no_limit = {"requests": 0, "ip_requests": 0}
        with override_settings(ROOT_URLCONF="bench.ingest", TRACKING_RATE_LIMIT=no_limit, **debounce):
            client = Client()
            for size in (20, 50):
                runner = run_in_process if args.in_process else run_worker
                results[size] = runner(client, token, enterprise.pk, args.events, size)
                print(f"batch {size}: {json.dumps(results[size])}", flush=True)
            run = uuid.uuid4().hex[:8]
            naive_seconds = post_all(client, "/naive/", bodies_for(token, run, args.naive_events, 50))
            naive_rate = round(args.naive_events / naive_seconds)
            print(
                f"naive batch 50: {args.naive_events} events in {naive_seconds:.2f}s = {naive_rate} ev/s",
                flush=True,
            )
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
    load = os.getloadavg()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load)}", flush=True)
    print(
        json.dumps(
            {
                "events_per_s": results[50]["events_per_s"],
                "naive_events_per_s": naive_rate,
                "batch": 50,
                "stored": results[50]["stored"],
                "sent": args.events,
                "mode": mode,
                "events_per_s_batch20": results[20]["events_per_s"],
                "accept_events_per_s": results[50]["accept_events_per_s"],
                "speedup": round(results[50]["events_per_s"] / naive_rate, 1),
                "stored_after_replay": results[50]["stored_after_replay"],
                "load1": round(load[0], 2),
                "keys_before": keys_before,
            }
        )
    )


if __name__ == "__main__":
    main()
