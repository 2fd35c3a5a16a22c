"""Chinese search over 100,000 articles: p50/p95 of the searches operators and the API run.

Makes N article pages (default 100 000) in one enterprise with Chinese titles and summaries
drawn from a sales vocabulary (the first through the article service, the rest copied from it
with one INSERT … SELECT per table), indexes them through Wagtail's backend (cms/zh_search.py:
Chinese character pairs in the PostgreSQL full-text index), then times on PostgreSQL
(DATABASE_URL, migrated database):

- the GraphQL ``articles(search:)`` read (``cms.zh_search.search_queryset``, newest 21),
- the admin page search (``Page.objects.autocomplete``, ranked, first 20 as the listing shows),

for two-character words ("水泵", "能耗"), longer ones ("智能水泵"), a rare word and a miss.

    python bench/search_zh.py [--articles 100000] [--samples 200] [--keep]

Last line: {"articles": n, "graphql_p95_ms": x, "admin_p95_ms": y, ...}
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

from django.db import connection, transaction  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail.search.backends import get_search_backend  # noqa: E402

from cms.articles.models import ArticlePage  # noqa: E402
from cms.articles.selectors import articles_readable  # noqa: E402
from cms.articles.services import article_create  # noqa: E402
from cms.zh_search import search_queryset  # noqa: E402
from enterprises.models import Enterprise  # noqa: E402

SLUG = "bench-search-zh"
WORDS = (
    "智能 水泵 工厂 能耗 降低 新品 发布 客户 案例 节能 电机 变频 压缩机 空气 管道 阀门 "
    "自动化 生产线 质量 检测 方案 成本 效率 提升 维护 保养 安装 指南 行业 趋势 展会 邀请 "
    "工业 制造 设备 升级 数字化 平台 服务 售后 报价 采购 招标 合同 交付 仓储 物流 能源 "
    "环保 排放 标准 认证 技术 参数 选型 手册 培训 直播 优惠 活动 年度 总结 规划 市场"
).split()
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
    started = time.perf_counter()
    backend = get_search_backend()
    index = backend.get_index_for_model(ArticlePage)
    ids = list(ArticlePage.objects.filter(enterprise=target).values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        index.add_items(ArticlePage, list(ArticlePage.objects.filter(pk__in=ids[start : start + 2000])))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def timed(fn, samples: int) -> dict:
    times = []
    for i in range(samples):
        started = time.perf_counter()
        fn(QUERIES[i % len(QUERIES)])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 2), "p95": round(times[int(len(times) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the articles of a previous run")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "PostgreSQL only (DATABASE_URL)"
    target = enterprise()
    have = ArticlePage.objects.filter(enterprise=target).count()
    if not (args.keep and have >= args.articles):
        if have:
            raise SystemExit(f"{have} bench articles exist: use --keep or a fresh database")
        print(f"made {args.articles} articles in {make_articles(target, args.articles):.1f} s", flush=True)
        print(f"indexed in {index_articles(target):.1f} s", flush=True)
    readable = articles_readable(enterprise=target).order_by("-pk")
    pages = Page.objects.filter(path__startswith=target.site.root_page.path)

    def graphql(q):
        return search_queryset(readable, q, fields=["title", "summary"], limit=21)

    def admin(q):
        return list(pages.autocomplete(q)[:20])

    candidates = ArticlePage.objects.filter(pk__in=readable.values("pk"))
    for q in QUERIES:
        hits = get_search_backend().search(q, candidates).count()
        print(f"{q}: {hits} matching articles, first: {[a.title for a in graphql(q)[:2]]}", flush=True)
    for fn in (graphql, admin):  # warm
        fn(QUERIES[0])
    result = {"articles": args.articles, "queries": QUERIES}
    for name, fn in (("graphql", graphql), ("admin", admin)):
        figures = timed(fn, args.samples)
        result[f"{name}_p50_ms"] = figures["p50"]
        result[f"{name}_p95_ms"] = figures["p95"]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
