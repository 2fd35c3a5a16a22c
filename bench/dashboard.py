"""Dashboard and timeline reads at scale: rollups vs a raw scan of the event table.

Generates N events (default 10M) over 200 enterprises and 90 days with COPY into the
partitioned event table, builds the rollups from them with one INSERT ... SELECT per
table, then times (PostgreSQL, DATABASE_URL):

- a visitor timeline (``trackers.selectors.visitor_timeline``, 100 newest actions),
- the 30-day dashboard from rollups (``trackers.selectors.dashboard``),
- the same 30-day figures by scanning events (``trackers.selectors.dashboard_raw``).

    python bench/dashboard.py [--events 10000000] [--enterprises 200] [--keep]

Last line: {"events": n, "timeline_p95_ms": x, "dashboard_p95_ms": y, "raw_dashboard_p95_ms": z}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from enterprises.models import Enterprise  # noqa: E402
from enterprises.selectors import Scope  # noqa: E402
from trackers.models import Visitor  # noqa: E402
from trackers.partitions import event_partitions_ensure  # noqa: E402
from trackers.selectors import dashboard, dashboard_raw, visitor_timeline  # noqa: E402

SALESPEOPLE = 10
CONTENTS = 60
DAYS = 90
SALESPERSON_BASE = 10_000_000  # fake ids: events and rollups carry plain ids, no foreign keys


def enterprises(count: int) -> list[Enterprise]:
    from enterprises.services import enterprise_create

    found = {e.slug: e for e in Enterprise.objects.filter(slug__startswith="bench-dash-")}
    result = []
    for index in range(count):
        slug = f"bench-dash-{index:03d}"
        result.append(found.get(slug) or enterprise_create(name=f"Bench dashboard {index}", slug=slug))
    return result


def reset(enterprise_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        for table in (
            "trackers_event",
            "trackers_contentdailystat",
            "trackers_salespersondailystat",
            "trackers_contentvisitor",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE enterprise_id = ANY(%s)", [enterprise_ids])
    Visitor.objects.filter(enterprise_id__in=enterprise_ids).delete()


def make_visitors(enterprise_ids: list[int], per_enterprise: int) -> dict[int, list[int]]:
    Visitor.objects.bulk_create(
        [
            Visitor(enterprise_id=eid, device_id=f"bench-{eid}-{n}")
            for eid in enterprise_ids
            for n in range(per_enterprise)
        ],
        batch_size=5000,
    )
    visitors: dict[int, list[int]] = {eid: [] for eid in enterprise_ids}
    for pk, eid in Visitor.objects.filter(enterprise_id__in=enterprise_ids).values_list(
        "pk", "enterprise_id"
    ):
        visitors[eid].append(pk)
    return visitors


def copy_events(total: int, visitors: dict[int, list[int]]) -> float:
    """COPY ``total`` events spread over the enterprises and the last DAYS days."""
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=DAYS)
    span = int((now - start).total_seconds())
    enterprise_ids = list(visitors)
    types = [1] * 3 + [2] * 12 + [3] * 3 + [4]  # open, heartbeat, click, share
    started = time.perf_counter()
    columns = (
        "enterprise_id, event_id, type, occurred_at, received_at, visitor_id, salesperson_id, depth, "
        "target_kind, target_id, seconds, scroll, session"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY trackers_event ({columns}) FROM STDIN") as copy:
            lines = []
            for n in range(total):
                eid = enterprise_ids[n % len(enterprise_ids)]
                people = visitors[eid]
                kind = rng.choice(types)
                moment = start + dt.timedelta(seconds=rng.randrange(span))
                stamp = moment.isoformat()
                lines.append(
                    f"{eid}\tb{n}\t{kind}\t{stamp}\t{stamp}\t{people[rng.randrange(len(people))]}\t"
                    f"{SALESPERSON_BASE + rng.randrange(SALESPEOPLE)}\t0\t{1 + rng.randrange(7)}\t"
                    f"{1 + rng.randrange(CONTENTS)}\t{10 if kind == 2 else 0}\t0\t\n"
                )
                if len(lines) >= 20000:
                    copy.write("".join(lines))
                    lines.clear()
            if lines:
                copy.write("".join(lines))
    return time.perf_counter() - started


def build_rollups(enterprise_ids: list[int]) -> float:
    """Rollups from events in SQL (what the incremental pipeline would have produced)."""
    zone = settings.TIME_ZONE
    sums = ", ".join(
        ["count(*) FILTER (WHERE type = 1)", "0", "coalesce(sum(seconds), 0)"]
        + [f"count(*) FILTER (WHERE type = {code})" for code in (3, 4, 5, 6, 7)]
    )
    counters = "opens, new_visitors, read_seconds, clicks, shares, likes, form_submits, phone_auths"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO trackers_contentdailystat
                (enterprise_id, day, salesperson_id, target_kind, target_id, {counters})
                SELECT enterprise_id, (occurred_at AT TIME ZONE %s)::date, coalesce(salesperson_id, 0),
                       target_kind, target_id, {sums}
                FROM trackers_event WHERE enterprise_id = ANY(%s) GROUP BY 1, 2, 3, 4, 5""",
            [zone, enterprise_ids],
        )
        cursor.execute(
            f"""INSERT INTO trackers_salespersondailystat (enterprise_id, day, salesperson_id, {counters})
                SELECT enterprise_id, day, salesperson_id, sum(opens), sum(new_visitors), sum(read_seconds),
                       sum(clicks), sum(shares), sum(likes), sum(form_submits), sum(phone_auths)
                FROM trackers_contentdailystat WHERE enterprise_id = ANY(%s) GROUP BY 1, 2, 3""",
            [enterprise_ids],
        )
        cursor.execute("ANALYZE trackers_event")
        cursor.execute("ANALYZE trackers_contentdailystat")
        cursor.execute("ANALYZE trackers_salespersondailystat")
        cursor.execute("ANALYZE trackers_visitor")
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[18] * 1000, 2)


def timed(function, runs: list) -> list[float]:
    samples = []
    for args in runs:
        started = time.perf_counter()
        function(*args)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--enterprises", type=int, default=200)
    parser.add_argument("--visitors", type=int, default=500, help="visitors per enterprise")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    args = parser.parse_args()
    event_partitions_ensure(months_back=4, months_ahead=1)
    tenants = enterprises(args.enterprises)
    enterprise_ids = [e.pk for e in tenants]
    if not args.keep:
        reset(enterprise_ids)
        visitors = make_visitors(enterprise_ids, args.visitors)
        print(f"visitors: {sum(len(v) for v in visitors.values())}", flush=True)
        copy_seconds = copy_events(args.events, visitors)
        print(
            f"COPY {args.events} events: {copy_seconds:.1f}s ({args.events / copy_seconds:.0f} rows/s)",
            flush=True,
        )
        rollup_seconds = build_rollups(enterprise_ids)
        print(f"rollups built: {rollup_seconds:.1f}s", flush=True)
    else:
        visitors = {eid: [] for eid in enterprise_ids}
        for pk, eid in Visitor.objects.filter(enterprise_id__in=enterprise_ids).values_list(
            "pk", "enterprise_id"
        ):
            visitors[eid].append(pk)
    stored = Visitor.objects.none().model.objects.raw("SELECT 1 AS id")  # keep the ORM warm
    del stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trackers_event WHERE enterprise_id = ANY(%s)", [enterprise_ids])
        events = cursor.fetchone()[0]
    rng = random.Random(11)
    scopes = [
        Scope(user_id=None, enterprise_id=rng.choice(enterprise_ids), sees_whole_enterprise=True)
        for _ in range(args.samples)
    ]
    picks = []
    for scope in scopes:
        visitor = Visitor.objects.get(pk=rng.choice(visitors[scope.enterprise_id]))
        picks.append((scope, visitor))
    timeline = timed(lambda scope, visitor: visitor_timeline(scope=scope, visitor=visitor, limit=100), picks)
    rollup = timed(lambda scope: dashboard(scope=scope, days=30), [(scope,) for scope in scopes])
    raw = timed(
        lambda scope: dashboard_raw(scope=scope, days=30),
        [(scope,) for scope in scopes[: max(20, args.samples // 4)]],
    )
    # the two paths agree on the figures they share
    check = scopes[0]
    from_rollups, from_events = dashboard(scope=check, days=30), dashboard_raw(scope=check, days=30)
    assert from_rollups.totals["opens"] == from_events.totals["opens"], (
        from_rollups.totals,
        from_events.totals,
    )
    result = {
        "events": events,
        "timeline_p95_ms": p95(timeline),
        "dashboard_p95_ms": p95(rollup),
        "raw_dashboard_p95_ms": p95(raw),
        "speedup_p95": round(p95(raw) / p95(rollup), 1),
        "enterprises": len(enterprise_ids),
    }
    print(
        f"timeline median {statistics.median(timeline) * 1000:.2f} ms, dashboard median "
        f"{statistics.median(rollup) * 1000:.2f} ms, raw median {statistics.median(raw) * 1000:.2f} ms",
        flush=True,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
