"""Response cache for published microsite pages: a hit answers from Redis without SQL.

The key is (enterprise key or host, document, variables, operation name, generation). The
variables carry the share context (``shareToken`` / ``salespersonId``) and the page id; the
generation is the publication generation (``sites.publication``), bumped whenever a page is
published, unpublished or deleted, the microsite goes on or off the shelf, or an embedded product
or file is saved.
Only anonymous queries whose root fields are all in ``CACHEABLE_FIELDS`` are cached, and only
error-free answers. ``settings.GRAPHQL_RESPONSE_CACHE = False`` turns it off.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from sites.publication import bump_published_generation, published_generation

CACHEABLE_FIELDS = frozenset({"microsite", "micrositePage"})
#: Upper bound on staleness for changes that bump no generation (e.g. a salesperson's phone).
TTL_SECONDS = 300


def enabled() -> bool:
    return getattr(settings, "GRAPHQL_RESPONSE_CACHE", True)


def _root_fields(query: str, operation_name: str | None) -> set[str] | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        return None
    fields = set()
    for selection in operations[0].selection_set.selections:
        if not isinstance(selection, FieldNode):
            return None  # fragments at the root: not worth analysing
        fields.add(selection.name.value)
    return fields


def response_key(request, query: str | None, variables, operation_name: str | None) -> str | None:
    """The cache key of this request, or None when it must not be cached."""
    if not enabled() or not isinstance(query, str) or not query or request.method != "POST":
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or request.META.get("HTTP_AUTHORIZATION"):
        return None  # signed-in callers may see drafts or their own data
    fields = _root_fields(query, operation_name)
    if not fields or not fields <= CACHEABLE_FIELDS:
        return None
    tenant = request.META.get("HTTP_X_ENTERPRISE_KEY") or request.GET.get("enterprise") or request.get_host()
    generation = published_generation()
    payload = json.dumps([tenant, query, variables or {}, operation_name or ""], sort_keys=True, default=str)
    return f"gql:response:{generation}:{hashlib.sha256(payload.encode()).hexdigest()}"


def get(key: str) -> str | None:
    return cache.get(key)


def put(key: str, body: str) -> None:
    cache.set(key, body, timeout=TTL_SECONDS)


def invalidate(**_kwargs) -> None:
    """Every cached response becomes unreachable (a new publication generation)."""
    bump_published_generation()
