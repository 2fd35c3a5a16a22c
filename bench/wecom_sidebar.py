"""WeCom sidebar pages and official-account menu generation: latency and queries per request.

Builds (once, kept between runs) an enterprise whose salesperson has N WeCom contacts, each with a
lead, follow-ups and tags, plus a script library, files and articles; starts the fake WeChat/WeCom
server; signs in through the OAuth code like WeCom does; then times each sidebar page through
Django's test client (full middleware + templates, PostgreSQL at DATABASE_URL, Redis cache) and
``menu_generate``.

    DATABASE_URL=... REDIS_URL=... python bench/wecom_sidebar.py [--contacts 2000] [--requests 200]

Uses its own database (``test_<name>_sidebar``, kept). Last line is JSON with every figure.
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
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = settings.DATABASES["default"]["NAME"] + "_sidebar"
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def build(contacts: int):
    from django.utils import timezone

    from cms.articles.services import article_create
    from cms.scripts.models import SalesScript, ScriptGroup
    from crm.models import FollowUp, Lead, Pool, Tag
    from enterprises.models import Enterprise, Role
    from enterprises.services import enterprise_create, member_add
    from wechat.models import ExternalContact, SalespersonWeChat

    enterprise = Enterprise.objects.filter(slug="bench-sidebar").first()
    if enterprise is not None:
        return enterprise
    enterprise = enterprise_create(name="Bench sidebar", slug="bench-sidebar")
    user = member_add(
        enterprise=enterprise,
        username="bench-sidebar-sp",
        role=Role.SALESPERSON,
        password="x",
        display_name="Bench salesperson",
    )
    salesperson = user.salesperson
    SalespersonWeChat.objects.create(salesperson=salesperson, enterprise=enterprise, wecom_userid="bench")
    now = timezone.now()
    tags = [Tag.objects.create(enterprise=enterprise, name=f"tag {n}") for n in range(30)]
    ExternalContact.objects.bulk_create(
        ExternalContact(
            enterprise=enterprise,
            salesperson=salesperson,
            external_userid=f"wmb{n}",
            name=f"Customer {n}",
            unionid=f"UB{n}",
            added_at=now,
        )
        for n in range(contacts)
    )
    leads = Lead.objects.bulk_create(
        Lead(
            enterprise=enterprise,
            salesperson=salesperson,
            unionid=f"UB{n}",
            name=f"Customer {n}",
            pool=Pool.FOLLOWING,
            is_customer=True,
        )
        for n in range(contacts)
    )
    FollowUp.objects.bulk_create(
        FollowUp(enterprise=enterprise, lead=lead, salesperson=salesperson, content=f"follow-up {k}")
        for lead in leads
        for k in range(5)
    )
    Lead.tags.through.objects.bulk_create(
        Lead.tags.through(lead_id=lead.pk, tag_id=tags[(lead.pk + k) % 30].pk)
        for lead in leads
        for k in range(3)
    )
    groups = [ScriptGroup.objects.create(enterprise=enterprise, name=f"Group {n}") for n in range(5)]
    SalesScript.objects.bulk_create(
        SalesScript(enterprise=enterprise, group=groups[n % 5], title=f"Script {n}", text=f"Hello {n} " * 20)
        for n in range(500)
    )
    for n in range(30):
        article_create(enterprise=enterprise, title=f"Article {n}", summary="A summary", publish=True)
    return enterprise


def timed(client, url: str, params: dict, requests: int) -> dict:
    samples, queries = [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, params)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    connection.creation.create_test_db(verbosity=0, keepdb=True)

    from django.test import Client
    from django.urls import reverse

    from enterprises.models import Salesperson
    from tests.wechat_factories import make_account
    from wechat.fake_server import FakeServer
    from wechat.menu import menu_generate
    from wechat.models import WeChatAccount

    started = time.perf_counter()
    enterprise = build(args.contacts)
    build_s = time.perf_counter() - started
    server = FakeServer().start()
    settings.WECHAT_API_BASE = settings.WECOM_API_BASE = server.url
    WeChatAccount.objects.filter(enterprise=enterprise).delete()
    account = make_account(enterprise, server)
    client = Client()
    code = server.state.issue_oauth_code("bench")
    entry = reverse("wechat:sidebar_entry", args=[enterprise.public_key])
    assert client.get(entry, {"code": code}).status_code == 302

    middle = f"wmb{args.contacts // 2}"
    pages = {
        "contact": (reverse("wechat:sidebar_contact", args=[middle]), {}),
        "contact_list": (reverse("wechat:sidebar_home"), {}),
        "scripts": (reverse("wechat:sidebar_library"), {"tab": "scripts"}),
        "scripts_search": (reverse("wechat:sidebar_library"), {"tab": "scripts", "q": "Hello 42"}),
        "articles": (reverse("wechat:sidebar_library"), {"tab": "articles"}),
    }
    figures: dict = {"contacts": args.contacts, "requests_per_page": args.requests}
    figures["build_s"] = round(build_s, 1)
    for name, (url, params) in pages.items():
        figures[name] = timed(client, url, params, args.requests)
        print(
            f"{name:16} p50 {figures[name]['p50_ms']:7.1f} ms  p95 {figures[name]['p95_ms']:7.1f} ms  "
            f"{figures[name]['queries']} queries"
        )
    salesperson = Salesperson.objects.get(enterprise=enterprise)
    samples = []
    for _ in range(50):
        start = time.perf_counter()
        menu_generate(enterprise=enterprise, salesperson=salesperson, articles=5)
        samples.append((time.perf_counter() - start) * 1000)
    figures["menu_generate_p50_ms"] = round(statistics.median(samples), 1)
    figures["jsapi_ticket_fetches"] = server.state.calls.get("/cgi-bin/ticket/get", 0)
    print(f"menu_generate    p50 {figures['menu_generate_p50_ms']:7.1f} ms")
    print(f"agent ticket fetches over {len(pages) * args.requests} pages: {figures['jsapi_ticket_fetches']}")
    server.stop()
    del account
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
