"""Chinese search: CJK character n-grams in Wagtail's PostgreSQL full-text index.

PostgreSQL's text-search parser does not split Chinese into words: "新品发布：智能水泵" is
one token, so a search for "水泵" found nothing. Like Lucene's CJK analyzer, every run of
Chinese characters is indexed as its single characters and overlapping character pairs
("智 能 水 泵 智能 能水 水泵"), and a query's Chinese runs become pairs joined with AND
(a single character stays a single character). Any Chinese substring of two or more
characters is therefore found through the GIN index, with no dictionary to keep and no
PostgreSQL extension to install; the few false positives (pairs present but apart) are
ranked low. Salespeople's names in the CRM lists match the same way (ORM substring search).

Configured as ``WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] = "cms.zh_search"``. On other
databases (the SQLite demo) Wagtail's own database backend is used unchanged. After
deploying on a database indexed before, rebuild the index: ``manage.py update_index``.
"""

from __future__ import annotations

import re

from django.db import connection
from modelsearch.backends.database.postgres import postgres as _pg
from modelsearch.query import PlainText

#: CJK unified ideographs (basic, extension A, compatibility).
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def cjk_terms(text: str) -> list[str]:
    """Single characters and overlapping pairs of each Chinese run of ``text``, for the index."""
    terms: list[str] = []
    for run in CJK_RUN.findall(text or ""):
        terms.extend(run)
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms


def index_text(text: str) -> str:
    """``text`` followed by its Chinese terms, as separate words for PostgreSQL's parser."""
    terms = cjk_terms(text)
    return f"{text} {' '.join(terms)}" if terms else text


def query_terms(query: str) -> list[str]:
    """The words of a search: each Chinese run as its pairs (one character alone), the rest as typed."""
    terms: list[str] = []
    for word in re.split(r"[\s\-]+", query or ""):
        pos = 0
        for match in CJK_RUN.finditer(word):
            if match.start() > pos:
                terms.append(word[pos : match.start()])
            run = match.group()
            terms.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
            pos = match.end()
        if word[pos:]:
            terms.append(word[pos:])
    return [t for t in terms if t.strip()]


class ChineseObjectIndexer(_pg.ObjectIndexer):
    """Adds the Chinese terms to every indexed text when the backend is ours."""

    def __init__(self, obj, backend):
        super().__init__(obj, backend)
        self.cjk = isinstance(backend, ChinesePostgresSearchBackend)

    def prepare_value(self, value):
        text = super().prepare_value(value)
        return index_text(text) if self.cjk else text


# PostgresIndex.add_items builds its indexers from this module-level name; other backends
# keep the original behaviour (``self.cjk`` is false for them).
_pg.ObjectIndexer = ChineseObjectIndexer


class ChineseQueryMixin:
    def build_tsquery_content(self, query, config=None, invert=False):
        if isinstance(query, PlainText):
            query = PlainText(" ".join(query_terms(query.query_string)), operator=query.operator)
        return super().build_tsquery_content(query, config=config, invert=invert)


class ChineseSearchQueryCompiler(ChineseQueryMixin, _pg.PostgresSearchQueryCompiler):
    pass


class ChineseAutocompleteQueryCompiler(ChineseQueryMixin, _pg.PostgresAutocompleteQueryCompiler):
    pass


class ChinesePostgresSearchBackend(_pg.PostgresSearchBackend):
    query_compiler_class = ChineseSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseAutocompleteQueryCompiler


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in a backend module
    if connection.vendor == "postgresql":
        return ChinesePostgresSearchBackend(params)
    from wagtail.search.backends.database import SearchBackend as DatabaseSearchBackend

    return DatabaseSearchBackend(params)


def substring_q(fields: list[str], query: str):
    """ORM search for models outside the full-text index: every word in one of ``fields``."""
    from django.db.models import Q

    condition = Q()
    for word in (query or "").split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def search_queryset(queryset, query: str, *, fields: list[str], limit: int) -> list:
    """The first ``limit`` rows of ``queryset`` (its order kept) matching ``query``.

    Indexed models on PostgreSQL go through the Chinese-aware full-text index; elsewhere
    (SQLite, models outside the index) every word must occur in one of ``fields``.
    """
    from wagtail.search.backends import get_search_backend
    from wagtail.search.index import class_is_indexed

    if connection.vendor == "postgresql" and class_is_indexed(queryset.model) and query_terms(query):
        # The index checks filters against FilterFields; an id subquery keeps any filter usable.
        model = queryset.model
        candidates = model._default_manager.filter(pk__in=queryset.values("pk"))
        order = [{"pk": "id", "-pk": "-id"}.get(o, o) for o in queryset.query.order_by]
        candidates = candidates.order_by(*order)
        if isinstance(queryset.query.select_related, dict):
            candidates = candidates.select_related(*queryset.query.select_related)
        return list(get_search_backend().search(query, candidates, order_by_relevance=False)[:limit])
    return list(queryset.filter(substring_q(fields, query))[:limit])
