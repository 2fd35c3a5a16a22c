"""Stable GraphQL error codes: clients switch on ``extensions.code``, never on messages."""

from __future__ import annotations

from graphql import GraphQLError

NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
VALIDATION = "VALIDATION"
LIMIT = "LIMIT"
INTERNAL = "INTERNAL"


def api_error(message: str, code: str, **extensions) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def not_found(what: str = "Not found.") -> GraphQLError:
    return api_error(what, NOT_FOUND)
