"""The /graphql/ endpoint: batched loaders, limits, and errors without internals.

Every refusal carries a stable ``extensions.code`` (VALIDATION, LIMIT, NOT_FOUND, FORBIDDEN,
UNAUTHENTICATED, UNAVAILABLE) and a message in the request's language. The cheap checks (body
size, JSON nesting, selections, tokens) run before anything parses the input into structures
that recurse or validation that is quadratic.
"""

from __future__ import annotations

import logging
import re
import sys

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView, HttpError
from graphql.pyutils import did_you_mean
from graphql.validation import NoFragmentCyclesRule, NoSchemaIntrospectionCustomRule, specified_rules

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    IntValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    parse,
    validate,
)

from .core import cache as response_cache
from .core.errors import (
    FORBIDDEN,
    INTERNAL,
    INVALID_VALUE_MESSAGE,
    LIMIT,
    OUTAGE_ERRORS,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    UNAVAILABLE_MESSAGE,
    VALIDATION,
    code_for_exception,
    core_message,
)
from .core.persisted import document_hash, persisted_documents, requested_hash

logger = logging.getLogger(__name__)

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_QUERY_BYTES = 20_000
#: Parsing stops here (the largest persisted document has ~300 tokens): a 20 kB alias or
#: field flood is refused after lexing 1,000 tokens instead of parsing and walking it all.
MAX_TOKENS = 1_000
#: Fields, spreads and inline fragments written in the document (the largest persisted
#: document has 136): a 6 kB document repeating one field made the overlap validation
#: quadratic (0.55 s) while staying under every other limit.
MAX_SELECTIONS = 300
#: Nesting of JSON arrays/objects in the body and in variables, checked on the raw text:
#: json.loads and variable coercion recurse, so 2.4 kB of brackets was a RecursionError.
MAX_JSON_DEPTH = 24
#: One point per selected field, fragments counted at every use, list arguments
#: (``first``/``limit``) multiplying their subtree by a tenth of the size asked for.
MAX_COST = 2_000

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


class Refusal(Exception):
    """A request refused before execution: answered as one JSON error with a stable code."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = str(message), code, status


def json_depth(raw: bytes | str) -> int:
    """Deepest nesting of arrays/objects in JSON text, without building it (strings skipped)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _check_json_depth(raw) -> None:
    if isinstance(raw, (bytes, str)) and json_depth(raw) > MAX_JSON_DEPTH:
        raise Refusal(gettext("The JSON nests deeper than %(max)s levels.") % {"max": MAX_JSON_DEPTH}, LIMIT)


def _has_nul(value, depth: int = 0) -> bool:
    """A NUL character anywhere in (already depth-checked) variables: PostgreSQL text refuses it."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > MAX_JSON_DEPTH:
        return False
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


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
                    GraphQLError(
                        gettext("More than %(max)s aliases.") % {"max": MAX_ALIASES},
                        node,
                        extensions={"code": LIMIT},
                    )
                )


class CostLimitRule(ValidationRule):
    """Refuse documents whose estimated cost exceeds MAX_COST (fragment bombs, huge lists)."""

    def enter_operation_definition(self, node, *args):
        fragments = {
            f.name.value: f
            for f in self.context.document.definitions
            if isinstance(f, FragmentDefinitionNode)
        }
        cost = _selection_cost(node.selection_set, fragments, depth=0, path=frozenset())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    gettext("The query is too expensive (%(cost)s > %(max)s).")
                    % {"cost": cost, "max": MAX_COST},
                    node,
                    extensions={"code": LIMIT},
                )
            )


def _list_factor(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "limit") and isinstance(argument.value, IntValueNode):
            return max(1, min(int(argument.value.value), 10**6) // 10)
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


def _written_selections(document) -> tuple[int, bool]:
    """Selections as written (no fragment expansion) and whether a string literal holds a NUL."""
    count, nul = 0, False
    stack = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    while stack and count <= MAX_SELECTIONS:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            count += 1
            for argument in getattr(selection, "arguments", None) or ():
                if isinstance(argument.value, StringValueNode) and "\x00" in argument.value.value:
                    nul = True
            stack.append(getattr(selection, "selection_set", None))
    return count, nul


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


def unavailable_response() -> JsonResponse:
    """What a client gets while PostgreSQL or Redis is unreachable: JSON it can retry on."""
    body = {"errors": [{"message": str(UNAVAILABLE_MESSAGE), "extensions": {"code": UNAVAILABLE}}]}
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs) -> HttpResponse:
    """``handler500``: an outage met before the view (middleware) still answers /graphql/ in JSON."""
    error = sys.exc_info()[1]
    if request.path.startswith("/graphql") and error is not None:
        if isinstance(error, OUTAGE_ERRORS):
            logger.warning("GraphQL unavailable: %s", type(error).__name__)
            return unavailable_response()
        body = {
            "errors": [
                {"message": gettext("Something went wrong on our side."), "extensions": {"code": INTERNAL}}
            ]
        }
        return JsonResponse(body, status=500)
    return defaults.server_error(request, *args, **kwargs)


class APIView(GraphQLView):
    def __init__(self, *args, **kwargs):
        # graphene-django passes validation_rules to graphql-core as *the* rule list, so the
        # specification's rules must be listed too or unknown fields and bad arguments pass.
        rules = list(specified_rules)
        if not settings.GRAPHQL_INTROSPECTION:
            rules.append(NoSchemaIntrospectionCustomRule)
        # "Did you mean …" would name schema fields that introspection hides (graphql-core
        # reads this module constant at every call; 0 turns suggestions off).
        did_you_mean.MAX_LENGTH = 5 if settings.GRAPHQL_INTROSPECTION else 0
        kwargs.setdefault("validation_rules", rules)
        super().__init__(*args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        try:
            self._refuse_early(request)
            response = super().dispatch(request, *args, **kwargs)
        except Refusal as refusal:
            body = {"errors": [{"message": refusal.message, "extensions": {"code": refusal.code}}]}
            return JsonResponse(body, status=refusal.status)
        except OUTAGE_ERRORS as error:
            logger.warning("GraphQL unavailable: %s", type(error).__name__)
            return unavailable_response()
        except RecursionError:
            return JsonResponse(
                {
                    "errors": [
                        {
                            "message": gettext("The operation nests too deeply or cycles."),
                            "extensions": {"code": LIMIT},
                        }
                    ]
                },
                status=400,
            )
        if b'"code":"UNAVAILABLE"' in response.content:
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @staticmethod
    def _refuse_early(request) -> None:
        """Size and cross-site checks on the raw request, before the body is read or parsed."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_QUERY_BYTES:
            raise Refusal(
                gettext("The request is larger than %(max)s bytes.") % {"max": MAX_QUERY_BYTES}, LIMIT
            )
        # /graphql/ is CSRF-exempt for the mini-program; a browser on another site can only send
        # form-encoded or text bodies without a preflight, so a signed-in (cookie) request must be JSON.
        if (
            request.method == "POST"
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.content_type != "application/json"
        ):
            raise Refusal(gettext("Signed-in requests must be sent as JSON."), FORBIDDEN, status=403)

    def _limit_errors(self, query: str) -> list[GraphQLError]:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            if "Document contains more than" in error.message:
                return [
                    GraphQLError(
                        gettext("More than %(max)s tokens.") % {"max": MAX_TOKENS}, extensions={"code": LIMIT}
                    )
                ]
            return []  # the regular path reports syntax errors
        except RecursionError:
            return [
                GraphQLError(gettext("The operation nests too deeply or cycles."), extensions={"code": LIMIT})
            ]
        selections, nul = _written_selections(document)
        if selections > MAX_SELECTIONS:
            return [
                GraphQLError(
                    gettext("More than %(max)s fields.") % {"max": MAX_SELECTIONS}, extensions={"code": LIMIT}
                )
            ]
        if nul:
            return [
                GraphQLError(
                    gettext("Text may not contain the NUL character."), extensions={"code": VALIDATION}
                )
            ]
        schema = self.schema.graphql_schema
        errors = validate(schema, document, LIMIT_RULES) or validate(schema, document, DEPTH_RULES)
        return [_limit_code(GraphQLError(e.message, e.nodes, extensions={"code": LIMIT})) for e in errors]

    def parse_body(self, request):
        body = request.body
        if len(body) > MAX_QUERY_BYTES:
            raise Refusal(
                gettext("The request is larger than %(max)s bytes.") % {"max": MAX_QUERY_BYTES}, LIMIT
            )
        if body.lstrip()[:1] == b"[":
            raise Refusal(gettext("Batched requests are not accepted: one operation per request."), LIMIT)
        if self.get_content_type(request) == "application/json":
            _check_json_depth(body)
        return super().parse_body(request)

    def get_graphql_params(self, request, data):
        _check_json_depth(request.GET.get("variables") or data.get("variables"))
        query, variables, operation_name, id = super().get_graphql_params(request, data)
        if query is not None and not isinstance(query, str):
            raise Refusal(gettext("The query must be a string."), VALIDATION)
        if variables is not None and not isinstance(variables, dict):
            raise Refusal(gettext("The variables must be a JSON object."), VALIDATION)
        if operation_name is not None and not isinstance(operation_name, str):
            raise Refusal(gettext("The operation name must be a string."), VALIDATION)
        if _has_nul(variables) or (query and "\x00" in query):
            raise Refusal(gettext("Text may not contain the NUL character."), VALIDATION)
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
        refused = getattr(request, "_persisted_unknown", False)
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
                gettext("Unknown persisted operation."), extensions={"code": "PERSISTED_QUERY_NOT_FOUND"}
            )
            return ExecutionResult(errors=[unknown])
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
                errors=[
                    GraphQLError(
                        gettext("The operation nests too deeply or cycles."), extensions={"code": LIMIT}
                    )
                ]
            )

    @staticmethod
    def format_error(error):
        """One error as the client sees it: a stable code and a message in the request's language."""
        if isinstance(error, HttpError):  # graphene's refusals of malformed requests (400/405)
            return {"message": core_message(error.message), "extensions": {"code": VALIDATION}}
        if not isinstance(error, GraphQLError):
            error = GraphQLError(str(error), original_error=error)
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            code = code_for_exception(original)
            if code == UNAVAILABLE:
                logger.warning("GraphQL unavailable: %s", type(original).__name__)
                message = str(UNAVAILABLE_MESSAGE)
            elif code == VALIDATION:
                logger.info("GraphQL value refused by the database: %s", type(original).__name__)
                message = str(INVALID_VALUE_MESSAGE)
            else:
                logger.exception("GraphQL resolver failed", exc_info=original)
                code, message = INTERNAL, gettext("Something went wrong on our side.")
            return {"message": message, "extensions": {"code": code}, "path": error.path}
        error = _limit_code(error)
        formatted = error.formatted
        extensions = formatted.setdefault("extensions", {})
        if "code" in extensions:
            # Our own errors: written with gettext at the raise, or looked up here.
            formatted["message"] = gettext(error.message)
        else:
            # graphql-core's validation and coercion messages (English) said in the user's words.
            extensions["code"] = VALIDATION
            formatted["message"] = core_message(error.message)
            if settings.DEBUG:
                extensions["detail"] = error.message
        return formatted
