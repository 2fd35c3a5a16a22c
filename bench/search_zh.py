"""Chinese search over 100,000 articles and leads: p50/p95 against a plain icontains baseline.

Makes N article pages (default 100 000) in one enterprise with Chinese titles and summaries
drawn from a sales vocabulary (the first through the article service, the rest copied from it
with one INSERT … SELECT per table), writes their search-index rows in SQL exactly as
cms/zh_search.py's backend would (checked against the backend on three rows), makes N leads
over ten salespeople, then times on PostgreSQL (DATABASE_URL, migrated database), in one run:

- the GraphQL ``articles(search:)`` read (``cms.zh_search.search_queryset``, newest 21),
- the admin page search (``Page.objects.autocomplete``, ranked, first 20 as the listing shows),
- the baseline: plain ``icontains`` on title and summary (newest 21),
- the CRM lead list's search by a salesperson's name (its search_fields, first 20),

for "水泵", "能耗" and a salesperson's name.

    python bench/search_zh.py [--articles 100000] [--leads 100000] [--samples 100] [--keep]

Last line: {"articles": n, "leads": n, "p95_ms": {"水泵 graphql": x, ...}, "load_average": [...]}
"""

from __future__ import annotations

import argparse
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from modelsearch.backends.database.postgres.postgres import IndexEntry  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail.search.backends import get_search_backend  # noqa: E402

from cms.articles.models import ArticlePage  # noqa: E402
from cms.articles.selectors import articles_readable  # noqa: E402
from cms.articles.services import article_create  # noqa: E402
from cms.zh_search import index_text, search_queryset, substring_q  # noqa: E402
from crm.models import Lead  # noqa: E402
from enterprises.models import Enterprise, Salesperson  # noqa: E402

SLUG = "bench-search-zh"
WORDS = (
    "智能 水泵 工厂 能耗 降低 新品 发布 客户 案例 节能 电机 变频 压缩机 空气 管道 阀门 "
    "自动化 生产线 质量 检测 方案 成本 效率 提升 维护 保养 安装 指南 行业 趋势 展会 邀请 "
    "工业 制造 设备 升级 数字化 平台 服务 售后 报价 采购 招标 合同 交付 仓储 物流 能源 "
    "环保 排放 标准 认证 技术 参数 选型 手册 培训 直播 优惠 活动 年度 总结 规划 市场"
).split()
User = get_user_model()
#: Salespeople of the bench enterprise; the lead list is searched by one of these names.
NAMES = ["王小明", "李晓华", "张建国", "陈思远", "刘佳怡", "赵志强", "孙丽娟", "周文博", "吴海燕", "郑凯"]
QUERIES = ["水泵", "能耗", "智能水泵", "变频", "降低能耗", "压缩机 选型", "售后服务", "冰箱"]


def enterprise() -> Enterprise:
    from enterprises.services import enterprise_create

    return Enterprise.objects.filter(slug=SLUG).first() or enterprise_create(name="Bench 中文搜索", slug=SLUG)


def sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n))


def make_articles(target: Enterprise, count: int) -> float:
    """``count`` live articles under the enterprise's home, copied in SQL from one made by the service."""
    started = time.perf_counter()
    seed = article_create(enterprise=target, title="种子文章", summary="", publish=True)
    page_cols = [f.column for f in Page._meta.concrete_fields]
    article_cols = [f.column for f in ArticlePage._meta.local_concrete_fields]
    parent = seed.get_parent()
    rng = random.Random(19)
    rows = [(i, sentence(rng, rng.randint(3, 6)), sentence(rng, rng.randint(6, 12))) for i in range(count)]
    rows = rows[: count - 1]
    replaced = {
        "id": "nextval(pg_get_serial_sequence('wagtailcore_page', 'id'))",
        "path": "p.path || lpad(to_base36(r.n + 1000), 4, '0')",
        "title": "r.title",
        "draft_title": "r.title",
        "slug": "'bench-' || r.n",
        "url_path": "p.url_path || 'bench-' || r.n || '/'",
        "translation_key": "gen_random_uuid()",
        "latest_revision_id": "NULL",
        "live_revision_id": "NULL",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION to_base36(n bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$"
            " DECLARE d text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'; s text := ''; BEGIN"
            " LOOP s := substr(d, (n % 36)::int + 1, 1) || s; n := n / 36; EXIT WHEN n = 0; END LOOP;"
            " RETURN s; END $$"
        )
        cursor.execute("CREATE TEMP TABLE bench_rows (n int, title text, summary text)")
        with cursor.copy("COPY bench_rows (n, title, summary) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        select = ", ".join(replaced.get(c, f"s.{c}") for c in page_cols)
        cursor.execute(
            f"INSERT INTO wagtailcore_page ({', '.join(page_cols)}) SELECT {select} FROM bench_rows r,"
            " wagtailcore_page s, wagtailcore_page p WHERE s.id = %s AND p.id = %s ORDER BY r.n",
            [seed.pk, parent.pk],
        )
        link = "page_ptr_id"
        select = ", ".join(
            "np.id" if c == link else ("r.summary" if c == "summary" else f"a.{c}") for c in article_cols
        )
        cursor.execute(
            f"INSERT INTO articles_articlepage ({', '.join(article_cols)}) SELECT {select}"
            " FROM bench_rows r JOIN wagtailcore_page np ON np.slug = 'bench-' || r.n AND np.path LIKE %s,"
            " articles_articlepage a WHERE a.page_ptr_id = %s",
            [parent.path + "%", seed.pk],
        )
        cursor.execute(
            "UPDATE wagtailcore_page SET numchild = numchild + %s WHERE id = %s", [count - 1, parent.pk]
        )
    return time.perf_counter() - started


def index_articles(target: Enterprise) -> float:
    """The index rows Wagtail's backend would write, made in SQL from Python-expanded texts.

    ``cms.zh_search.index_text`` expands each title and summary in Python (that is the only
    Chinese-specific step), the texts are COPYed into a temporary table and one INSERT … SELECT
    builds the same tsvectors the backend's ``add_items`` builds (title weight B, body D,
    autocomplete in the ``simple`` configuration). Three rows are then re-indexed through the
    backend and must come out identical, so the bench times what production reads.
    """
    started = time.perf_counter()
    # Read before COPY starts: the connection cannot run a query while a COPY is open on it.
    ids_texts = list(ArticlePage.objects.filter(enterprise=target).values_list("pk", "title", "summary"))
    content_type = ContentType.objects.get_for_model(ArticlePage).pk
    table = IndexEntry._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_index (id int, title text, body text) ON COMMIT DROP")
        with cursor.copy("COPY bench_index (id, title, body) FROM STDIN") as copy:
            for pk, title, summary in ids_texts:
                copy.write_row((pk, index_text(title), index_text(summary)))
        cursor.execute(
            f"INSERT INTO {table} (content_type_id, object_id, title, autocomplete, body, title_norm,"
            " title_text, body_text) SELECT %s, id::text, setweight(to_tsvector(title), 'B'),"
            " setweight(to_tsvector('simple'::regconfig, title), 'D')"
            " || setweight(to_tsvector('simple'::regconfig, body), 'D'),"
            " setweight(to_tsvector(body), 'D'), 1.0, title, body FROM bench_index"
            " ON CONFLICT (content_type_id, object_id) DO NOTHING",
            [content_type],
        )
    index = get_search_backend().get_index_for_model(ArticlePage)
    index._refresh_title_norms()
    sample = list(ArticlePage.objects.filter(enterprise=target).order_by("pk")[:3])
    columns = ["title", "autocomplete", "body", "title_text", "body_text"]
    entries = IndexEntry.objects.filter(
        content_type_id=content_type, object_id__in=[str(a.pk) for a in sample]
    )
    bulk = sorted(entries.values_list("object_id", *columns))
    index.add_items(ArticlePage, sample)
    assert bulk == sorted(entries.values_list("object_id", *columns)), (
        "bulk index rows differ from the backend's"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def make_leads(target: Enterprise, count: int) -> float:
    """``count`` leads over the salespeople of NAMES, copied in SQL from one made by the ORM."""
    started = time.perf_counter()
    people = []
    for i, name in enumerate(NAMES):
        user = User.objects.create_user(username=f"bench-zh-{i}", password=None)
        people.append(Salesperson.objects.create(user=user, enterprise=target, display_name=name))
    seed = Lead.objects.create(enterprise=target, name="种子线索", salesperson=people[0])
    columns = [f.column for f in Lead._meta.concrete_fields if f.column != "id"]
    replaced = {
        "name": "(ARRAY['张伟','李娜','刘洋','陈静','杨帆','赵磊','黄蕾','周杰'])[1 + n %% 8] || n",
        "phone": "'138' || lpad((n %% 100000000)::text, 8, '0')",
        "company": "(ARRAY['华东水泵厂','杭州机电','苏州节能科技','宁波阀门'])[1 + n %% 4]",
        "salesperson_id": f"(ARRAY{[p.pk for p in people]})[1 + n %% {len(people)}]",
        "created_at": "now() - n * interval '1 minute'",
        "updated_at": "now() - n * interval '1 minute'",
    }
    select = ", ".join(replaced.get(c, f"s.{c}") for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Lead._meta.db_table} ({', '.join(columns)}) SELECT {select}"
            f" FROM generate_series(1, %s) n, {Lead._meta.db_table} s WHERE s.id = %s",
            [count - 1, seed.pk],
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def timed(fn, query: str, samples: int) -> dict:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        fn(query)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 2), "p95": round(times[int(len(times) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="reuse the articles of a previous run")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "PostgreSQL only (DATABASE_URL)"
    target = enterprise()
    have = ArticlePage.objects.filter(enterprise=target).count()
    if have and not args.keep:
        raise SystemExit(f"{have} bench articles exist: use --keep or a fresh database")
    if not have:
        print(f"made {args.articles} articles in {make_articles(target, args.articles):.1f} s", flush=True)
    if IndexEntry.objects.count() < args.articles:  # a run stopped before indexing
        print(f"indexed in {index_articles(target):.1f} s", flush=True)
    if not Lead.objects.filter(enterprise=target).exists():
        print(f"made {args.leads} leads in {make_leads(target, args.leads):.1f} s", flush=True)
    readable = articles_readable(enterprise=target).order_by("-pk")
    pages = Page.objects.filter(path__startswith=target.site.root_page.path)
    leads = Lead.objects.filter(enterprise=target)

    def graphql(q):
        return search_queryset(readable, q, fields=["title", "summary"], limit=21)

    def admin(q):
        return list(pages.autocomplete(q)[:20])

    def icontains(q):  # the baseline: what the article search was before the Chinese index
        return list(readable.filter(substring_q(["title", "summary"], q))[:21])

    def lead_list(q):  # the CRM lead list's search (its search_fields, ORM substring)
        fields = ["name", "phone", "company", "salesperson__display_name"]
        return list(leads.filter(substring_q(fields, q)).order_by("-updated_at", "-pk")[:20])

    candidates = ArticlePage.objects.filter(pk__in=readable.values("pk"))
    for q in QUERIES:
        hits = get_search_backend().search(q, candidates).count()
        baseline = readable.filter(substring_q(["title", "summary"], q)).count()
        print(
            f"{q}: {hits} matching articles (icontains: {baseline}),",
            f"first: {[a.title for a in graphql(q)[:2]]}",
            flush=True,
        )
    name = NAMES[3]
    print(
        f"{name}: {leads.filter(substring_q(['salesperson__display_name'], name)).count()} leads", flush=True
    )
    result = {
        "articles": args.articles,
        "leads": leads.count(),
        "samples": args.samples,
        "p95_ms": {},
        "p50_ms": {},
    }
    plan = [(q, path) for q in ("水泵", "能耗") for path in (graphql, admin, icontains)] + [(name, lead_list)]
    for query, fn in plan:
        fn(query)  # warm
        figures = timed(fn, query, args.samples)
        result["p95_ms"][f"{query} {fn.__name__}"] = figures["p95"]
        result["p50_ms"][f"{query} {fn.__name__}"] = figures["p50"]
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
