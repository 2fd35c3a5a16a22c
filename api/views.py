"""The /graphql/ endpoint: batched loaders, limits, and errors without internals."""

from __future__ import annotations

import logging

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql.validation import NoFragmentCyclesRule, NoSchemaIntrospectionCustomRule, specified_rules

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    IntValueNode,
    ValidationRule,
    parse,
    validate,
)

from .core import cache as response_cache
from .core.errors import INTERNAL, LIMIT
from .core.persisted import document_hash, persisted_documents, requested_hash

logger = logging.getLogger(__name__)

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_QUERY_BYTES = 20_000
#: Parsing stops here (the largest persisted document has ~300 tokens): a 20 kB alias or
#: field flood is refused after lexing 1,000 tokens instead of parsing and walking it all.
MAX_TOKENS = 1_000
#: One point per selected field, fragments counted at every use, list arguments
#: (``first``/``limit``) multiplying their subtree by a tenth of the size asked for.
MAX_COST = 2_000


class AliasLimitRule(ValidationRule):
    """Refuse alias amplification (the same expensive field asked for hundreds of times)."""

    def __init__(self, context):
        super().__init__(context)
        self.aliases = 0

    def enter_field(self, node, *args):
        if node.alias is not None:
            self.aliases += 1
            if self.aliases == MAX_ALIASES + 1:
                self.report_error(
                    GraphQLError(f"More than {MAX_ALIASES} aliases.", node, extensions={"code": LIMIT})
                )


class CostLimitRule(ValidationRule):
    """Refuse documents whose estimated cost exceeds MAX_COST (fragment bombs, huge lists)."""

    def enter_operation_definition(self, node, *args):
        fragments = {f.name.value: f for f in self.context.document.definitions
                     if isinstance(f, FragmentDefinitionNode)}
        cost = _selection_cost(node.selection_set, fragments, depth=0, path=frozenset())
        if cost > MAX_COST:
            self.report_error(GraphQLError(
                f"The query is too expensive ({cost} > {MAX_COST}).", node, extensions={"code": LIMIT}
            ))


def _list_factor(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "limit") and isinstance(argument.value, IntValueNode):
            return max(1, int(argument.value.value) // 10)
    return 1


def _selection_cost(selection_set, fragments: dict, depth: int, path: frozenset = frozenset()) -> int:
    """``path``: the fragments being expanded; a spread of one of them (a cycle) counts nothing."""
    if selection_set is None or depth > MAX_DEPTH * 2:
        return 0
    cost = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _selection_cost(selection.selection_set, fragments, depth + 1, path)
            cost += 1 + _list_factor(selection) * inner
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in path:
                cost += _selection_cost(fragment.selection_set, fragments, depth + 1, path | {name})
        else:  # inline fragment
            cost += _selection_cost(selection.selection_set, fragments, depth + 1, path)
        if cost > MAX_COST:
            break
    return cost


def _limit_code(error: GraphQLError) -> GraphQLError:
    if "exceeds maximum operation depth" in error.message:
        error.extensions = {**(error.extensions or {}), "code": LIMIT}
    return error


#: Cheap limits run first, on their own, so an abusive document is refused before the
#: standard (and, for overlapping fields, quadratic) validation ever sees it. One pass for
#: cycles, aliases and cost (the cost walk skips cyclic spreads itself); graphene's depth walk
#: expands every fragment use (1.5 s on a 10^6 fragment bomb) and recurses forever on a
#: cycle, so it runs only on documents that passed the first pass.
LIMIT_RULES = [NoFragmentCyclesRule, AliasLimitRule, CostLimitRule]
DEPTH_RULES = [depth_limit_validator(max_depth=MAX_DEPTH)]


class APIView(GraphQLView):
    def __init__(self, *args, **kwargs):
        # graphene-django passes validation_rules to graphql-core as *the* rule list, so the
        # specification's rules must be listed too or unknown fields and bad arguments pass.
        rules = list(specified_rules)
        if not settings.GRAPHQL_INTROSPECTION:
            rules.append(NoSchemaIntrospectionCustomRule)
        kwargs.setdefault("validation_rules", rules)
        super().__init__(*args, **kwargs)

    def _limit_errors(self, query: str) -> list[GraphQLError]:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            if "Document contains more than" in error.message:
                return [GraphQLError(f"More than {MAX_TOKENS} tokens.", extensions={"code": LIMIT})]
            return []  # the regular path reports syntax errors
        schema = self.schema.graphql_schema
        errors = validate(schema, document, LIMIT_RULES) or validate(schema, document, DEPTH_RULES)
        return [_limit_code(GraphQLError(e.message, e.nodes, extensions={"code": LIMIT})) for e in errors]

    def parse_body(self, request):
        if len(request.body) > MAX_QUERY_BYTES:
            return {"query": "", "_too_large": True}
        if request.body.lstrip()[:1] == b"[":
            return {"query": "", "_batched": True}
        return super().parse_body(request)

    def get_graphql_params(self, request, data):
        query, variables, operation_name, id = super().get_graphql_params(request, data)
        wanted = requested_hash(data)
        if wanted is not None:
            query = persisted_documents().get(wanted)
            request._persisted_unknown = query is None
        elif query and settings.GRAPHQL_PERSISTED_ONLY:
            request._persisted_unknown = document_hash(query) not in persisted_documents()
        return query, variables, operation_name, id

    def get_response(self, request, data, show_graphiql=False):
        """Published microsite pages are answered from the response cache when possible."""
        if show_graphiql or getattr(self, "batch", False):
            return super().get_response(request, data, show_graphiql)
        query, variables, operation_name, _id = self.get_graphql_params(request, data)
        key = None
        refused = (
            getattr(request, "_persisted_unknown", False) or data.get("_too_large") or data.get("_batched")
        )
        if not refused and isinstance(query, str):
            # Limits before the cache key (which parses too): an abusive document is parsed once.
            request._limit_errors = self._limit_errors(query)
            refused = bool(request._limit_errors)
        if not refused:
            key = response_cache.response_key(request, query, variables, operation_name)
        if key is not None:
            cached = response_cache.get(key)
            if cached is not None:
                return cached, 200
        result, status_code = super().get_response(request, data, show_graphiql)
        if key is not None and status_code == 200 and result and '"errors"' not in result[:12]:
            response_cache.put(key, result)
        return result, status_code

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        if getattr(request, "_persisted_unknown", False):
            unknown = GraphQLError(
                "Unknown persisted operation.", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"}
            )
            return ExecutionResult(errors=[unknown])
        if data.get("_batched"):
            return ExecutionResult(
                errors=[GraphQLError("Batched requests are not accepted: one operation per request.",
                                     extensions={"code": LIMIT})]
            )
        if data.get("_too_large"):
            return ExecutionResult(
                errors=[GraphQLError(f"The request is larger than {MAX_QUERY_BYTES} bytes.",
                                     extensions={"code": LIMIT})]
            )
        if isinstance(query, str):
            limit_errors = getattr(request, "_limit_errors", None)
            if limit_errors is None:
                limit_errors = self._limit_errors(query)
            if limit_errors:
                return ExecutionResult(errors=limit_errors)
        try:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        except RecursionError:
            # Fragment cycles make graphene's depth validator recurse forever (it runs next to,
            # not after, NoFragmentCyclesRule): refuse instead of answering 500.
            return ExecutionResult(
                errors=[GraphQLError("The operation nests too deeply or cycles.", extensions={"code": LIMIT})]
            )

    @staticmethod
    def format_error(error):
        if isinstance(error, GraphQLError):
            original = error.original_error
            if original is not None and not isinstance(original, GraphQLError):
                logger.exception("GraphQL resolver failed", exc_info=original)
                return {"message": "Internal error.", "extensions": {"code": INTERNAL},
                        "path": error.path}
            error = _limit_code(error)
            formatted = error.formatted
            formatted.setdefault("extensions", {}).setdefault(
                "code", "VALIDATION" if error.path is None else INTERNAL
            )
            return formatted
        logger.exception("GraphQL request failed", exc_info=error)
        return {"message": "Internal error.", "extensions": {"code": INTERNAL}}
