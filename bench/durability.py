"""Durability of tracking ingestion under replays, killed workers and a Redis crash (issue 10, item 5).

A producer sends N events through the real ``POST /t/`` of gunicorn (2 workers), in batches,
every batch sent 3 times (again 3 and 50 steps later: once while the first copy is still
queued, once after it was stored). Meanwhile two real Celery workers drain the queue (one at
a time: the drain lock) and the one inside its drain transaction (seen in ``pg_stat_activity``)
is killed with SIGKILL, K times, a new one started each time. Redis (AOF, ``appendfsync
everysec``, ``noeviction``: what the tracking queue needs, see docs/reliability.md) is
SIGKILLed and restarted once. Every non-202 answer is retried with the same ids, as
``h5/static/h5/tracker.js`` does. At the end the stored events are compared with what was
sent: lost, doubled, rollup seconds.

    DATABASE_URL=postgres://... .venv/bin/python bench/durability.py [--events 100000] [--kills 20]

It migrates DATABASE_URL's database, creates its own enterprise, starts its own Redis in a
temporary directory (REDIS_URL is not used), gunicorn and the worker. Last line: JSON figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import RedisServer, django_env, start_gunicorn, start_worker, stop  # noqa: E402

WORKER_APP_NAME = "bench-drain-worker"  # + "-<n>": one database application name per worker process


def tenant_create(label: str) -> tuple[int, str]:
    """A fresh enterprise with a salesperson; returns (enterprise id, share token of an article)."""
    from enterprises.models import Role
    from enterprises.services import enterprise_create, member_add
    from trackers.share import share_token_make

    enterprise = enterprise_create(name=f"Durability {label}", slug=f"durability-{label}")
    member = member_add(
        enterprise=enterprise,
        username=f"durability-{label}",
        role=Role.SALESPERSON,
        password=uuid.uuid4().hex,
        display_name="Durability bench",
    )
    salesperson = member.salesperson
    token = share_token_make(
        enterprise_id=enterprise.pk, salesperson_id=salesperson.pk, kind="article", target_id=5
    )
    return enterprise.pk, token


def stored_figures(enterprise_id: int) -> dict:
    from django.db import connection
    from django.db.models import Sum

    from trackers.models import ContentDailyStat, Visitor

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT event_id), coalesce(sum(seconds), 0) "
            "FROM trackers_event WHERE enterprise_id = %s",
            [enterprise_id],
        )
        rows, distinct, seconds = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM trackers_eventkey WHERE enterprise_id = %s", [enterprise_id])
        keys = cursor.fetchone()[0]
        cursor.execute("SELECT event_id FROM trackers_event WHERE enterprise_id = %s", [enterprise_id])
        ids = {row[0] for row in cursor.fetchall()}
    return {
        "rows": rows,
        "distinct": distinct,
        "keys": keys,
        "event_seconds": int(seconds),
        "ids": ids,
        "rollup_read_seconds": int(
            ContentDailyStat.objects.filter(enterprise_id=enterprise_id).aggregate(s=Sum("read_seconds"))["s"]
            or 0
        ),
        "visitor_read_seconds": int(
            Visitor.objects.filter(enterprise_id=enterprise_id).aggregate(s=Sum("read_seconds"))["s"] or 0
        ),
    }


def _drain_transaction_open() -> str | None:
    """The application name of a worker that is inside its drain transaction, if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s "
            "AND xact_start IS NOT NULL AND state <> 'idle' LIMIT 1",
            [WORKER_APP_NAME + "-%"],
        )
        row = cursor.fetchone()
        return row[0] if row else None


def run(
    *,
    database_url: str,
    events: int = 100_000,
    batch: int = 50,
    replays: int = 3,
    kills: int = 20,
    redis_restarts: int = 1,
    produce_seconds: float = 150.0,
    redis_crash: bool = True,
    appendfsync: str = "everysec",
    senders: int = 8,
    drain_workers: int = 2,
    server_workers: int = 2,
    beat_seconds: float = 2.0,
    drain_timeout: float = 300.0,
    kill_wait: float = 60.0,
    workdir: Path | None = None,
    log=print,
) -> dict:
    """Run the whole experiment against ``database_url`` (migrated); returns the figures."""
    import requests
    from celery import Celery

    from trackers.queue import DRAIN_LOCK_KEY, QUEUE_KEY

    workdir = Path(workdir or tempfile.mkdtemp(prefix="durability-"))
    label = uuid.uuid4().hex[:8]
    enterprise_id, token = tenant_create(label)
    redis_server = RedisServer(workdir / "redis", appendfsync=appendfsync).start()
    sep = "&" if "?" in database_url else "?"
    extra = {
        "TRACKING_RATE_LIMIT_REQUESTS": "0",
        "TRACKING_RATE_LIMIT_IP_REQUESTS": "0",
        "TRACKING_DRAIN_LOCK_SECONDS": "3",
    }
    server_env = django_env(database_url=database_url, redis_url=redis_server.url, extra=extra)
    workers: dict[str, object] = {}
    started_workers = [0]

    def worker_add() -> None:
        """One more drain worker, with its own database application name (to know whom to kill)."""
        started_workers[0] += 1
        name = f"{WORKER_APP_NAME}-{started_workers[0]}"
        env = django_env(
            database_url=f"{database_url}{sep}application_name={name}",
            redis_url=redis_server.url,
            extra=extra,
        )
        workers[name] = start_worker(env, log=workdir / "worker.log")

    for _ in range(drain_workers):
        worker_add()
    gunicorn, base = start_gunicorn(server_env, workers=server_workers, log=workdir / "gunicorn.log")
    beat_app = Celery(broker=redis_server.url, set_as_current=False)  # not the tasks' app in pytest
    t_ready = time.monotonic()
    while time.monotonic() < t_ready + 90 and len(beat_app.control.ping(timeout=1) or []) < drain_workers:
        pass
    log(f"gunicorn and {drain_workers} workers up")

    # the batches and the order they are sent in (each one `replays` times, at growing lags)
    now_ms = int(time.time() * 1000)
    payloads, seconds_sent = [], 0
    for index in range(0, events, batch):
        rows = []
        for n in range(index, min(index + batch, events)):
            seconds = 1 + n % 20
            seconds_sent += seconds
            rows.append(
                {
                    "id": f"{label}-{n}",
                    "type": "heartbeat",
                    "ts": now_ms - (events - n),
                    "seconds": seconds,
                    "scroll": n % 100,
                }
            )
        payloads.append(
            json.dumps({"token": token, "device": f"dev-{label}-{len(payloads) % 300:04d}", "events": rows})
        )
    lags = [0, 3, 50, 200, 400][:replays]
    steps = len(payloads) + lags[-1]
    step_seconds = produce_seconds / steps
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    failed_sends = [0]
    local = threading.local()

    def send(body: str) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        for _attempt in range(600):
            try:
                status = str(
                    session.post(
                        base + "/t/", data=body, timeout=10, headers={"Content-Type": "application/json"}
                    ).status_code
                )
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            if status == "202":
                return
            if status in ("400", "403", "413"):
                break  # a batch that can never succeed (tracker.js drops it): counted, not retried
            time.sleep(0.2)
        with lock:
            failed_sends[0] += 1

    producing = threading.Event()
    producing.set()

    def produce() -> None:
        started = time.monotonic()
        with ThreadPoolExecutor(senders) as pool:
            for step in range(steps):
                delay = started + step * step_seconds - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                for lag in lags:
                    if 0 <= step - lag < len(payloads):
                        pool.submit(send, payloads[step - lag])
        producing.clear()

    beating = threading.Event()
    beating.set()

    def beat() -> None:
        """What celery beat does in production (events_drain every 5 s), here every beat_seconds."""
        while beating.is_set():
            try:
                if redis_server.client().llen(QUEUE_KEY):
                    beat_app.send_task("trackers.tasks.events_drain", queue="default")
            except Exception:  # noqa: BLE001 - Redis is being restarted
                pass
            time.sleep(beat_seconds)

    kill_log = []
    started = time.monotonic()
    producer = threading.Thread(target=produce, daemon=True)
    beater = threading.Thread(target=beat, daemon=True)
    producer.start()
    beater.start()
    restart_at = {kills // 2: True} if redis_restarts else {}
    redis_restarts_done = 0
    try:
        for k in range(kills):
            not_before = started + (k + 0.3) * produce_seconds / max(kills, 1)
            while time.monotonic() < not_before:
                time.sleep(0.05)
            if restart_at.get(k) and redis_restarts_done < redis_restarts:
                queued = redis_server.client().llen(QUEUE_KEY)
                redis_server.restart(crash=redis_crash)
                redis_restarts_done += 1
                after = redis_server.client().llen(QUEUE_KEY)
                how = "killed" if redis_crash else "shut down"
                log(f"redis {how} and restarted: queue {queued} -> {after}")
            # wait for the worker to be inside a drain transaction, then kill it right away
            deadline = time.monotonic() + kill_wait
            victim = None
            while time.monotonic() < deadline and victim not in workers:
                time.sleep(random.uniform(0.002, 0.02))
                victim = _drain_transaction_open()
            in_transaction = victim in workers
            if not in_transaction:
                victim = next(iter(workers))
            try:
                lock_held = bool(redis_server.client().exists(DRAIN_LOCK_KEY))
            except Exception:  # noqa: BLE001
                lock_held = False
            worker = workers.pop(victim)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
            kill_log.append(
                {
                    "at_s": round(time.monotonic() - started, 1),
                    "in_transaction": in_transaction,
                    "lock_held": lock_held,
                }
            )
            log(f"kill {k + 1}/{kills} at {kill_log[-1]['at_s']} s: in drain transaction={in_transaction}")
            worker_add()
        producer.join()
        produced_at = time.monotonic()
        log(f"producer done after {produced_at - started:.1f} s; draining")
        deadline = time.monotonic() + drain_timeout
        client = redis_server.client()
        while time.monotonic() < deadline:
            idle = not client.llen(QUEUE_KEY) and not client.exists(DRAIN_LOCK_KEY)
            if idle and not _drain_transaction_open():
                break
            time.sleep(0.5)
        drained_at = time.monotonic()
        queue_left = client.llen(QUEUE_KEY)
    finally:
        beating.clear()
        for worker in workers.values():
            stop(worker)
        stop(gunicorn)
        redis_server.stop()
    figures = stored_figures(enterprise_id)
    sent_ids = {f"{label}-{n}" for n in range(events)}
    report = {
        "events_sent": events,
        "batches": len(payloads),
        "requests_202": statuses.get("202", 0),
        "replays_per_batch": replays,
        "statuses": statuses,
        "failed_sends": failed_sends[0],
        "kills": len(kill_log),
        "kills_in_drain_transaction": sum(1 for k in kill_log if k["in_transaction"]),
        "drain_workers": drain_workers,
        "redis_restarts": redis_restarts_done,
        "redis_restart": "SIGKILL" if redis_crash else "SHUTDOWN",
        "appendfsync": appendfsync,
        "queue_left": queue_left,
        "stored_rows": figures["rows"],
        "stored_distinct": figures["distinct"],
        "event_keys": figures["keys"],
        "lost": len(sent_ids - figures["ids"]),
        "doubled": figures["rows"] - figures["distinct"],
        "unexpected": len(figures["ids"] - sent_ids),
        "seconds_sent": seconds_sent,
        "seconds_stored": figures["event_seconds"],
        "rollup_read_seconds": figures["rollup_read_seconds"],
        "visitor_read_seconds": figures["visitor_read_seconds"],
        "produce_s": round(produced_at - started, 1),
        "drain_after_producer_s": round(drained_at - produced_at, 1),
        "workdir": str(workdir),
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--replays", type=int, default=3)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--redis-restarts", type=int, default=1)
    parser.add_argument("--redis-shutdown", action="store_true", help="orderly SHUTDOWN instead of SIGKILL")
    parser.add_argument("--appendfsync", default="everysec", choices=["everysec", "always", "no"])
    parser.add_argument("--produce-seconds", type=float, default=150.0)
    parser.add_argument("--no-migrate", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    if not args.no_migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    report = run(
        database_url=database_url,
        events=args.events,
        batch=args.batch,
        replays=args.replays,
        kills=args.kills,
        redis_restarts=args.redis_restarts,
        produce_seconds=args.produce_seconds,
        redis_crash=not args.redis_shutdown,
        appendfsync=args.appendfsync,
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
