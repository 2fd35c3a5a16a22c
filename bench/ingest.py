"""Ingestion throughput through the real /t/ endpoint vs a naive one-ORM-row-per-event view.

Runs in one process on PostgreSQL + Redis (DATABASE_URL, REDIS_URL): requests go through
Django's full middleware stack with the test Client; the Celery drain runs eagerly in the
same process, so the time covers validating, queueing AND storing every event with its
rollups. The naive baseline is a view that saves one ORM row per event in the request.

    python bench/ingest.py [--events 100000] [--naive-events 10000]

Last line: {"events_per_s": x, "naive_events_per_s": y, "batch": 50, "stored": n, "sent": n}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from trackers.models import Event, Visitor  # noqa: E402
from trackers.queue import redis_client  # noqa: E402
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
    from enterprises.models import Enterprise, Role
    from enterprises.services import enterprise_create, member_add, salesperson_create  # noqa: F401

    enterprise = Enterprise.objects.filter(slug="bench-ingest").first() or enterprise_create(
        name="Bench ingest", slug="bench-ingest"
    )
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-ingest-sales")
    from enterprises.models import Salesperson

    salesperson = Salesperson.objects.filter(user=user).first()
    if salesperson is None:
        from tests.factories import make_member

        salesperson = make_member(
            enterprise, Role.SALESPERSON, username=f"bench-{uuid.uuid4().hex[:6]}"
        ).salesperson
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


def run_endpoint(
    client: Client, url: str, token: str, run: str, total: int, size: int
) -> tuple[float, float]:
    """(seconds answering the requests, seconds storing what they queued)."""
    bodies = [
        json.dumps({"token": token, "device": f"bench-device-{device:05d}", "events": events})
        for device, events in batches(run, total, size)
    ]
    started = time.perf_counter()
    for body in bodies:
        response = client.post(url, data=body, content_type="application/json")
        if response.status_code != 202:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:200]!r}")
    answered = time.perf_counter() - started
    if url != "/t/":
        return answered, 0.0
    from trackers.tasks import events_drain

    started = time.perf_counter()
    events_drain.apply()  # what a worker does next to the web process
    return answered, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--naive-events", type=int, default=10_000)
    args = parser.parse_args()
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not settings.REDIS_URL:
        raise SystemExit("needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    redis_client().delete("trk:events", "trk:drain-lock", "trk:drain-pending")
    enterprise, salesperson = setup_enterprise()
    token = share_token_make(
        enterprise_id=enterprise.pk, salesperson_id=salesperson.pk, kind="article", target_id=1
    )
    results = {}
    # The drain is deferred while requests are answered (as if a worker ran elsewhere), then timed;
    # events_per_s counts both, one after the other, in this one process.
    with override_settings(
        ROOT_URLCONF="bench.ingest",
        TRACKING_RATE_LIMIT={"requests": 0, "ip_requests": 0},
        TRACKING_DRAIN_DEBOUNCE_SECONDS=3600,
    ):
        client = Client()
        for size in (20, 50):
            redis_client().set("trk:drain-pending", 1, ex=3600)
            run = uuid.uuid4().hex[:8]
            before = Event.objects.filter(enterprise_id=enterprise.pk).count()
            answered, storing = run_endpoint(client, "/t/", token, run, args.events, size)
            stored = Event.objects.filter(enterprise_id=enterprise.pk).count() - before
            replayed = min(args.events, 10_000)
            run_endpoint(client, "/t/", token, run, replayed, size)  # a client retrying: stored once
            after_replay = Event.objects.filter(enterprise_id=enterprise.pk).count() - before
            results[size] = {
                "events_per_s": round(args.events / (answered + storing)),
                "accept_events_per_s": round(args.events / answered),
                "store_events_per_s": round(args.events / storing),
                "stored": stored,
                "stored_after_replay": after_replay,
            }
            print(f"batch {size}: {json.dumps(results[size])}", flush=True)
        redis_client().delete("trk:drain-pending")
        run = uuid.uuid4().hex[:8]
        naive_seconds, _ = run_endpoint(client, "/naive/", token, run, args.naive_events, 50)
        naive_rate = round(args.naive_events / naive_seconds)
        print(
            f"naive batch 50: {args.naive_events} events in {naive_seconds:.2f}s = {naive_rate} ev/s",
            flush=True,
        )
    print(
        json.dumps(
            {
                "events_per_s": results[50]["events_per_s"],
                "naive_events_per_s": naive_rate,
                "batch": 50,
                "stored": results[50]["stored"],
                "sent": args.events,
                "events_per_s_batch20": results[20]["events_per_s"],
                "accept_events_per_s": results[50]["accept_events_per_s"],
                "store_events_per_s": results[50]["store_events_per_s"],
                "speedup": round(results[50]["events_per_s"] / naive_rate, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
