"""Microsite page query through the real /graphql/ view: SQL queries and latency by block count.

    .venv/bin/pip install --no-deps --target .venv/bench-peer -r bench/requirements.txt   # once
    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/graphql_pages.py [--runs 30]

Creates a throwaway test database, builds a microsite with 5, 50 and 200 blocks (every block
type and every kind of embed: images, chosen and latest articles, products, files, forms, links
to pages) and times the Microsite operation of the clients. Cached figures: the 50-block page
answered from the response cache (Redis). The peer is the same home page served by
wagtail-grapple 0.31 (bench/grapple_peer.py: grapple's generic StreamField types, choosers
resolved to their page, snippet or image) through its own graphene-django view.
Prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.grapple_settings"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--show-sql", action="store_true", help="print our statements at 50 blocks (stderr)")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.conf import settings
        from django.core.cache import cache
        from django.test import Client

        from bench.grapple_peer import PEER_QUERY
        from cms.articles.services import article_create
        from tests.factories import EnterpriseFactory
        from tests.test_api_content import MICROSITE, blocks_for, publish_home

        cache.clear()
        client = Client()
        settings.GRAPHQL_RESPONSE_CACHE = False  # uncached figures first
        results = {"queries": {}, "p50_ms": {}, "p95_ms": {}, "peer_queries": {}, "peer_p50_ms": {}}
        for n in (5, 50, 200):
            enterprise = EnterpriseFactory(name=f"Bench {n}", slug=f"bench{n}")
            article_create(enterprise=enterprise, title="News", publish=True)
            home = publish_home(enterprise, blocks_for(enterprise, n))
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them in production
            key = {"HTTP_X_ENTERPRISE_KEY": enterprise.public_key}
            ours = ("/graphql/", json.dumps({"query": MICROSITE}), key)
            peer = ("/grapple/graphql/", json.dumps({"query": PEER_QUERY, "variables": {"id": home.pk}}), {})

            def run(target: tuple, root: str, n: int = n) -> tuple[int, float]:
                url, body, headers = target
                connection.queries_log.clear()  # the log keeps 9,000 entries; a full log counts 0
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.post(url, data=body, content_type="application/json", **headers)
                    elapsed = (time.perf_counter() - started) * 1000
                data = response.json()
                # grapple reports an error for each empty optional page chooser (a link to a web
                # address leaves the link's page/article/form choosers empty); its data is complete.
                errors = [e for e in data.get("errors", []) if "no attribute 'specific'" not in e["message"]]
                assert response.status_code == 200 and not errors, response.content[:500]
                assert len(data["data"][root]["body"]) == n, response.content[:300]
                if args.show_sql and n == 50 and root == "microsite":
                    print("\n".join(q["sql"][:120] for q in queries.captured_queries), "\n", file=sys.stderr)
                return len(queries), elapsed

            for target, root, qkey, pkey in (
                (ours, "microsite", "queries", "p50_ms"),
                (peer, "page", "peer_queries", "peer_p50_ms"),
            ):
                run(target, root)  # warm: renditions exist afterwards
                samples = [run(target, root) for _ in range(args.runs)]
                results[qkey][str(n)] = samples[-1][0]
                times = [t for _, t in samples]
                results[pkey][str(n)] = round(statistics.median(times), 2)
                if qkey == "queries":
                    results["p95_ms"][str(n)] = round(percentile(times, 95), 2)
            if n == 50:
                settings.GRAPHQL_RESPONSE_CACHE = True
                run(ours, "microsite")  # fills the response cache
                cached = [run(ours, "microsite") for _ in range(args.runs)]
                settings.GRAPHQL_RESPONSE_CACHE = False
                results["cached_queries"] = max(q for q, _ in cached)
                results["cached_p50_ms"] = round(statistics.median(t for _, t in cached), 2)
        results["peer"] = "wagtail-grapple 0.31.0 (generic StreamField types, same page)"
        print(json.dumps(results))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
