"""Abusive and generated GraphQL operations: no HTTP 500, no internals, over-limit refused with LIMIT."""

from __future__ import annotations

import json

import pytest

from api.schema import schema
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, get_named_type

pytestmark = pytest.mark.django_db

ROOT_FIELDS = sorted(schema.graphql_schema.query_type.fields)
MUTATION_FIELDS = sorted(schema.graphql_schema.mutation_type.fields)


def _post(client, body):
    response = client.post("/graphql/", data=json.dumps(body), content_type="application/json")
    assert response.status_code != 500, response.content[:300]
    assert b"Traceback" not in response.content
    return response


def _codes(response) -> set[str]:
    payload = response.json()
    items = payload if isinstance(payload, list) else [payload]
    return {e.get("extensions", {}).get("code") for item in items for e in item.get("errors") or []}


def _scalar_leaf(type_, depth=0) -> str:
    """A minimal selection for a type: first scalar field, or one nested level."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) or not hasattr(named, "fields"):
        return ""
    for name, field in named.fields.items():
        if isinstance(get_named_type(field.type), GraphQLScalarType) and not any(
            isinstance(a.type, GraphQLNonNull) for a in field.args.values()
        ):
            return "{ " + name + " }"
    return "{ __typename }"


def test_depth_50_is_limit(client):
    query = "query { " + "microsite { " * 1 + "__typename " + "}" * 1 + " }"
    nested = "{ __typename " + "a: __typename " * 0
    deep = "query " + "{ microsite " * 50 + "{ __typename }" + " }" * 50
    response = _post(client, {"query": deep})
    assert "LIMIT" in _codes(response) or "VALIDATION" in _codes(response)
    assert query and nested  # shapes kept for reading


def test_1000_aliases_is_limit(client):
    query = "query { " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    response = _post(client, {"query": query})
    assert "LIMIT" in _codes(response)


def test_fragment_cycle_is_refused(client):
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    response = _post(client, {"query": query})
    assert _codes(response) and not response.json().get("data")


def test_fragment_amplification_is_limit(client):
    # each fragment asks for the previous one 10 times: 10^6 leaf fields if executed
    fragments = ["fragment F0 on Query { __typename }"]
    for i in range(1, 7):
        body = " ".join(f"x{j}: __typename ...F{i - 1}" for j in range(10))
        fragments.append(f"fragment F{i} on Query {{ {body} }}")
    query = "query { ...F6 } " + " ".join(fragments)
    response = _post(client, {"query": query})
    assert "LIMIT" in _codes(response)


def test_batch_of_100_operations_gets_no_500(client):
    response = _post(client, [{"query": "{ __typename }"}] * 100)
    assert response.status_code in (200, 400)


def test_huge_string_is_limit(client):
    response = _post(client, {"query": "{ __typename }", "variables": {"x": "A" * 1_000_000}})
    assert "LIMIT" in _codes(response)


@pytest.mark.parametrize(
    "body",
    [
        {"query": 42},
        {"query": None},
        {"query": ["{ __typename }"]},
        {"query": "{", "variables": "[]"},
        {"query": "{ __typename }", "variables": "not json"},
        {"query": "{ __typename }", "operationName": 7},
        {"query": "query Q($id: ID!) { __typename }", "variables": {"id": {"$gt": ""}}},
        {"query": "\x00\xff{"},
        {"query": "{ __typename }", "variables": {"a": [[[[[[[]]]]]]]}},
    ],
)
def test_wrong_types_get_a_clear_error(client, body):
    response = _post(client, body)
    assert response.status_code in (200, 400)


def test_non_json_body(client):
    response = client.post("/graphql/", data=b"\xff\xfe{{{", content_type="application/json")
    assert response.status_code in (400, 200)


def _wrong_value(arg_type) -> str:
    named = get_named_type(arg_type)
    wrong = {
        "Int": '"x"',
        "Float": '"x"',
        "Boolean": '"x"',
        "ID": "{a: 1}",
        "String": "123456789012345678901",
    }
    return wrong.get(named.name, '"x' + "\u202e" * 10 + '"')


@pytest.mark.parametrize("name", ROOT_FIELDS + [f"mutation:{m}" for m in MUTATION_FIELDS])
def test_every_root_field_with_junk_arguments(client, name):
    # Given every query and mutation of the schema (enumerated, so new ones are covered),
    # when called with junk, missing, and oversized arguments, then never a 500 nor internals.
    is_mutation = name.startswith("mutation:")
    field_name = name.split(":", 1)[-1]
    gql = schema.graphql_schema
    field = (gql.mutation_type if is_mutation else gql.query_type).fields[field_name]
    selection = _scalar_leaf(field.type)
    keyword = "mutation" if is_mutation else "query"
    variants = [f"{keyword} {{ {field_name} {selection} }}"]
    if field.args:
        wrong = ", ".join(f"{a}: {_wrong_value(t.type)}" for a, t in field.args.items())
        variants.append(f"{keyword} {{ {field_name}({wrong}) {selection} }}")
        huge = ", ".join(
            f'{a}: "{"9" * 5000}"'
            for a, t in field.args.items()
            if get_named_type(t.type).name in ("String", "ID")
        )
        if huge:
            variants.append(f"{keyword} {{ {field_name}({huge}) {selection} }}")
    for query in variants:
        response = _post(client, {"query": query})
        body = response.content.decode()
        assert "Internal error" not in body, (query, body[:300])
        for error in response.json().get("errors") or []:
            assert error.get("extensions", {}).get("code"), error


def test_generated_operations_never_500(client):
    """Schema-aware generation (hypothesis-graphql), fixed seed, a few hundred operations."""
    hypothesis_graphql = pytest.importorskip("hypothesis_graphql")
    from hypothesis import HealthCheck, given, seed
    from hypothesis import settings as hsettings

    sdl = str(schema)

    @seed(20261125)
    @hsettings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(hypothesis_graphql.queries(sdl))
    def run(query):
        response = _post(client, {"query": query})
        assert "Internal error" not in response.content.decode(), query

    run()


def test_schema_type_sanity():
    assert isinstance(schema.graphql_schema.query_type, GraphQLObjectType)
