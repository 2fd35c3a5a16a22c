"""Fuzz /graphql/ with schema-generated operations plus abusive ones; print figures.

Usage: .venv/bin/python bench/fuzz_graphql.py [--count 10000] [--seed 1]
Counts HTTP statuses (goal: 0 x 500), error codes, and the time to refuse each over-limit
operation with LIMIT (goal: < 50 ms). Runs in-process through Django's test client. It sets up
its own database: Django's test database next to DATABASE_URL's (``test_<name>``, migrated, then
``seed_demo`` so resolvers find real tenants and pages), dropped at the end unless ``--keepdb``.
Last line: JSON with the figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings as django_settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis_graphql import queries  # noqa: E402

from api.schema import schema  # noqa: E402


def abusive() -> dict[str, str]:
    fragments = ["fragment F0 on Query { __typename }"]
    for i in range(1, 7):
        body = " ".join(f"x{j}: __typename ...F{i - 1}" for j in range(10))
        fragments.append(f"fragment F{i} on Query {{ {body} }}")
    return {
        "depth 50": "query " + "{ microsite " * 50 + "{ __typename }" + " }" * 50,
        "1000 aliases": "query { " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }",
        "fragment cycle": "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "fragment amplification 10^6": "query { ...F6 } " + " ".join(fragments),
        "1 MB string": "{ __typename } #" + "A" * 1_000_000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20, help="runs of each abusive operation")
    parser.add_argument("--keepdb", action="store_true", help="reuse/keep the test database")
    args = parser.parse_args()
    setup_test_environment()
    t0 = time.perf_counter()
    database = django_settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"bench_fuzz_{database['NAME']}"  # not pytest's test_<name>
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=args.keepdb)
    call_command("seed_demo", verbosity=0)
    print(f"database migrated and seeded in {time.perf_counter() - t0:.1f} s")
    try:
        report = fuzz(args)
    finally:
        if not args.keepdb:
            teardown_databases(old_config, verbosity=0)
    print(json.dumps(report))


def fuzz(args) -> dict:
    client = Client(HTTP_HOST="localhost")
    statuses: collections.Counter = collections.Counter()
    codes: collections.Counter = collections.Counter()
    internal: list[str] = []

    def send(query: str):
        body = json.dumps({"query": query})
        response = client.post("/graphql/", data=body, content_type="application/json")
        statuses[response.status_code] += 1
        body = response.content.decode()
        for error in (json.loads(body).get("errors") or []) if body.startswith("{") else []:
            codes[error.get("extensions", {}).get("code")] += 1
        if response.status_code >= 500 or "Internal error" in body:
            internal.append(query[:200])
        return response

    started = time.perf_counter()

    @seed(args.seed)
    @settings(max_examples=args.count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(queries(str(schema)))
    def run(query):
        send(query)

    run()
    elapsed = time.perf_counter() - started
    total = sum(statuses.values())
    print(f"generated operations: {total} in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
    print(f"HTTP statuses: {dict(statuses)}")
    print(f"error codes: {dict(codes)}")
    print(f"500s or internal errors: {len(internal)}")
    for sample in internal[:5]:
        print("  ", sample)
    print(f"abusive operations ({args.runs} runs each):")
    abuse = {}
    for name, query in abusive().items():
        timings, refused = [], set()
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = send(query)
            timings.append((time.perf_counter() - t0) * 1000)
            refused |= {e.get("extensions", {}).get("code") for e in response.json().get("errors") or []}
        print(
            f"  {name:32s} codes={sorted(c for c in refused if c)} "
            f"median={statistics.median(timings):.1f} ms max={max(timings):.1f} ms"
        )
        abuse[name] = {
            "codes": sorted(c for c in refused if c),
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
        }
    return {
        "operations": total,
        "seconds": round(elapsed, 1),
        "statuses": dict(statuses),
        "codes": {str(k): v for k, v in codes.items()},
        "internal_errors": len(internal),
        "abusive": abuse,
    }


if __name__ == "__main__":
    main()
