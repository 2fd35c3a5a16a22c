"""GraphQL actor matrix: every query and mutation of ``api.schema.schema`` × seven actors, on objects of A.

The operations come from schema introspection. Each one has an entry in ``POLICY`` saying how to build
its arguments from real objects of enterprise A (the full demo plus marked CRM/chat rows), which actors
may reach A's object, how to tell that they did, and (for mutations) what a denied call must not change.
``test_every_operation_has_a_policy`` fails as soon as an operation appears without an entry, and
``test_operations_without_a_policy_leak_nothing`` already calls such a new operation as every actor.

On every single call, whatever the operation, the response must not contain a marker the actor may
not see (a salesperson's customer, follow-up, task, notification, chat message), nor a traceback; every
error carries a stable code. A denied actor gets ``FORBIDDEN``/``NOT_FOUND`` (or an answer without A's
object); a denied mutation changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from api.schema import schema
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from tests.security.matrix_world import (
    A_SIDE,
    ACTORS,
    ADMIN_A,
    ADMIN_B,
    EVERYONE,
    MARKERS,
    SALES_A,
    SALES_A2,
    VISITOR_A,
    VISITOR_B,
    World,
    seeded_world,
)

DENIAL_CODES = {"FORBIDDEN", "NOT_FOUND"}
KNOWN_CODES = {"FORBIDDEN", "NOT_FOUND", "VALIDATION", "LIMIT", "UPSTREAM", "RATE_LIMITED", "THROTTLED"}

QUERY_FIELDS = schema.graphql_schema.query_type.fields
MUTATION_FIELDS = schema.graphql_schema.mutation_type.fields
ALL_OPERATIONS = sorted([("query", n) for n in QUERY_FIELDS] + [("mutation", n) for n in MUTATION_FIELDS])


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, module_media):
    settings.MEDIA_ROOT = module_media


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_media):
    yield from seeded_world(django_db_blocker, module_media)


# --- calling the API as an actor ---------------------------------------------------------------


def _selection(type_, depth: int) -> str:
    """Every argument-free field down to ``depth`` levels, so any leaked data shows in the response."""
    named = get_named_type(type_)
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        return ""
    if depth == 0:
        return "{ __typename }"
    parts = ["__typename"]
    if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
        for name, fld in named.fields.items():
            if any(isinstance(arg.type, GraphQLNonNull) for arg in fld.args.values()):
                continue
            parts.append(name + " " + _selection(fld.type, depth - 1))
    if isinstance(named, (GraphQLUnionType, GraphQLInterfaceType)):
        possible = schema.graphql_schema.get_possible_types(named)
        for member in possible[:12]:
            scalars = [
                n
                for n, f in member.fields.items()
                if isinstance(get_named_type(f.type), (GraphQLScalarType, GraphQLEnumType))
                and not any(isinstance(a.type, GraphQLNonNull) for a in f.args.values())
            ]
            if scalars:
                parts.append(f"... on {member.name} {{ {' '.join(scalars)} }}")
    return "{ " + " ".join(parts) + " }"


def _document(kind: str, name: str, variables: dict) -> str:
    fields = QUERY_FIELDS if kind == "query" else MUTATION_FIELDS
    fld = fields[name]
    decl = ", ".join(f"${arg}: {fld.args[arg].type}" for arg in variables)
    call = ", ".join(f"{arg}: ${arg}" for arg in variables)
    depth = 3 if kind == "query" else 2
    return (
        f"{kind} M{'(' + decl + ')' if decl else ''} {{ "
        f"{name}{'(' + call + ')' if call else ''} {_selection(fld.type, depth)} }}"
    )


def _headers(world: World, actor: str) -> dict:
    from trackers.intake import visitor_token

    enterprise = world.b if actor in (ADMIN_B, VISITOR_B) else world.a
    headers = {"HTTP_X_ENTERPRISE_KEY": enterprise.public_key}
    if actor == VISITOR_A:
        headers["HTTP_X_VISITOR_TOKEN"] = visitor_token(world.visitor_a)
    if actor == VISITOR_B:
        headers["HTTP_X_VISITOR_TOKEN"] = visitor_token(world.visitor_b)
    return headers


def _own_visitor_token(world: World, actor: str) -> str:
    """The visitor token an actor can present: their own (visitors) or B's visitor (B's side), else none."""
    from trackers.intake import visitor_token

    if actor == VISITOR_A:
        return visitor_token(world.visitor_a)
    if actor in (VISITOR_B, ADMIN_B):
        return visitor_token(world.visitor_b)
    return ""


@dataclass
class Result:
    status: int
    text: str
    data: object
    codes: set


def call(client, world: World, actor: str, kind: str, name: str, variables: dict) -> Result:
    client.logout()
    if actor in world.users:
        client.force_login(world.users[actor])
    body = {"query": _document(kind, name, variables), "variables": variables}
    response = client.post(
        "/graphql/", data=json.dumps(body), content_type="application/json", **_headers(world, actor)
    )
    text = response.content.decode()
    assert response.status_code != 500 and "Traceback" not in text, (name, actor, text[:500])
    payload = response.json()
    errors = payload.get("errors") or []
    codes = {e.get("extensions", {}).get("code") for e in errors}
    assert None not in codes and "INTERNAL" not in codes, (name, actor, errors)
    for marker, allowed in MARKERS.items():
        assert actor in allowed or marker not in text, f"{actor} got {marker} through {name}: {text[:400]}"
    return Result(response.status_code, text, (payload.get("data") or {}).get(name), codes)


# --- the policy table --------------------------------------------------------------------------


def _items(data) -> list:
    if isinstance(data, dict) and "edges" in data:
        return [edge["node"] for edge in data["edges"]]
    return data if isinstance(data, list) else []


def _ids(data) -> set[str]:
    return {str(item.get("id")) for item in _items(data) if isinstance(item, dict)}


def _nonzero(data) -> bool:
    """Any non-zero number or non-empty list anywhere in the answer (a scope's statistics)."""
    if isinstance(data, bool):
        return data
    if isinstance(data, (int, float)):
        return data != 0
    if isinstance(data, list):
        return bool(data)
    if isinstance(data, dict):
        return any(_nonzero(v) for k, v in data.items() if k != "__typename")
    return False


@dataclass(frozen=True)
class Op:
    """How an operation is called and judged.

    ``args(world, actor)`` builds its variables from A's objects; ``allowed`` actors reach A's object
    (control "seen": ``seen(world, result)`` is true; "answer": no error; "none": not checked, e.g.
    calls that go upstream to WeChat);
    everyone else is refused or answered without A's object. ``effect(world)`` is a snapshot a denied
    mutation must leave unchanged.
    """

    allowed: frozenset
    args: Callable | None = None
    seen: Callable | None = None
    effect: Callable | None = None
    control: str = "seen"
    note: str = ""


def _has(marker):
    return lambda w, r: marker in r.text


def _not_null(w, r):
    return r.data is not None and not r.codes


def _counts(model_path, **filters):
    def snapshot(w):
        from django.apps import apps

        model = apps.get_model(model_path)
        return model.objects.filter(**{k: v(w) if callable(v) else v for k, v in filters.items()}).count()

    return snapshot


OWN_CRM = frozenset({SALES_A, ADMIN_A})
CHAT_PARTIES = frozenset({VISITOR_A, SALES_A})
STAFF_A = frozenset({SALES_A, SALES_A2, ADMIN_A})

POLICY: dict[str, Op] = {
    # queries
    "ping": Op(EVERYONE, note="no data"),
    "chatConversations": Op(CHAT_PARTIES, seen=lambda w, r: str(w.conversation.pk) in _ids(r.data)),
    "chatMessages": Op(
        CHAT_PARTIES, args=lambda w, a: {"conversationId": str(w.conversation.pk)}, seen=_has("ZZQ-CHAT-S1")
    ),
    "shareLink": Op(
        frozenset({SALES_A, SALES_A2}),
        args=lambda w, a: {"kind": "article", "id": str(w.article.pk)},
        seen=_not_null,
        note="a link of one's own for A's article; salespeople only",
    ),
    "myNotifications": Op(frozenset({SALES_A}), seen=_has("ZZQ-NOTE-S1")),
    "unreadNotificationCount": Op(
        frozenset({SALES_A, SALES_A2, ADMIN_A, ADMIN_B}),
        control="answer",
        note="a bare count of one's own inbox; myNotifications and "
        "markNotificationsRead carry the per-salesperson wall",
    ),
    "visitorTimeline": Op(
        OWN_CRM, args=lambda w, a: {"visitorId": str(w.visitor_a.pk)}, seen=lambda w, r: bool(r.data)
    ),
    "trackedVisitors": Op(
        OWN_CRM, args=lambda w, a: {"limit": 200}, seen=lambda w, r: str(w.visitor_a.pk) in _ids(r.data)
    ),
    "dataCenter": Op(
        STAFF_A,
        seen=lambda w, r: _nonzero((r.data or {}).get("totals")),
        note="each gets their own scope's figures",
    ),
    "contentStats": Op(STAFF_A, seen=lambda w, r: _nonzero(r.data)),
    "salespersonStats": Op(STAFF_A, seen=lambda w, r: _nonzero(r.data)),
    "contentViewers": Op(
        OWN_CRM,
        args=lambda w, a: {"kind": "card", "id": str(w.users[SALES_A].salesperson.pk), "limit": 100},
        seen=lambda w, r: bool(r.data),
        note="viewers of carol's card",
    ),
    "posterStats": Op(
        STAFF_A,
        seen=lambda w, r: bool(r.data),
        control="answer",
        note="the demo has no poster events: control is 'answered', denial is error or empty",
    ),
    "myCustomers": Op(OWN_CRM, args=lambda w, a: {"limit": 200}, seen=_has("ZZQ-LEAD-S1")),
    "customer": Op(OWN_CRM, args=lambda w, a: {"id": str(w.lead_s1.pk)}, seen=_has("ZZQ-LEAD-S1")),
    "myVisitors": Op(
        OWN_CRM, args=lambda w, a: {"limit": 200}, seen=lambda w, r: str(w.visitor_a.pk) in _ids(r.data)
    ),
    "myTasks": Op(OWN_CRM, seen=_has("ZZQ-TASK-S1")),
    "pagePreview": Op(
        A_SIDE,
        args=lambda w, a: {"token": w.preview_token},
        seen=_not_null,
        note="the signed token is the capability; refused for another enterprise",
    ),
    "microsite": Op(
        A_SIDE, args=lambda w, a: {"salespersonId": str(w.users[SALES_A].salesperson.pk)}, seen=_not_null
    ),
    "micrositePage": Op(A_SIDE, args=lambda w, a: {"id": str(w.nav_page.pk)}, seen=_not_null),
    "article": Op(A_SIDE, args=lambda w, a: {"id": str(w.article.pk)}, seen=_not_null),
    "articles": Op(
        A_SIDE, args=lambda w, a: {"first": 50}, seen=lambda w, r: str(w.article.pk) in _ids(r.data)
    ),
    "card": Op(
        A_SIDE, args=lambda w, a: {"salespersonId": str(w.users[SALES_A].salesperson.pk)}, seen=_not_null
    ),
    "product": Op(A_SIDE, args=lambda w, a: {"id": str(w.product.pk)}, seen=_not_null),
    "products": Op(
        A_SIDE, args=lambda w, a: {"first": 50}, seen=lambda w, r: str(w.product.pk) in _ids(r.data)
    ),
    "form": Op(A_SIDE, args=lambda w, a: {"id": str(w.form.pk)}, seen=_not_null),
    "file": Op(A_SIDE, args=lambda w, a: {"id": str(w.file.pk)}, seen=_not_null),
    "files": Op(A_SIDE, args=lambda w, a: {"first": 50}, seen=lambda w, r: str(w.file.pk) in _ids(r.data)),
    # mutations
    "login": Op(
        A_SIDE,
        args=lambda w, a: {"code": "matrix-code"},
        control="none",
        note="entry point: logs into the addressed enterprise through the WeChat adapter",
    ),
    "sharePhone": Op(
        frozenset({VISITOR_A}),
        args=lambda w, a: {"code": "matrix-phone"},
        control="none",
        effect=lambda w: type(w.visitor_a).objects.get(pk=w.visitor_a.pk).phone,
    ),
    "chatOpen": Op(
        frozenset({VISITOR_A}),
        args=lambda w, a: {"salespersonId": str(w.users[SALES_A].salesperson.pk)},
        seen=_not_null,
        effect=_counts("wechat.Conversation", salesperson__user__username="carol"),
    ),
    "chatSend": Op(
        CHAT_PARTIES,
        args=lambda w, a: {"conversationId": str(w.conversation.pk), "body": "matrix hi"},
        seen=_not_null,
        effect=_counts("wechat.ChatMessage", conversation_id=lambda w: w.conversation.pk),
    ),
    "chatSharePhone": Op(
        frozenset({VISITOR_A}),
        control="none",
        args=lambda w, a: {"conversationId": str(w.conversation.pk), "code": "matrix-phone"},
        effect=_counts("wechat.ChatMessage", conversation_id=lambda w: w.conversation.pk),
    ),
    "trackEvents": Op(
        A_SIDE,
        args=lambda w, a: {
            "token": w.share_token,
            "device": f"matrix-device-{a}",
            "events": [{"id": f"matrix-{a}-{time.monotonic_ns()}", "type": "open"}],
        },
        seen=lambda w, r: bool(r.data and r.data.get("accepted")),
        note="share token + the addressed enterprise; B's side is refused",
    ),
    "forwardShare": Op(
        frozenset({VISITOR_A}),
        args=lambda w, a: {"token": w.share_token, "visitor": _own_visitor_token(w, a)},
        seen=_not_null,
        effect=_counts("trackers.ShareForward", enterprise_id=lambda w: w.a.pk),
    ),
    "visitorSession": Op(
        A_SIDE,
        args=lambda w, a: {"shareToken": w.share_token, "deviceId": f"matrix-dev-{a}"},
        seen=_not_null,
        note="the share token is the capability; refused on B's side",
    ),
    "markNotificationsRead": Op(
        frozenset({SALES_A}),
        args=lambda w, a: {"ids": [str(w.note_s1.pk)]},
        seen=lambda w, r: bool(r.data and r.data.get("count")),
        effect=lambda w: type(w.note_s1).objects.get(pk=w.note_s1.pk).read_at,
    ),
    "writeFollowUp": Op(
        OWN_CRM,
        args=lambda w, a: {"customerId": str(w.lead_s1.pk), "content": "matrix call"},
        seen=_not_null,
        effect=_counts("crm.FollowUp", lead_id=lambda w: w.lead_s1.pk),
    ),
    "completeTask": Op(
        OWN_CRM,
        args=lambda w, a: {"id": str(w.task_s1.pk)},
        seen=_not_null,
        effect=lambda w: type(w.task_s1).objects.get(pk=w.task_s1.pk).status,
    ),
    "submitForm": Op(
        A_SIDE,
        args=lambda w, a: {"formId": str(w.form.pk), "data": {}},
        seen=_not_null,
        note="public form; errors come back as data",
    ),
    "likeCardTag": Op(
        frozenset({VISITOR_A}),
        args=lambda w, a: {"tagId": str(w.card_tag.pk), "visitorToken": _own_visitor_token(w, a)},
        seen=_not_null,
        effect=_counts("cards.CardTagLike", tag_id=lambda w: w.card_tag.pk),
    ),
}

# The visitor mutation's result names the enterprise through its token; make sure B's side gets B's.


def _required_args(kind, name) -> list[str]:
    fields = QUERY_FIELDS if kind == "query" else MUTATION_FIELDS
    return [a for a, v in fields[name].args.items() if isinstance(v.type, GraphQLNonNull)]


# --- tests -------------------------------------------------------------------------------------


def test_every_operation_has_a_policy():
    """A new query or mutation must be classified here, so the matrix stays complete."""
    missing = [name for _, name in ALL_OPERATIONS if name not in POLICY]
    assert not missing, f"add these operations to POLICY in {__file__}: {missing}"
    stale = set(POLICY) - {name for _, name in ALL_OPERATIONS}
    assert not stale, f"operations no longer in the schema: {stale}"
    needing_args = [
        name for kind, name in ALL_OPERATIONS if _required_args(kind, name) and POLICY[name].args is None
    ]
    assert not needing_args, f"these operations need an argument builder: {needing_args}"


@pytest.mark.django_db
@pytest.mark.parametrize("kind,name", [op for op in ALL_OPERATIONS if op[1] not in POLICY])
def test_operations_without_a_policy_leak_nothing(client, world, kind, name):
    """Runs only for operations missing from POLICY: every actor, argument-free or with junk ids."""
    variables = {arg: "1" for arg in _required_args(kind, name)}
    for actor in ACTORS:
        call(client, world, actor, kind, name, variables)


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("kind,name", [op for op in ALL_OPERATIONS if op[1] in POLICY])
def test_actor_matrix(client, world, kind, name, actor):
    op = POLICY[name]
    variables = op.args(world, actor) if op.args else {}
    before = op.effect(world) if op.effect else None
    result = call(client, world, actor, kind, name, variables)
    unknown = result.codes - KNOWN_CODES
    assert not unknown, (name, actor, result.text[:300])
    if actor in op.allowed:
        if op.control == "seen" and op.seen is not None:
            assert op.seen(world, result), (
                f"control: {actor} should reach A's object via {name}: {result.text[:400]}"
            )
        elif op.control != "none":
            assert not result.codes, (name, actor, result.text[:300])
        return
    # denied: refused with a denial code, or answered without A's object
    if result.codes:
        assert result.codes <= DENIAL_CODES | {"VALIDATION"}, (name, actor, result.codes)
        assert not _nonzero(result.data) or op.seen is None or not op.seen(world, result), (name, actor)
    else:
        assert op.seen is not None, f"{actor} was answered by {name} with no refusal: {result.text[:300]}"
        assert not op.seen(world, result), f"{actor} reached A's object via {name}: {result.text[:400]}"
    if op.effect is not None:
        assert op.effect(world) == before, f"{actor} changed A's data via {name}"


@pytest.mark.django_db
def test_preview_token_of_a_form_page_is_not_found_not_internal(client, world):
    """Found by this matrix: a preview token for a form or article page was an INTERNAL error."""
    from sites.preview import preview_token_issue

    token = preview_token_issue(page=world.form, enterprise=world.a)
    result = call(client, world, ADMIN_A, "query", "pagePreview", {"token": token})
    assert result.codes == {"NOT_FOUND"} and result.data is None
