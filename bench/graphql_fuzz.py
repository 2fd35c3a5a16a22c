"""Fuzz /graphql/ with schema-aware operations plus the abusive documents of issue 18 (hole 10).

Usage: .venv/bin/python bench/graphql_fuzz.py [--count 10000] [--seed 1] [--keepdb]

Every operation is generated from ``api.schema`` by a seeded ``random.Random``: a root query or
mutation, arguments as literals or variables with values of the right type, the wrong type, null,
huge integers, unicode/NUL/5,000-character strings, deeply nested lists, unknown fields and
arguments, deep selections; about one request in eight is an abusive or malformed body (nested
JSON variables, a field repeated 550 times, alias floods, fragment bombs and cycles, form-encoded
and text bodies with a session cookie, invalid UTF-8, batches, a 30 kB body). Half the requests
are signed in as a salesperson of the demo enterprise (CRM, chat and data-center resolvers run).

It runs in-process through Django's test client on its own database (``bench_fuzz_<name>`` next
to DATABASE_URL's, migrated and seeded with ``seed_demo``, dropped at the end unless --keepdb),
against the PostgreSQL and Redis of scripts/services.sh. Last line: one JSON object with
operations, http_500, internal, p95_ms (and status/code counts, load average).
"""

from __future__ import annotations

import json
import random
import string

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

STRINGS = [
    "",
    "x",
    "1",
    "张三",
    "智能水泵",
    "\x00",
    "a\x00b",
    "\u202e\u202e",
    "😀" * 3,
    "'; drop table x; --",
    "<script>alert(1)</script>",
    "9" * 30,
    "a" * 5000,
    "-1",
    "null",
    "%s%n",
    "../../etc/passwd",
]
INTS = [0, 1, -1, 2, 20, 100, 101, 2**31 - 1, 2**31, -(2**31) - 1, 10**20, -(10**30)]
FLOATS = [0.0, -1.5, 1e308, 1e-308, 3.14]
DATES = ["2026-12-03", "2026-12-03T10:00:00+08:00", "not a date", "9999-99-99", ""]


def _nested_list(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


class Fuzzer:
    """Seeded generator of request bodies: ``next_request()`` returns (json_body, raw_bytes)."""

    def __init__(self, schema: GraphQLSchema, rng: random.Random):
        self.schema, self.rng = schema, rng
        self.roots = [("query", name, field) for name, field in schema.query_type.fields.items()]
        self.roots += [("mutation", name, field) for name, field in schema.mutation_type.fields.items()]

    # --- values -------------------------------------------------------------------------
    def value(self, type_, depth: int = 0):
        """A value for ``type_``: usually right, sometimes wrong-typed, null or extreme."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:
            return None
        if roll < 0.14:
            return rng.choice(
                [rng.choice(STRINGS), rng.choice(INTS), True, [], {}, _nested_list(rng.randint(3, 40))]
            )
        named = get_named_type(type_)
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList) and depth < 4:
            return [self.value(type_.of_type, depth + 1) for _ in range(rng.choice([0, 1, 2, 3, 60]))]
        if isinstance(named, GraphQLEnumType):
            return rng.choice(list(named.values) + ["NOPE"])
        if isinstance(named, GraphQLInputObjectType):
            if depth > 4:
                return {}
            result = {
                name: self.value(field.type, depth + 1)
                for name, field in named.fields.items()
                if rng.random() < 0.85
            }
            if rng.random() < 0.1:
                result["unknownField"] = 1
            return result
        name = named.name
        if name in ("Int",):
            return rng.choice(INTS)
        if name == "Float":
            return rng.choice(FLOATS + INTS[:4])
        if name == "Boolean":
            return rng.random() < 0.5
        if name in ("DateTime", "Date"):
            return rng.choice(DATES)
        if name in ("GenericScalar", "JSONString"):
            data = rng.choice(
                [
                    {"name": "张三", "mobile": "13800138000"},
                    {"a": _nested_list(rng.randint(1, 30))},
                    {"x": "\x00"},
                    [],
                    "text",
                    7,
                    {"name": "", "mobile": "1" * 40},
                ]
            )
            return json.dumps(data) if name == "JSONString" and rng.random() < 0.7 else data
        if name == "ID":
            return rng.choice(["1", "2", "3", "999999", "-1", "0", "abc", "1.5", "\x00", "9" * 40, 1, 10**20])
        return rng.choice(STRINGS)

    def literal(self, value) -> str:
        """GraphQL literal text of a JSON-like value (strings escaped the JSON way, which GraphQL reads)."""
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=self.rng.random() < 0.5)
        if isinstance(value, list):
            return "[" + ", ".join(self.literal(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {self.literal(v)}" for k, v in value.items()) + "}"
        return json.dumps(str(value))

    # --- selections ---------------------------------------------------------------------
    def selection(self, type_, depth: int) -> str:
        named = get_named_type(type_)
        rng = self.rng
        if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            return " { id }" if rng.random() < 0.03 else ""
        if isinstance(named, GraphQLUnionType):
            member = rng.choice(named.types)
            return " { __typename ... on " + member.name + self.selection(member, depth + 1) + " }"
        if not isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            return ""
        if depth > rng.choice([2, 3, 5, 14]):
            return " { __typename }"
        fields = list(named.fields.items())
        chosen = rng.sample(fields, k=min(len(fields), rng.randint(1, 4)))
        parts = []
        for name, field in chosen:
            args = ""
            if field.args and rng.random() < 0.5:
                args = (
                    "("
                    + ", ".join(f"{a}: {self.literal(self.value(t.type))}" for a, t in field.args.items())
                    + ")"
                )
            parts.append(name + args + self.selection(field.type, depth + 1))
        if rng.random() < 0.05:
            parts.append("doesNotExist")
        return " { " + " ".join(parts) + " }"

    def operation(self) -> dict:
        rng = self.rng
        keyword, name, field = rng.choice(self.roots)
        literals, declarations, variables = [], [], {}
        for arg_name, arg in field.args.items():
            if not isinstance(arg.type, GraphQLNonNull) and rng.random() < 0.3:
                continue  # optional argument left out
            value = self.value(arg.type)
            if rng.random() < 0.5:
                declared = (
                    str(arg.type) if rng.random() < 0.9 else rng.choice(["Int", "String!", "[ID]", "Boolean"])
                )
                declarations.append(f"${arg_name}: {declared}")
                literals.append(f"{arg_name}: ${arg_name}")
                variables[arg_name] = value
            else:
                literals.append(f"{arg_name}: {self.literal(value)}")
        if rng.random() < 0.05:
            literals.append("notAnArgument: 1")
        head = keyword + (" F(" + ", ".join(declarations) + ")" if declarations else "")
        call = name + ("(" + ", ".join(literals) + ")" if literals else "")
        body = {"query": f"{head} {{ {call}{self.selection(field.type, 1)} }}"}
        if variables or rng.random() < 0.1:
            body["variables"] = variables
        return body

    # --- abusive and malformed bodies ---------------------------------------------------
    def abusive(self) -> tuple[dict | None, bytes | None]:
        rng = self.rng
        nested = "[" * 1200 + "]" * 1200
        fragments = ["fragment F0 on Query { __typename }"]
        for i in range(1, 7):
            fragments.append(
                f"fragment F{i} on Query {{ "
                + " ".join(f"x{j}: __typename ...F{i - 1}" for j in range(10))
                + " }"
            )
        choices = [
            (
                None,
                (
                    '{"query": "query Q($v: GenericScalar) { __typename }", "variables": {"v": '
                    + nested
                    + "}}"
                ).encode(),
            ),
            (
                {"query": "query Q($v: GenericScalar) { __typename }", "variables": '{"v": ' + nested + "}"},
                None,
            ),
            ({"query": "query { " + "__typename " * 550 + "}"}, None),
            ({"query": "query { microsite { " + "title " * 900 + "} }"}, None),
            ({"query": "query { " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"}, None),
            ({"query": "query { ...F6 } " + " ".join(fragments)}, None),
            ({"query": "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}, None),
            ({"query": "query " + "{ microsite " * 60 + "{ __typename }" + " }" * 60}, None),
            ({"query": "{" * 3000}, None),
            ({"query": "{ articles(first: null) { edges { node { id } } } }"}, None),
            ({"query": "{ products(first: null) { id } files(first: null) { id } }"}, None),
            (
                {
                    "query": 'mutation { writeFollowUp(customerId: "1", content: "a\\u0000b") '
                    + "{ followUp { id } } }"
                },
                None,
            ),
            ({"query": "{ __typename }", "variables": [1]}, None),
            ({"query": 42}, None),
            ({"query": "{ __typename }", "operationName": 7}, None),
            ({"query": "{ articl { id } }"}, None),
            (None, b"\xff\xfe{{{"),
            (None, b"{"),
            (None, b"[" + b'{"query": "{ __typename }"},' * 50 + b"{}]"),
            (None, json.dumps({"query": "{ __typename }", "pad": "x" * 30_000}).encode()),
            (None, "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 400))).encode()),
        ]
        return rng.choice(choices)

    def next_request(self) -> tuple[dict | None, bytes | None]:
        if self.rng.random() < 0.125:
            return self.abusive()
        return self.operation(), None


def main() -> None:  # pragma: no cover - a bench, run by hand
    import argparse
    import collections
    import os
    import sys
    import time
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from api.schema import schema
    from enterprises.models import Enterprise, Salesperson

    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"bench_fuzz_{database['NAME']}"
    started = time.perf_counter()
    old_config = setup_databases(
        verbosity=0,
        interactive=False,
        keepdb=args.keepdb,
        serialized_aliases=set(),  # no TransactionTestCase here
    )
    try:
        call_command("seed_demo", verbosity=0)
        print(f"database migrated and seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        enterprise = Enterprise.objects.order_by("pk").first()
        salesperson = Salesperson.objects.filter(enterprise=enterprise).order_by("pk").first()
        anonymous = Client(raise_request_exception=False)
        signed_in = Client(raise_request_exception=False)
        signed_in.force_login(salesperson.user)
        fuzzer = Fuzzer(schema.graphql_schema, random.Random(args.seed))
        statuses: collections.Counter = collections.Counter()
        codes: collections.Counter = collections.Counter()
        timings, failures = [], []
        for n in range(args.count):
            body, raw = fuzzer.next_request()
            client = signed_in if n % 2 else anonymous
            data = raw if raw is not None else json.dumps(body)
            t0 = time.perf_counter()
            response = client.post(
                "/graphql/",
                data=data,
                content_type="application/json",
                HTTP_X_ENTERPRISE_KEY=enterprise.public_key,
            )
            timings.append((time.perf_counter() - t0) * 1000)
            statuses[response.status_code] += 1
            text = response.content.decode("utf-8", "replace")
            try:
                for error in json.loads(text).get("errors") or []:
                    codes[(error.get("extensions") or {}).get("code")] += 1
            except (ValueError, AttributeError):
                codes["<not json>"] += 1
            if response.status_code >= 500 and response.status_code != 503 or '"INTERNAL"' in text:
                failures.append(
                    {
                        "request": data[:300] if isinstance(data, str) else repr(data[:300]),
                        "response": text[:300],
                    }
                )
        timings.sort()
        report = {
            "operations": args.count,
            "seed": args.seed,
            "http_500": sum(v for k, v in statuses.items() if k >= 500 and k != 503),
            "internal": codes.get("INTERNAL", 0),
            "p95_ms": round(timings[int(len(timings) * 0.95)], 1),
            "median_ms": round(timings[len(timings) // 2], 1),
            "max_ms": round(timings[-1], 1),
            "seconds": round(sum(timings) / 1000, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "codes": {str(k): v for k, v in codes.most_common()},
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
        for failure in failures[:10]:
            print(json.dumps(failure, ensure_ascii=False), file=sys.stderr)
        print(json.dumps(report))
    finally:
        if not args.keepdb:
            teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
