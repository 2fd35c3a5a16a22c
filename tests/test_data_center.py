"""DATA-1..5, POST-3 and the tracking GraphQL: figures from rollups, scoped by role and enterprise."""

from __future__ import annotations

import graphene
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from api.tracking import TrackingMutations, TrackingQueries
from enterprises.models import Role
from enterprises.selectors import scope_for_user
from trackers.models import Notification
from trackers.selectors import content_stats, content_viewers, dashboard, poster_stats, salesperson_stats
from trackers.services import visitor_identify, visitor_token

from .factories import make_member
from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")

schema = graphene.Schema(
    query=type("Query", (TrackingQueries, graphene.ObjectType), {}),
    mutation=type("Mutation", (TrackingMutations, graphene.ObjectType), {}),
)


def run(query: str, user=None, **variables):
    request = RequestFactory().post("/graphql/")
    request.user = user or AnonymousUser()
    return schema.execute(query, context_value=request, variable_values=variables)


@pytest.fixture
def traffic(client, salesperson_a, other_salesperson_a, salesperson_b):
    """A: two salespeople's articles and a poster read by three visitors; B: one visitor."""
    post_batch(
        client,
        token_for(salesperson_a, "article", 1),
        [event("open"), event("heartbeat", seconds=30), event("share")],
        device="device-a-0001",
    )
    post_batch(client, token_for(salesperson_a, "article", 1), [event("open")], device="device-a-0002")
    post_batch(client, token_for(salesperson_a, "poster", 8), [event("open")], device="device-a-0003")
    post_batch(
        client,
        token_for(other_salesperson_a, "article", 2),
        [event("open"), event("heartbeat", seconds=5)],
        device="device-a-0004",
    )
    post_batch(
        client,
        token_for(salesperson_b, "article", 1),
        [event("open"), event("heartbeat", seconds=99)],
        device="device-b-0001",
    )


def test_admin_sees_the_whole_enterprise_and_nothing_of_another(traffic, admin_a):
    scope = scope_for_user(admin_a)
    board = dashboard(scope=scope, days=30)
    assert (board.totals["opens"], board.totals["read_seconds"], board.totals["shares"]) == (4, 35, 1)
    assert board.series[-1]["opens"] == 4 and len(board.series) == 30
    stats = {(stat.kind, stat.target_id): stat for stat in content_stats(scope=scope)}
    assert set(stats) == {("article", 1), ("article", 2), ("poster", 8)}
    assert (stats[("article", 1)].opens, stats[("article", 1)].viewers, stats[("article", 1)].sharers) == (
        2,
        2,
        1,
    )


def test_readers_are_distinct_visitors_first_views_count_each_item(traffic, client, admin_a, salesperson_a):
    # given a fourth visitor of A who opens the article and the poster salesperson A shared
    post_batch(client, token_for(salesperson_a, "article", 1), [event("open")], device="device-a-0009")
    post_batch(client, token_for(salesperson_a, "poster", 8), [event("open")], device="device-a-0009")
    # then the whole enterprise counts 5 readers over 6 first views
    board = dashboard(scope=scope_for_user(admin_a))
    assert (board.readers, board.totals["new_visitors"]) == (5, 6)
    # and the salesperson's own dashboard counts their 4 readers, or 2 for the posters alone
    assert dashboard(scope=scope_for_user(salesperson_a.user)).readers == 4
    assert dashboard(scope=scope_for_user(salesperson_a.user), kind="poster").readers == 2


def test_salesperson_sees_only_their_own_figures(traffic, salesperson_a):
    scope = scope_for_user(salesperson_a.user)
    assert dashboard(scope=scope).totals["opens"] == 3
    assert {(s.kind, s.target_id) for s in content_stats(scope=scope)} == {("article", 1), ("poster", 8)}
    assert content_viewers(scope=scope, kind="article", target_id=2) == []
    assert [stat.salesperson_id for stat in salesperson_stats(scope=scope)] == [salesperson_a.pk]


def test_manager_sees_their_department_subtree(traffic, enterprise_a, salesperson_a, other_salesperson_a):
    from enterprises.models import Department

    root = Department.objects.get(enterprise=enterprise_a, depth=1)
    team = root.add_child(enterprise=enterprise_a, name="Team")
    other_salesperson_a.department = team
    other_salesperson_a.save()
    manager = make_member(enterprise_a, Role.SALESPERSON, username="manager-a")
    team.managers.add(manager)
    scope = scope_for_user(manager)
    assert {(s.kind, s.target_id) for s in content_stats(scope=scope)} == {("article", 2)}


def test_view_and_share_lists(traffic, admin_a):
    scope = scope_for_user(admin_a)
    viewers = content_viewers(scope=scope, kind="article", target_id=1)
    assert sorted(v.visitor.device_id for v in viewers) == ["device-a-0001", "device-a-0002"]
    sharers = content_viewers(scope=scope, kind="article", target_id=1, sharers_only=True)
    assert [v.visitor.device_id for v in sharers] == ["device-a-0001"]


def test_poster_scans_and_visitors_acquired(traffic, admin_a):
    [stat] = poster_stats(scope=scope_for_user(admin_a))
    assert (stat.poster_id, stat.scans, stat.visitors_acquired) == (8, 1, 1)


def test_graphql_data_center_is_scoped_and_refuses_anonymous(traffic, admin_b, salesperson_a):
    query = "{ dataCenter(days: 7) { readers totals { opens readSeconds } series { day opens } } }"
    anonymous = run(query)
    assert anonymous.errors[0].extensions["code"] == "FORBIDDEN"
    as_b = run(query, admin_b)
    assert as_b.errors is None
    assert as_b.data["dataCenter"]["totals"] == {"opens": 1, "readSeconds": 99}
    assert as_b.data["dataCenter"]["readers"] == 1
    as_salesperson = run(query, salesperson_a.user)
    assert as_salesperson.data["dataCenter"]["totals"]["opens"] == 3
    assert as_salesperson.data["dataCenter"]["readers"] == 3
    too_long = run("{ dataCenter(days: 4000) { days } }", admin_b)
    assert too_long.errors[0].extensions["code"] == "LIMIT"


def test_graphql_timeline_of_another_enterprises_visitor_is_not_found(traffic, admin_a, admin_b):
    from trackers.models import Visitor

    visitor_b = Visitor.objects.get(device_id="device-b-0001")
    query = "query($id: ID!) { visitorTimeline(visitorId: $id) { type kind targetId seconds } }"
    assert run(query, admin_a, id=str(visitor_b.pk)).errors[0].extensions["code"] == "NOT_FOUND"
    timeline = run(query, admin_b, id=str(visitor_b.pk)).data["visitorTimeline"]
    assert sorted((row["type"], row["kind"], row["seconds"]) for row in timeline) == [
        ("heartbeat", "article", 99),
        ("open", "article", 0),
    ]


def test_graphql_track_events_inbox_and_share_link(salesperson_a):
    # given a share link from the signed-in salesperson
    from cms.cards.models import Card

    card = Card.objects.get(salesperson=salesperson_a)  # links are signed for readable items only
    link = run(f'{{ shareLink(kind: "card", id: "{card.pk}") {{ token url qrSvgUrl }} }}', salesperson_a.user)
    token = link.data["shareLink"]["token"]
    assert link.data["shareLink"]["url"].endswith(f"/h5/s/{token}/")
    # when a visitor sends events through the mutation, twice (a retry)
    visitor = visitor_identify(enterprise=salesperson_a.enterprise, openid="O-gql", nickname="Qian")
    mutation = """mutation($token: String!, $visitor: String) {
        trackEvents(token: $token, visitor: $visitor,
                    events: [{id: "g1", type: "open"}, {id: "g2", type: "fly"}]) {
          accepted rejected } }"""
    first = run(mutation, token=token, visitor=visitor_token(visitor))
    run(mutation, token=token, visitor=visitor_token(visitor))
    assert first.errors is None
    assert first.data["trackEvents"] == {"accepted": 1, "rejected": '{"bad_type": 1}'}
    # then the salesperson's inbox has one notification, which they can mark read
    inbox = run("{ myNotifications { title kind isRead } unreadNotificationCount }", salesperson_a.user)
    assert inbox.data["myNotifications"] == [
        {"title": "Qian is viewing sales-a", "kind": "visitor_open", "isRead": False}  # the card's name
    ]
    marked = run("mutation { markNotificationsRead { count } }", salesperson_a.user)
    assert marked.data["markNotificationsRead"]["count"] == 1
    assert Notification.objects.get().read_at is not None


def test_graphql_track_events_with_a_bad_token_has_a_stable_code(salesperson_a):
    mutation = (
        'mutation { trackEvents(token: "AAAAAAAAAAAAAAAAAAAA", device: "device-x-0001", '
        'events: [{id: "1", type: "open"}]) { accepted } }'
    )
    result = run(mutation)
    assert result.errors[0].extensions["code"] == "FORBIDDEN"
    assert "Traceback" not in result.errors[0].message


def test_admin_screens_render_scoped_figures_and_load_the_local_chart_library(
    traffic, login, admin_a, admin_b
):
    from trackers.models import Visitor

    client = login(admin_a)
    response = client.get("/admin/data-center/?days=7")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/trackers/chart.umd.min.js" in body and "cdn" not in body.lower()
    assert "article #1" in body and "poster #8" in body
    assert client.get("/admin/data-center/content/article/1/").status_code == 200
    assert client.get("/admin/data-center/content/teleport/1/").status_code == 404
    visitor_a = Visitor.objects.get(device_id="device-a-0001")
    visitor_b = Visitor.objects.get(device_id="device-b-0001")
    assert client.get(f"/admin/data-center/visitors/{visitor_a.pk}/").status_code == 200
    # another enterprise's visitor does not exist for this admin
    assert client.get(f"/admin/data-center/visitors/{visitor_b.pk}/").status_code == 404


def test_admin_edits_the_precise_user_rule_with_per_field_errors(login, admin_a, salesperson_a):
    from trackers.models import TrackingSettings

    client = login(admin_a)
    assert client.get("/admin/data-center/rules/").status_code == 200
    bad = client.post(
        "/admin/data-center/rules/",
        {
            "precise_min_clicks": "-1",
            "precise_min_read_seconds": "30",
            "intent_half_life_days": "7",
            "intent_medium_score": "50",
            "intent_high_score": "10",
            "notify_throttle_seconds": "600",
            "session_timeout_seconds": "600",
        },
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"precise_min_clicks", "intent_high_score"}
    good = client.post(
        "/admin/data-center/rules/",
        {
            "precise_min_clicks": "5",
            "precise_min_read_seconds": "90",
            "intent_half_life_days": "3",
            "intent_medium_score": "20",
            "intent_high_score": "60",
            "notify_throttle_seconds": "300",
            "session_timeout_seconds": "900",
        },
    )
    assert good.status_code == 302
    rules = TrackingSettings.objects.get(enterprise=admin_a.membership.enterprise)
    assert (rules.precise_min_clicks, rules.precise_min_read_seconds) == (5, 90)


def test_a_salesperson_cannot_edit_the_rules(login, salesperson_a):
    response = login(salesperson_a.user).get("/admin/data-center/rules/")
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message
    assert (response.status_code, response.url) == (302, "/admin/")


def test_the_real_graphql_endpoint_serves_tracking(client, salesperson_a):
    import json

    token = token_for(salesperson_a, "article", 4)
    body = {
        "query": 'mutation($t: String!) { trackEvents(token: $t, device: "device-gql-0001", '
        'events: [{id: "e1", type: "open"}]) { accepted rejected } }',
        "variables": {"t": token},
    }
    response = client.post("/graphql/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["data"]["trackEvents"] == {"accepted": 1, "rejected": "{}"}
    anonymous = client.post(
        "/graphql/", data=json.dumps({"query": "{ dataCenter { days } }"}), content_type="application/json"
    ).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "FORBIDDEN"
