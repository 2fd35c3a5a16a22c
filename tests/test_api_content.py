"""GraphQL content API: typed StreamField, share context, errors, limits, tenancy, query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.articles.services import article_create
from cms.leadforms.services import leadform_create
from cms.products.models import Product
from sites.models import MicrositeHomePage
from tests.factories import make_image
from trackers.share import share_token_for


def gql(client, enterprise, query, variables=None):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise.public_key if enterprise else "",
    )
    assert response.status_code in (200, 400), response.content[:500]
    return response.json()


def codes(result) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


def blocks_for(enterprise, n: int) -> list[dict]:
    """n blocks cycling through every block type; every block embeds its own image/product/form."""
    forms = [
        leadform_create(
            enterprise=enterprise, title=f"Form {i}",
            fields=[{"label": "Phone", "field_type": "phone", "required": True}],
        )
        for i in range(max(1, n // 10))
    ]

    def block(i: int) -> dict:
        image = make_image(enterprise, title=f"pic{i}")
        kind = i % 10
        if kind == 0:
            return {"type": "carousel", "value": {"slides": [
                {"image": image.pk, "caption": "Hi", "link": {"link_type": "url", "url": "https://e.example"}}
            ], "autoplay_seconds": 3}}
        if kind == 1:
            return {"type": "title_bar", "value": {"title": "Welcome", "subtitle": ""}}
        if kind == 2:
            return {"type": "divider", "value": {"style": "line", "height": 8}}
        if kind == 3:
            return {"type": "rich_text", "value": '<p>Hello <a href="javascript:alert(1)">x</a></p>'}
        if kind == 4:
            return {"type": "image", "value": {"image": image.pk, "caption": "c"}}
        if kind == 5:
            return {"type": "video",
                    "value": {"url": "https://v.example/a.mp4", "poster": image.pk, "title": "v"}}
        if kind == 6:
            return {"type": "articles", "value": {"title": "Latest", "articles": [], "category": None,
                                                  "latest_count": 3, "layout": "list"}}
        if kind == 7:
            return {"type": "form", "value": {"form": forms[i // 10].pk, "title": "Tell us"}}
        if kind == 8:
            product = Product.objects.create(enterprise=enterprise, name=f"Tea {i}", cover=image)
            return {"type": "products", "value": {"title": "Buy", "products": [product.pk], "layout": "grid"}}
        return {"type": "contact", "value": {"label": "Consult", "action": "consult", "style": "primary"}}

    return [block(i) for i in range(n)]


def publish_home(enterprise, body) -> MicrositeHomePage:
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    home.body = body
    home.is_on_shelf = True
    home.save_revision().publish()
    return home


MICROSITE = """
query($sp: ID) { microsite(salespersonId: $sp) {
  title themeColour phonePolicy salesperson { name phone }
  navigation { id title }
  body {
    __typename
    ... on CarouselBlockType { slides { caption image { url(filter: "card") } link { kind url } } }
    ... on TitleBarBlockType { title }
    ... on RichTextBlockType { html }
    ... on ImageBlockType { image { url } }
    ... on VideoBlockType { url poster { url(filter: "thumbnail") } }
    ... on ArticleListBlockType { articles { id title cover { url } } }
    ... on FormBlockType { form { id title fields { name type required } } }
    ... on ProductListBlockType { products { name cover { url } } }
    ... on ContactBlockType { label action }
  }
} }"""


def test_microsite_body_is_typed_with_embeds_resolved(client, enterprise_a, salesperson_a):
    article_create(enterprise=enterprise_a, title="News 1", publish=True)
    publish_home(enterprise_a, blocks_for(enterprise_a, 10))

    result = gql(client, enterprise_a, MICROSITE, {"sp": salesperson_a.pk})

    assert "errors" not in result, result
    site = result["data"]["microsite"]
    assert site["salesperson"]["name"] == salesperson_a.display_name
    types = [b["__typename"] for b in site["body"]]
    assert types[:4] == ["CarouselBlockType", "TitleBarBlockType", "DividerBlockType", "RichTextBlockType"]
    carousel = site["body"][0]
    assert carousel["slides"][0]["image"]["url"].startswith("http://testserver/")
    assert carousel["slides"][0]["link"] == {"kind": "url", "url": "https://e.example"}
    assert "javascript:" not in site["body"][3]["html"]
    assert site["body"][6]["articles"][0]["title"] == "News 1"
    assert site["body"][7]["form"]["fields"] == [{"name": "phone", "type": "phone", "required": True}]
    assert site["body"][8]["products"][0]["name"] == "Tea 8"


@pytest.mark.parametrize("block_count", [5, 50, 200])
def test_microsite_query_count_does_not_grow_with_blocks(client, enterprise_a, block_count, settings):
    settings.GRAPHQL_RESPONSE_CACHE = False  # count the work of an uncached answer
    article_create(enterprise=enterprise_a, title="News", publish=True)
    publish_home(enterprise_a, blocks_for(enterprise_a, block_count))
    gql(client, enterprise_a, MICROSITE)  # renditions are generated once, on the first request
    with CaptureQueriesContext(connection) as queries:
        result = gql(client, enterprise_a, MICROSITE)
    assert "errors" not in result
    assert len(result["data"]["microsite"]["body"]) == block_count
    # enterprise, home, nav, 3 image-chooser paths, form pages, products, latest articles,
    # renditions (all filters), form fields, product covers, articles: one each
    assert len(queries) <= 12, [q["sql"][:80] for q in queries.captured_queries]
    pytest.query_counts = getattr(pytest, "query_counts", {})
    pytest.query_counts[block_count] = len(queries)


def test_query_counts_are_equal_for_5_50_200_blocks():
    counts = getattr(pytest, "query_counts", {})
    if len(counts) < 3:
        pytest.skip("runs after the parametrized count test")
    # 5 blocks use half of the block types (fewer kinds of embeds); 50 and 200 use all of them
    assert counts[5] <= counts[50] == counts[200]


def test_off_shelf_unpublished_and_other_enterprise_content_is_not_found(client, enterprise_a, enterprise_b):
    home = publish_home(enterprise_a, [])
    assert gql(client, enterprise_a, "{ microsite { title } }")["data"]["microsite"]["title"]
    home.is_on_shelf = False
    home.save_revision().publish()
    assert codes(gql(client, enterprise_a, "{ microsite { title } }")) == ["NOT_FOUND"]

    article = article_create(enterprise=enterprise_a, title="A only", publish=True)
    draft = article_create(enterprise=enterprise_a, title="Draft", publish=False)
    query = "query($id: ID!) { article(id: $id) { title } }"
    assert gql(client, enterprise_a, query, {"id": article.pk})["data"]["article"]["title"] == "A only"
    assert codes(gql(client, enterprise_b, query, {"id": article.pk})) == ["NOT_FOUND"]
    assert codes(gql(client, enterprise_a, query, {"id": draft.pk})) == ["NOT_FOUND"]
    assert codes(gql(client, None, query, {"id": article.pk})) == ["NOT_FOUND"]


def test_article_view_carries_the_sharing_salesperson(client, enterprise_a, salesperson_a, salesperson_b):
    article = article_create(enterprise=enterprise_a, title="Shared", publish=True)
    token = share_token_for(article, salesperson_a)
    query = """query($id: ID!, $t: String) { article(id: $id, shareToken: $t) {
        title contactPosition salesperson { name } modules { contact products } recommended { id } } }"""
    view = gql(client, enterprise_a, query, {"id": article.pk, "t": token})["data"]["article"]
    assert view["salesperson"]["name"] == salesperson_a.display_name
    assert view["contactPosition"] in {"top", "bottom", "floating"}
    assert len(view["recommended"]) <= 3

    foreign = share_token_for(salesperson_b.enterprise.site.root_page, salesperson_b)  # B's link on A's API
    assert codes(gql(client, enterprise_a, query, {"id": article.pk, "t": foreign})) == ["FORBIDDEN"]
    assert codes(gql(client, enterprise_a, query, {"id": article.pk, "t": "x" * 20})) == ["FORBIDDEN"]


def test_articles_list_is_cursor_paginated_and_capped(client, enterprise_a):
    for i in range(5):
        article_create(enterprise=enterprise_a, title=f"N{i}", publish=True)
    query = """query($after: String, $first: Int) { articles(first: $first, after: $after) {
        edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }"""
    first = gql(client, enterprise_a, query, {"first": 3})["data"]["articles"]
    assert [e["node"]["title"] for e in first["edges"]] == ["N4", "N3", "N2"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = gql(client, enterprise_a, query, {"first": 3, "after": first["pageInfo"]["endCursor"]})
    assert [e["node"]["title"] for e in rest["data"]["articles"]["edges"]] == ["N1", "N0"]
    assert codes(gql(client, enterprise_a, query, {"first": 500})) == ["LIMIT"]
    assert codes(gql(client, enterprise_a, query, {"first": 3, "after": "junk!"})) == ["VALIDATION"]


def test_submit_form_returns_field_errors_with_codes(client, enterprise_a, salesperson_a):
    form = leadform_create(
        enterprise=enterprise_a, title="Contact",
        fields=[{"label": "Name", "field_type": "singleline", "required": True},
                {"label": "Phone", "field_type": "phone", "required": True}],
    )
    mutation = """mutation($id: ID!, $data: GenericScalar!, $sp: ID) {
        submitForm(formId: $id, data: $data, salespersonId: $sp) {
            ok submissionId errors { field code } } }"""
    bad = gql(client, enterprise_a, mutation, {"id": form.pk, "data": {"name": "", "phone": "123"},
                                               "sp": salesperson_a.pk})["data"]["submitForm"]
    assert bad["ok"] is False and bad["submissionId"] is None
    assert {e["field"] for e in bad["errors"]} == {"name", "phone"}
    good = gql(client, enterprise_a, mutation, {"id": form.pk, "data": {"name": "Li", "phone": "13812345678"},
                                                "sp": salesperson_a.pk})["data"]["submitForm"]
    assert good == {"ok": True, "submissionId": good["submissionId"], "errors": []}


def test_limits_reject_deep_and_aliased_queries_with_limit(client, enterprise_a):
    deep = "{ " + "microsite { navigation { " * 8 + "id" + " } }" * 8 + " }"
    assert "LIMIT" in codes(gql(client, enterprise_a, deep))
    aliases = "{ " + " ".join(f"a{i}: ping" for i in range(40)) + " }"
    assert codes(gql(client, enterprise_a, aliases)) == ["LIMIT"]


def test_junk_gets_clear_errors_never_a_500(client, enterprise_a):
    bodies = [
        "not json",
        json.dumps({"query": "{ nope }"}),
        json.dumps({"query": '{ article(id: "x") { id } }'}),
        json.dumps({"query": '{ article(id: "99999999999999999999") { id } }'}),
    ]
    for body in bodies:
        response = client.post("/graphql/", data=body, content_type="application/json",
                               HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key)
        assert response.status_code in (200, 400)
        assert "Traceback" not in response.content.decode()


# --- the clients' operation documents and persisted operations --------------------------------


def test_every_operation_document_validates_against_the_schema():
    from api.core.persisted import OPERATIONS_DIR
    from api.schema import schema
    from graphql import parse, validate

    documents = sorted(OPERATIONS_DIR.glob("*.graphql"))
    assert len(documents) >= 8
    for path in documents:
        errors = validate(schema.graphql_schema, parse(path.read_text()))
        assert not errors, (path.name, errors)


def test_persisted_operation_runs_by_hash(client, enterprise_a):
    from api.core.persisted import document_hash, persisted_documents

    article = article_create(enterprise=enterprise_a, title="By hash", publish=True)
    text = next(t for t in persisted_documents().values() if t.startswith("query Article("))
    body = {
        "extensions": {"persistedQuery": {"sha256Hash": document_hash(text)}},
        "variables": {"id": article.pk},
    }
    response = client.post("/graphql/", data=json.dumps(body), content_type="application/json",
                           HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key)
    assert response.json()["data"]["article"]["title"] == "By hash"


def test_unknown_hash_and_free_text_are_refused_when_persisted_only(client, enterprise_a, settings):
    settings.GRAPHQL_PERSISTED_ONLY = True
    unknown = {"extensions": {"persistedQuery": {"sha256Hash": "0" * 64}}}
    response = client.post("/graphql/", data=json.dumps(unknown), content_type="application/json",
                           HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key)
    assert codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert codes(gql(client, enterprise_a, "{ ping }")) == ["PERSISTED_QUERY_NOT_FOUND"]
