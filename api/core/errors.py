"""Stable GraphQL error codes and messages in the caller's language.

Clients switch on ``extensions.code`` (stable, never translated); ``message`` is for people and
follows the request's language (LocaleMiddleware: Accept-Language, 简体中文 by default).
"""

from __future__ import annotations

import re

from django.db import DataError, InterfaceError, OperationalError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from graphql import GraphQLError

NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
VALIDATION = "VALIDATION"
LIMIT = "LIMIT"
UNAVAILABLE = "UNAVAILABLE"
INTERNAL = "INTERNAL"

#: A dependency is down (PostgreSQL, Redis): the client may retry the same request later.
OUTAGE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
#: Seconds a client is asked to wait before retrying during an outage.
RETRY_AFTER_SECONDS = 5

UNAVAILABLE_MESSAGE = _("The service is briefly unavailable. Please try again in a moment.")
INVALID_VALUE_MESSAGE = _("A value in the request is not valid.")


def api_error(message: str, code: str, **extensions) -> GraphQLError:
    return GraphQLError(str(message), extensions={"code": code, **extensions})


def not_found(what: str | None = None) -> GraphQLError:
    return api_error(what or gettext("Not found."), NOT_FOUND)


def code_for_exception(error: BaseException) -> str | None:
    """The code a failure of a dependency or of a stored value maps to; None for a real bug."""
    if isinstance(error, OUTAGE_ERRORS):
        return UNAVAILABLE
    if isinstance(error, DataError):  # e.g. PostgreSQL refusing a NUL byte or an out-of-range number
        return VALIDATION
    return None


#: graphql-core's own (English) messages, matched by shape and said again in the user's language.
#: Field and type names the client sent are kept; nothing is suggested ("Did you mean" is off).
_CORE_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^Syntax Error: "), _("The query is not valid GraphQL.")),
    (
        re.compile(r"^Cannot query field '(?P<field>[^']*)' on type '(?P<type>[^']*)'"),
        _("The field “%(field)s” does not exist on %(type)s."),
    ),
    (
        re.compile(r"^Unknown argument '(?P<arg>[^']*)' on field '(?P<field>[^']*)'"),
        _("The argument “%(arg)s” does not exist on %(field)s."),
    ),
    (
        re.compile(r"^Field '(?P<field>[^']*)' argument '(?P<arg>[^']*)' of type '[^']*' is required"),
        _("The argument “%(arg)s” of %(field)s is required."),
    ),
    (
        re.compile(r"^Variable '\$(?P<name>[^']*)' of required type '[^']*' was not provided"),
        _("The variable $%(name)s is required."),
    ),
    (
        re.compile(r"^Variable '\$(?P<name>[^']*)' got invalid value"),
        _("The variable $%(name)s has a value of the wrong type."),
    ),
    (re.compile(r"^Variable '\$(?P<name>[^']*)' is never used"), _("The variable $%(name)s is never used.")),
    (
        re.compile(r"^Variable '\$(?P<name>[^']*)' is not defined"),
        _("The variable $%(name)s is not declared."),
    ),
    (re.compile(r"^Unknown type '(?P<type>[^']*)'"), _("The type “%(type)s” does not exist.")),
    (re.compile(r"^Unknown fragment '(?P<name>[^']*)'"), _("The fragment “%(name)s” does not exist.")),
    (
        re.compile(r"^Field '(?P<field>[^']*)' of type '[^']*' must have a selection of subfields"),
        _("The field “%(field)s” needs a selection of subfields."),
    ),
    (
        re.compile(r"^Field '(?P<field>[^']*)' must not have a selection"),
        _("The field “%(field)s” has no subfields."),
    ),
    (re.compile(r"^GraphQL introspection has been disabled"), _("Introspection is turned off.")),
    (
        re.compile(r"cannot represent|Expected value of type|Expected type|Enum '[^']*' cannot"),
        _("An argument has a value of the wrong type."),
    ),
    (re.compile(r"^Must provide query string"), _("Send a query.")),
    (
        re.compile(r"^POST body sent invalid JSON|^The received data is not a valid JSON"),
        _("The request body is not valid JSON."),
    ),
    (re.compile(r"^Variables are invalid JSON"), _("The variables are not valid JSON.")),
    (re.compile(r"^GraphQL only supports GET and POST"), _("Only GET and POST requests are accepted.")),
    (
        re.compile(r"^Can only perform a \w+ operation from a POST request"),
        _("Mutations must be sent with POST."),
    ),
    (
        re.compile(r"^Unknown operation named|^Must provide operation name"),
        _("The operation name does not match an operation of the document."),
    ),
    (re.compile(r"exceeds maximum operation depth"), _("The operation nests too deeply.")),
]


def core_message(message: str) -> str:
    """graphql-core's or graphene's English message in the active language (a generic one if unknown)."""
    for pattern, template in _CORE_MESSAGES:
        match = pattern.search(message)
        if match:
            return str(template) % match.groupdict() if match.groupdict() else str(template)
    return gettext("The request is not valid.")
