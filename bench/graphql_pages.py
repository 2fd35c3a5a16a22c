"""Microsite page query through the real /graphql/ view: SQL queries and latency by block count.

    DATABASE_URL=postgres://... python bench/graphql_pages.py [--runs 30]

Creates a throwaway test database, builds a microsite with 5, 50 and 200 blocks (every block
type, with images, products, a form and article lists) and times the Microsite operation.
Cached figures: the 50-block page answered from the response cache (Redis when REDIS_URL is
set). The peer is the same schema with batch loading switched off (one query per embedded item),
i.e. a naive graphene-django resolver; wagtail-grapple is declared only for Wagtail <= 7 and
was not installed beside Wagtail 8 for this run. Prints one JSON object as its last line.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

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
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.conf import settings
        from django.test import Client

        from api.core import loaders
        from cms.articles.services import article_create
        from tests.factories import EnterpriseFactory
        from tests.test_api_content import MICROSITE, blocks_for, publish_home

        client = Client()
        settings.GRAPHQL_RESPONSE_CACHE = False  # uncached figures first
        results = {"queries": {}, "p50_ms": {}, "p95_ms": {}, "peer_queries": {}, "peer_p50_ms": {}}
        for n in (5, 50, 200):
            enterprise = EnterpriseFactory(name=f"Bench {n}", slug=f"bench{n}")
            article_create(enterprise=enterprise, title="News", publish=True)
            publish_home(enterprise, blocks_for(enterprise, n))
            headers = {"HTTP_X_ENTERPRISE_KEY": enterprise.public_key}
            body = json.dumps({"query": MICROSITE})

            def run(body: str = body, headers: dict = headers) -> tuple[int, float]:
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.post("/graphql/", data=body, content_type="application/json", **headers)
                    elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200 and "errors" not in response.json(), response.content[:300]
                assert response.json()["data"]["microsite"]["body"], response.content[:300]
                return len(queries), elapsed

            for batching, qkey, pkey in ((True, "queries", "p50_ms"), (False, "peer_queries", "peer_p50_ms")):
                loaders.BATCHING["enabled"] = batching
                run()  # warm: renditions exist afterwards
                samples = [run() for _ in range(args.runs)]
                results[qkey][str(n)] = samples[0][0]
                times = [t for _, t in samples]
                results[pkey][str(n)] = round(statistics.median(times), 2)
                if batching:
                    results["p95_ms"][str(n)] = round(percentile(times, 95), 2)
            loaders.BATCHING["enabled"] = True
            if n == 50:
                settings.GRAPHQL_RESPONSE_CACHE = True
                run()  # fills the response cache
                cached = [run() for _ in range(args.runs)]
                settings.GRAPHQL_RESPONSE_CACHE = False
                results["cached_queries"] = max(q for q, _ in cached)
                results["cached_p50_ms"] = round(statistics.median(t for _, t in cached), 2)
        results["peer"] = "graphene-django without batch loaders (naive per-item resolution)"
        print(json.dumps(results))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
