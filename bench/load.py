"""Load: simulated visitors against gunicorn (2 workers) on PostgreSQL (issue 10, item 6).

Each visitor (a thread with its own source address 127.0.1.x, so per-IP limits see separate
people) loops: microsite home (GraphQL ``Microsite``), a microsite page (``MicrositePage``), an
article (``H5Article``) read for 15-30 s with an ``open`` and a heartbeat batch every 5 s on
``/t/`` (as ``h5/static/h5/tracker.js``), and one time in five the lead form (``Form`` then
``SubmitForm``), with 2-5 s of think time between steps. Operations are sent as persisted queries (sha256 of
``graphql/operations/*.graphql``), as the H5 client does in production. A flood visitor
(127.0.2.1, one device, 16 connections, no think time) hammers ``/t/`` at the same time: it must get 429s
(``TRACKING_RATE_LIMIT``, 120 batches/min per device) while the control visitors see < 1% errors.

    DATABASE_URL=postgres://... .venv/bin/python bench/load.py [--visitors 200] [--duration 60]

It migrates and seeds (``seed_demo``) DATABASE_URL's database, starts its own Redis, gunicorn
(``--workers 2 --threads 4 --keep-alive 75``, as behind a proxy) and one Celery worker (the
tracking drain and form tasks).
Last line: JSON figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import ROOT, RedisServer, django_env, start_gunicorn, start_worker, stop  # noqa: E402

READ_SECONDS = (15, 30)  # an article is read this long; tracker.js sends a batch every 5 s
BATCH_SECONDS = 5
THINK_SECONDS = (2, 5)
FLOOD_THREADS = 16
failures: list[str] = []  # the first few failed requests, printed for diagnosis


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def targets() -> list[dict]:
    """What visitors can open, per seeded enterprise: key, share tokens, page/article/form ids."""
    from cms.articles.models import ArticlePage
    from cms.leadforms.models import LeadFormPage
    from enterprises.models import Enterprise, Salesperson
    from sites.models import MicrositeNavPage
    from trackers.share import share_token_for

    found = []
    for enterprise in Enterprise.objects.filter(is_active=True).select_related("site__root_page"):
        root = enterprise.site.root_page if enterprise.site_id else None
        salesperson = Salesperson.objects.filter(enterprise=enterprise).order_by("pk").first()
        if root is None or salesperson is None:
            continue
        articles = list(ArticlePage.objects.live().descendant_of(root))
        pages = list(MicrositeNavPage.objects.live().descendant_of(root).values_list("pk", flat=True))
        forms = list(LeadFormPage.objects.live().descendant_of(root).values_list("pk", flat=True))
        if not articles:
            continue
        found.append(
            {
                "key": enterprise.public_key,
                "home_token": share_token_for(root.specific, salesperson),
                "pages": pages or [root.pk],
                "articles": [(a.pk, share_token_for(a, salesperson)) for a in articles],
                "forms": forms,
            }
        )
    return found


def persisted_hashes() -> dict[str, str]:
    from api.core.persisted import document_hash

    return {
        path.stem: document_hash(path.read_text())
        for path in sorted((ROOT / "graphql" / "operations").glob("*.graphql"))
    }


def _value_for(field: dict):
    kind, choices = field.get("type") or "", field.get("choices") or []
    if isinstance(choices, str):
        choices = [c for c in choices.splitlines() if c]
    if kind == "phone":
        return "13800138000"
    if kind == "email":
        return "load@example.com"
    if kind == "number":
        return 3
    if kind == "date":
        return "2026-12-01"
    if kind in ("checkboxes", "multiselect"):
        return choices[:1]
    if kind in ("radio", "dropdown", "select") and choices:
        return choices[0]
    if kind == "checkbox":
        return True
    return "Load test"


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: list[tuple[str, str, float, str]] = []  # (group, kind, ms, outcome)

    def add(self, group: str, kind: str, ms: float, outcome: str) -> None:
        with self.lock:
            self.samples.append((group, kind, ms, outcome))


def _session(source_ip: str):
    import requests
    from requests.adapters import HTTPAdapter

    class SourceAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (source_ip, 0)
            super().init_poolmanager(*args, **kwargs)

    session = requests.Session()
    adapter = SourceAdapter(pool_connections=1, pool_maxsize=1)
    session.mount("http://", adapter)
    return session


def visitor(
    index: int,
    base: str,
    tenant: dict,
    hashes: dict,
    forms: dict,
    recorder: Recorder,
    stop_at: float,
    group: str = "control",
) -> None:
    session = _session(f"127.0.1.{index % 250 + 1}" if index < 250 else f"127.0.3.{index % 250 + 1}")
    device = f"load-{uuid.uuid4().hex[:16]}"
    headers = {"Content-Type": "application/json", "X-Enterprise-Key": tenant["key"]}
    rng = random.Random(index)

    def call(kind: str, method: str, path: str, body: dict, ok_status=(200,)):
        t0 = time.perf_counter()
        try:
            response = session.request(
                method, base + path, data=json.dumps(body), headers=headers, timeout=30
            )
            status = response.status_code
            text = response.text
        except Exception as exc:  # noqa: BLE001 - counted as an error
            status, text = type(exc).__name__, str(exc)
        ms = (time.perf_counter() - t0) * 1000
        if status not in ok_status:
            outcome = f"http_{status}"
            if len(failures) < 5:
                failures.append(f"{kind} {status} {text[:200]}")
        elif path == "/graphql/" and (_json(text).get("errors") or not _json(text).get("data")):
            outcome = "graphql_error"
            if len(failures) < 5:
                failures.append(f"{kind} {text[:200]}")
        elif kind == "form_submit" and not (_json(text).get("data") or {}).get("submitForm", {}).get("ok"):
            outcome = "form_not_ok"
        else:
            outcome = "ok"
        recorder.add(group, kind, ms, outcome)
        return text

    def gql(kind: str, name: str, variables: dict):
        return call(
            kind,
            "POST",
            "/graphql/",
            {
                "variables": variables,
                "operationName": name,
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hashes[name]}},
            },
        )

    def track(token: str, events: list[dict]):
        call("track", "POST", "/t/", {"token": token, "device": device, "events": events}, ok_status=(202,))

    def think():
        time.sleep(rng.uniform(*THINK_SECONDS))

    n = 0
    while time.monotonic() < stop_at:
        gql("microsite", "Microsite", {"shareToken": tenant["home_token"]})
        think()
        gql("page", "MicrositePage", {"id": str(rng.choice(tenant["pages"]))})
        think()
        article_id, token = rng.choice(tenant["articles"])
        gql("article", "H5Article", {"id": str(article_id), "shareToken": token})
        now = int(time.time() * 1000)
        track(token, [{"id": f"{device}-{n}-o", "type": "open", "ts": now}])
        for beat in range(int(rng.uniform(*READ_SECONDS)) // BATCH_SECONDS):
            if time.monotonic() >= stop_at:
                return
            time.sleep(BATCH_SECONDS)
            track(
                token,
                [
                    {
                        "id": f"{device}-{n}-h{beat}",
                        "type": "heartbeat",
                        "ts": int(time.time() * 1000),
                        "seconds": BATCH_SECONDS,
                        "scroll": min(100, 20 * (beat + 1)),
                    }
                ],
            )
        if tenant["forms"] and rng.random() < 0.2:
            form_id = rng.choice(tenant["forms"])
            gql("form", "Form", {"id": str(form_id)})
            think()
            gql(
                "form_submit",
                "SubmitForm",
                {"formId": str(form_id), "data": forms[form_id], "shareToken": token},
            )
        n += 1
        think()


def flood(base: str, tenant: dict, recorder: Recorder, stop_at: float, device: str) -> None:
    """One visitor (one IP and device, several connections), no think time: the limit must answer 429."""
    session = _session("127.0.2.1")
    _article_id, token = tenant["articles"][0]
    n = 0
    while time.monotonic() < stop_at:
        now = int(time.time() * 1000)
        event = {"id": f"{device}-{threading.get_ident()}-{n}", "type": "click", "ts": now}
        body = json.dumps({"token": token, "device": device, "events": [event]})
        t0 = time.perf_counter()
        try:
            status = str(
                session.post(
                    base + "/t/", data=body, timeout=30, headers={"Content-Type": "application/json"}
                ).status_code
            )
        except Exception as exc:  # noqa: BLE001
            status = type(exc).__name__
        recorder.add("flood", "track", (time.perf_counter() - t0) * 1000, status)
        n += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def summarize(recorder: Recorder, duration: float) -> dict:
    control = [s for s in recorder.samples if s[0] == "control"]
    flood_samples = [s for s in recorder.samples if s[0] == "flood"]
    timings = [s[2] for s in control]
    errors: dict[str, int] = {}
    for _group, kind, _ms, outcome in control:
        if outcome != "ok":
            errors[f"{kind}:{outcome}"] = errors.get(f"{kind}:{outcome}", 0) + 1
    per_kind = {}
    for kind in sorted({s[1] for s in control}):
        ms = [s[2] for s in control if s[1] == kind]
        per_kind[kind] = {
            "n": len(ms),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
        }
    flood_statuses: dict[str, int] = {}
    for sample in flood_samples:
        flood_statuses[sample[3]] = flood_statuses.get(sample[3], 0) + 1
    error_count = sum(errors.values())
    return {
        "requests": len(control),
        "rps": round(len(control) / duration, 1),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "p99_ms": round(percentile(timings, 99), 1),
        "mean_ms": round(statistics.fmean(timings), 1) if timings else 0,
        "errors": error_count,
        "error_rate_pct": round(100 * error_count / max(len(control), 1), 3),
        "error_kinds": errors,
        "per_kind": per_kind,
        "flood_requests": len(flood_samples),
        "flood_statuses": flood_statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=10, help="seconds to start all visitors")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--flood-connections", type=int, default=FLOOD_THREADS)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    if not args.no_seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", verbosity=0)
    tenants = targets()
    if not tenants:
        sys.exit("no seeded enterprise with articles (run seed_demo)")
    hashes = persisted_hashes()
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    redis_server = RedisServer(workdir / "redis").start()
    env = django_env(
        database_url=database_url, redis_url=redis_server.url, extra={"GRAPHQL_PERSISTED_ONLY": "true"}
    )
    worker = start_worker(env, log=workdir / "worker.log")
    gunicorn = None
    try:
        gunicorn, base = start_gunicorn(
            env, workers=args.workers, threads=args.threads, keep_alive=75, log=workdir / "gunicorn.log"
        )
        forms = form_data(base, tenants, hashes)
        recorder = Recorder()
        started = time.monotonic()
        stop_at = started + args.ramp + args.duration
        threads = []
        flood_device = f"flood-{uuid.uuid4().hex[:16]}"
        for _ in range(args.flood_connections):
            threads.append(
                threading.Thread(
                    target=flood, daemon=True, args=(base, tenants[0], recorder, stop_at, flood_device)
                )
            )
            threads[-1].start()
        for index in range(args.visitors):
            tenant = tenants[index % len(tenants)]
            thread = threading.Thread(
                target=visitor, daemon=True, args=(index, base, tenant, hashes, forms, recorder, stop_at)
            )
            threads.append(thread)
            thread.start()
            time.sleep(args.ramp / max(args.visitors, 1))
        for thread in threads:
            thread.join(timeout=max(1.0, stop_at - time.monotonic() + 35))
        elapsed = time.monotonic() - started
    finally:
        stop(gunicorn)
        stop(worker)
        redis_server.stop()
    report = summarize(recorder, elapsed)
    report.update(
        visitors=args.visitors,
        duration_s=round(elapsed, 1),
        ramp_s=args.ramp,
        gunicorn=f"{args.workers} workers x {args.threads} threads",
        flood_connections=args.flood_connections,
        tenants=len(tenants),
        loadavg=[round(x, 2) for x in os.getloadavg()],
    )
    for kind, figures in report["per_kind"].items():
        print(f"{kind:12s} {figures}")
    print(
        f"control: {report['requests']} requests, {report['rps']} rps, p50 {report['p50_ms']} ms, "
        f"p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms, errors {report['errors']} "
        f"({report['error_rate_pct']} %) {report['error_kinds']}"
    )
    print(f"flood: {report['flood_requests']} requests {report['flood_statuses']}")
    for failure in failures:
        print("failed:", failure)
    print(json.dumps(report))


def form_data(base: str, tenants: list[dict], hashes: dict) -> dict:
    """Valid answers for every form, built from its public ``Form`` query (field names and types)."""
    import requests

    answers = {}
    for tenant in tenants:
        for form_id in tenant["forms"]:
            response = requests.post(
                base + "/graphql/",
                timeout=30,
                json={
                    "operationName": "Form",
                    "variables": {"id": str(form_id)},
                    "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hashes["Form"]}},
                },
                headers={"X-Enterprise-Key": tenant["key"]},
            )
            form = (response.json().get("data") or {}).get("form")
            if form is None:
                raise SystemExit(f"form {form_id}: {response.text[:300]}")
            answers[form_id] = {field["name"]: _value_for(field) for field in form["fields"]}
    return answers


if __name__ == "__main__":
    main()
