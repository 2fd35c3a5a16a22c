"""Response cache of published microsite pages: hits run no SQL, publishing invalidates."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms.products.models import Product
from tests.test_api_content import blocks_for, gql, publish_home

QUERY = """query($sp: ID) { microsite(salespersonId: $sp) {
  title salesperson { name }
  body { __typename ... on TitleBarBlockType { title } ... on ProductListBlockType { products { name } } }
} }"""


def test_a_cache_hit_runs_no_sql_and_returns_the_same_answer(client, enterprise_a):
    publish_home(enterprise_a, blocks_for(enterprise_a, 10))
    first = gql(client, enterprise_a, QUERY)

    with CaptureQueriesContext(connection) as queries:
        second = gql(client, enterprise_a, QUERY)

    assert "errors" not in first
    assert second == first
    assert len(queries) == 0, [q["sql"][:80] for q in queries.captured_queries]


def test_publishing_invalidates(client, enterprise_a):
    home = publish_home(enterprise_a, [{"type": "title_bar", "value": {"title": "Old", "subtitle": ""}}])
    assert gql(client, enterprise_a, QUERY)["data"]["microsite"]["body"][0]["title"] == "Old"

    home.body = [{"type": "title_bar", "value": {"title": "New", "subtitle": ""}}]
    home.save_revision().publish()
    assert gql(client, enterprise_a, QUERY)["data"]["microsite"]["body"][0]["title"] == "New"


def test_the_admins_shelf_action_hides_the_cached_microsite_at_once(client, enterprise_a, admin_a):
    """SITE-3 through the admin's own shelf action (no revision is published on that path)."""
    home = publish_home(enterprise_a, [{"type": "title_bar", "value": {"title": "On", "subtitle": ""}}])
    assert gql(client, enterprise_a, QUERY)["data"]["microsite"]["title"]  # now cached
    operator = Client()
    operator.force_login(admin_a)

    assert operator.post(f"/admin/microsite/{home.pk}/shelf/", {"on_shelf": "0"}).status_code == 302
    codes = [e["extensions"]["code"] for e in gql(client, enterprise_a, QUERY)["errors"]]
    assert codes == ["NOT_FOUND"]

    assert operator.post(f"/admin/microsite/{home.pk}/shelf/", {"on_shelf": "1"}).status_code == 302
    assert gql(client, enterprise_a, QUERY)["data"]["microsite"]["body"][0]["title"] == "On"


def test_a_saved_product_invalidates(client, enterprise_a):
    publish_home(enterprise_a, blocks_for(enterprise_a, 5))
    product = Product.objects.get(enterprise=enterprise_a, name="Tea 4")
    before = gql(client, enterprise_a, QUERY)["data"]["microsite"]["body"][4]["products"][0]["name"]

    product.name = "Green tea"
    product.save()

    after = gql(client, enterprise_a, QUERY)["data"]["microsite"]["body"][4]["products"][0]["name"]
    assert (before, after) == ("Tea 4", "Green tea")


def test_key_separates_enterprise_and_salesperson_context(
    client, enterprise_a, enterprise_b, salesperson_a, other_salesperson_a
):
    publish_home(enterprise_a, blocks_for(enterprise_a, 2))
    publish_home(enterprise_b, [{"type": "title_bar", "value": {"title": "B only", "subtitle": ""}}])

    a1 = gql(client, enterprise_a, QUERY, {"sp": salesperson_a.pk})["data"]["microsite"]
    a2 = gql(client, enterprise_a, QUERY, {"sp": other_salesperson_a.pk})["data"]["microsite"]
    b = gql(client, enterprise_b, QUERY)["data"]["microsite"]
    foreign = gql(client, enterprise_b, QUERY, {"sp": salesperson_a.pk})

    assert a1["salesperson"]["name"] == salesperson_a.display_name
    assert a2["salesperson"]["name"] == other_salesperson_a.display_name
    assert b["body"][0]["title"] == "B only" and b["salesperson"] is None
    assert [e["extensions"]["code"] for e in foreign["errors"]] == ["NOT_FOUND"]


def test_signed_in_callers_and_other_operations_are_not_cached(client, enterprise_a, admin_a):
    publish_home(enterprise_a, blocks_for(enterprise_a, 2))
    client.force_login(admin_a)
    gql(client, enterprise_a, QUERY)
    with CaptureQueriesContext(connection) as queries:
        gql(client, enterprise_a, QUERY)
    assert len(queries) > 0
