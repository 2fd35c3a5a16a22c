"""GraphQL content API: typed StreamField, share context, errors, limits, tenancy, query counts."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.core.persisted import OPERATIONS_DIR
from cms.articles.models import ArticleCategory
from cms.articles.services import article_create
from cms.files.models import SalesFile
from cms.leadforms.services import leadform_create
from cms.products.models import Product
from sites.models import MicrositeHomePage
from tests.factories import EnterpriseFactory, make_document, make_image
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
    """n blocks cycling through every block type, every kind of embed within the first five.

    Every block embeds its own image, product, file, form or articles; slides and images link to a
    page, an article, a product, a file and a form, and rich text links to a page.
    """
    forms = [
        leadform_create(
            enterprise=enterprise,
            title=f"Form {i}",
            fields=[{"label": "Phone", "field_type": "phone", "required": True}],
        )
        for i in range(max(1, n // 12 + 1))
    ]
    category = ArticleCategory.objects.get_or_create(enterprise=enterprise, name="News")[0]
    chosen = [
        article_create(
            enterprise=enterprise, title=f"Chosen {i}", cover=make_image(enterprise, f"ac{i}"), publish=True
        )
        for i in range(2)
    ]
    for article in chosen:
        article.categories.add(category)
        article.save_revision().publish()
    home_id = enterprise.site.root_page_id

    def link(i: int, image) -> dict:
        kind = ["page", "article", "product", "file", "form"][i % 5]
        target = {"page": home_id, "article": chosen[0].pk, "form": forms[0].pk}.get(kind)
        if kind == "product":
            target = Product.objects.create(enterprise=enterprise, name=f"Linked {i}", cover=image).pk
        if kind == "file":
            target = sales_file(enterprise, f"linked{i}", image).pk
        return {"link_type": kind, kind: target}

    def block(i: int) -> dict:
        image = make_image(enterprise, title=f"pic{i}")
        kind = i % 12
        if kind == 0:
            return {
                "type": "carousel",
                "value": {
                    "slides": [
                        {
                            "image": image.pk,
                            "caption": "Hi",
                            "link": {"link_type": "url", "url": "https://e.example"},
                        },
                    ]
                    + [{"image": image.pk, "caption": f"To {k}", "link": link(k, image)} for k in range(5)],
                    "autoplay_seconds": 3,
                },
            }
        if kind == 1:
            return {
                "type": "articles",
                "value": {
                    "title": "Chosen",
                    "articles": [a.pk for a in chosen],
                    "category": None,
                    "latest_count": 3,
                    "layout": "cards",
                },
            }
        if kind == 2:
            file = sales_file(enterprise, f"file{i}", image)
            return {"type": "file", "value": {"file": file.pk, "title": ""}}
        if kind == 3:
            return {"type": "form", "value": {"form": forms[i // 12].pk, "title": "Tell us"}}
        if kind == 4:
            product = Product.objects.create(enterprise=enterprise, name=f"Tea {i}", cover=image)
            return {"type": "products", "value": {"title": "Buy", "products": [product.pk], "layout": "grid"}}
        if kind == 5:
            return {
                "type": "title_bar",
                "value": {"title": "Welcome", "subtitle": "", "more_link": link(i + 1, image)},
            }
        if kind == 6:
            return {"type": "divider", "value": {"style": "line", "height": 8}}
        if kind == 7:
            return {
                "type": "rich_text",
                "value": f'<p>Hello <a href="javascript:alert(1)">x</a> '
                f'<a linktype="page" id="{home_id}">home</a></p>',
            }
        if kind == 8:
            return {"type": "image", "value": {"image": image.pk, "caption": "c", "link": link(i + 1, image)}}
        if kind == 9:
            return {
                "type": "video",
                "value": {"url": "https://v.example/a.mp4", "poster": image.pk, "title": "v"},
            }
        if kind == 10:
            return {
                "type": "articles",
                "value": {
                    "title": "Latest",
                    "articles": [],
                    "category": category.pk,
                    "latest_count": 3,
                    "layout": "list",
                },
            }
        return {"type": "contact", "value": {"label": "Consult", "action": "consult", "style": "primary"}}

    return [block(i) for i in range(n)]


def sales_file(enterprise, title: str, cover) -> SalesFile:
    return SalesFile.objects.create(
        enterprise=enterprise,
        title=title,
        kind="document",
        cover=cover,
        document=make_document(enterprise, title),
    )


def publish_home(enterprise, body) -> MicrositeHomePage:
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    home.body = body
    home.is_on_shelf = True
    home.save_revision().publish()
    return home


MICROSITE = """
query($sp: ID) { microsite(salespersonId: $sp) {
  title themeColour phonePolicy salesperson { name phone avatar { url } }
  logo { url }
  navigation { id title icon { url } }
  body {
    __typename
    ... on CarouselBlockType { slides { caption image { url(filter: "card") } link { kind targetId url } } }
    ... on TitleBarBlockType { title moreLink { kind targetId } }
    ... on RichTextBlockType { html }
    ... on ImageBlockType { image { url } link { kind targetId } }
    ... on VideoBlockType { url poster { url(filter: "thumbnail") } }
    ... on ArticleListBlockType { articles { id title cover { url } } }
    ... on FileBlockType { title file { id title url cover { url } } }
    ... on FormBlockType { form { id title headerImage { url } fields { name type required } } }
    ... on ProductListBlockType { products { name cover { url } } }
    ... on ContactBlockType { label action }
  }
} }"""


def test_microsite_body_is_typed_with_embeds_resolved(client, enterprise_a, salesperson_a):
    article_create(enterprise=enterprise_a, title="News 1", publish=True)
    publish_home(enterprise_a, blocks_for(enterprise_a, 12))

    result = gql(client, enterprise_a, MICROSITE, {"sp": salesperson_a.pk})

    assert "errors" not in result, result
    site = result["data"]["microsite"]
    assert site["salesperson"]["name"] == salesperson_a.display_name
    body = site["body"]
    assert [b["__typename"] for b in body] == [
        "CarouselBlockType",
        "ArticleListBlockType",
        "FileBlockType",
        "FormBlockType",
        "ProductListBlockType",
        "TitleBarBlockType",
        "DividerBlockType",
        "RichTextBlockType",
        "ImageBlockType",
        "VideoBlockType",
        "ArticleListBlockType",
        "ContactBlockType",
    ]
    carousel = body[0]
    assert carousel["slides"][0]["image"]["url"].startswith("http://testserver/")
    assert carousel["slides"][0]["link"] == {"kind": "url", "targetId": None, "url": "https://e.example"}
    assert carousel["slides"][1]["link"] == {
        "kind": "page",
        "targetId": str(enterprise_a.site.root_page_id),
        "url": None,
    }
    kinds = [s["link"]["kind"] for s in carousel["slides"][1:]]
    assert kinds == ["page", "article", "product", "file", "form"]
    assert [a["title"] for a in body[1]["articles"]] == ["Chosen 0", "Chosen 1"]
    assert body[1]["articles"][0]["cover"]["url"].startswith("http://testserver/")
    assert body[2]["title"] == "file2" and body[2]["file"]["url"].startswith("http://testserver/")
    assert body[2]["file"]["cover"]["url"].startswith("http://testserver/")
    assert body[3]["form"]["fields"] == [{"name": "phone", "type": "phone", "required": True}]
    assert body[4]["products"][0]["name"] == "Tea 4" and body[4]["products"][0]["cover"]["url"]
    assert body[5]["moreLink"]["kind"] == "article"
    assert "javascript:" not in body[7]["html"] and f'href="{enterprise_a.site.root_url}/"' in body[7]["html"]
    assert body[8]["link"]["kind"] == "form" and body[8]["image"]["url"]
    assert body[9]["poster"]["url"].startswith("http://testserver/")
    assert [a["title"] for a in body[10]["articles"]] == ["Chosen 1", "Chosen 0"]  # latest of the category


MAX_PAGE_QUERIES = 8


def page_queries(client, enterprise, variables=None) -> tuple[dict, list[str]]:
    gql(client, enterprise, MICROSITE, variables)  # renditions are generated once, on the first request
    with CaptureQueriesContext(connection) as queries:
        result = gql(client, enterprise, MICROSITE, variables)
    assert "errors" not in result, result
    # transaction control (the test's savepoints around an atomic request) is not a query
    return result, [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_microsite_query_count_is_constant_for_5_50_200_blocks(client, salesperson_a, settings):
    """Every kind of embed is on each page; only the number of blocks changes."""
    settings.GRAPHQL_RESPONSE_CACHE = False  # count the work of an uncached answer
    counts = {}
    for n in (5, 50, 200):
        enterprise = EnterpriseFactory(name=f"Count {n}", slug=f"count{n}")
        article_create(enterprise=enterprise, title="News", publish=True)
        publish_home(enterprise, blocks_for(enterprise, n))
        result, sql = page_queries(client, enterprise)
        assert len(result["data"]["microsite"]["body"]) == n
        assert len(sql) <= MAX_PAGE_QUERIES, "\n".join(q[:160] for q in sql)
        counts[n] = len(sql)
    assert counts[5] == counts[50] == counts[200], counts

    # with the share context of a salesperson (contact details, avatar): still within the budget
    publish_home(salesperson_a.enterprise, blocks_for(salesperson_a.enterprise, 50))
    result, sql = page_queries(client, salesperson_a.enterprise, {"sp": salesperson_a.pk})
    assert result["data"]["microsite"]["salesperson"]["name"] == salesperson_a.display_name
    assert len(sql) <= MAX_PAGE_QUERIES, "\n".join(q[:160] for q in sql)


def test_microsite_page_by_id_is_constant_too(client, db, settings):
    from sites.models import MicrositeNavPage

    settings.GRAPHQL_RESPONSE_CACHE = False
    document = (OPERATIONS_DIR / "MicrositePage.graphql").read_text()
    counts = {}
    for n in (5, 50):
        enterprise = EnterpriseFactory(name=f"Nav {n}", slug=f"nav{n}")
        home = publish_home(enterprise, [])
        nav = home.add_child(
            instance=MicrositeNavPage(title="Products", slug="products", body=blocks_for(enterprise, n))
        )
        nav.save_revision().publish()
        gql(client, enterprise, document, {"id": nav.pk})
        with CaptureQueriesContext(connection) as queries:
            result = gql(client, enterprise, document, {"id": nav.pk})
        assert "errors" not in result and len(result["data"]["micrositePage"]["body"]) == n
        sql = [q["sql"] for q in queries.captured_queries]
        counts[n] = len([q for q in sql if not q.startswith(("SAVEPOINT", "RELEASE"))])
    assert counts[5] == counts[50] <= MAX_PAGE_QUERIES, counts


def test_embeds_and_links_of_another_enterprise_are_dropped(client, enterprise_a, enterprise_b):
    """Stored ids are checked on read: B's product, file, article, form or page never show on A."""
    b_image = make_image(enterprise_b, "b")
    b_product = Product.objects.create(enterprise=enterprise_b, name="B tea", cover=b_image)
    b_file = sales_file(enterprise_b, "b-file", b_image)
    b_article = article_create(enterprise=enterprise_b, title="B news", publish=True)
    b_form = leadform_create(enterprise=enterprise_b, title="B form", fields=[])
    b_home = enterprise_b.site.root_page_id
    publish_home(
        enterprise_a,
        [
            {"type": "products", "value": {"title": "x", "products": [b_product.pk], "layout": "grid"}},
            {"type": "file", "value": {"file": b_file.pk, "title": "f"}},
            {"type": "articles", "value": {"articles": [b_article.pk], "latest_count": 3, "layout": "list"}},
            {"type": "form", "value": {"form": b_form.pk, "title": "f"}},
            {
                "type": "title_bar",
                "value": {"title": "t", "more_link": {"link_type": "page", "page": b_home}},
            },
            {"type": "rich_text", "value": f'<p><a linktype="page" id="{b_home}">B</a></p>'},
        ],
    )

    body = gql(client, enterprise_a, MICROSITE)["data"]["microsite"]["body"]

    assert body[0]["products"] == []
    assert body[1]["file"] is None
    assert body[2]["articles"] == []
    assert body[3]["form"] is None
    assert body[4]["moreLink"] is None
    assert "href" not in body[5]["html"]


def test_lists_load_their_covers_in_one_query(client, enterprise_a, settings):
    query = """{ articles(first: 20) { edges { node { title cover { url } } } }
                 products(first: 20) { name cover { url } } }"""

    def count(extra: int) -> int:
        for i in range(extra):
            image = make_image(enterprise_a, f"c{i}")
            article_create(enterprise=enterprise_a, title=f"A{i}", cover=image, publish=True)
            Product.objects.create(enterprise=enterprise_a, name=f"P{i}", cover=image)
        gql(client, enterprise_a, query)  # renditions made once
        with CaptureQueriesContext(connection) as queries:
            result = gql(client, enterprise_a, query)
        assert "errors" not in result and all(e["node"]["cover"] for e in result["data"]["articles"]["edges"])
        return len(queries)

    assert count(2) == count(8)


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
        enterprise=enterprise_a,
        title="Contact",
        fields=[
            {"label": "Name", "field_type": "singleline", "required": True},
            {"label": "Phone", "field_type": "phone", "required": True},
        ],
    )
    mutation = """mutation($id: ID!, $data: GenericScalar!, $sp: ID) {
        submitForm(formId: $id, data: $data, salespersonId: $sp) {
            ok submissionId errors { field code } } }"""
    bad = gql(
        client,
        enterprise_a,
        mutation,
        {"id": form.pk, "data": {"name": "", "phone": "123"}, "sp": salesperson_a.pk},
    )["data"]["submitForm"]
    assert bad["ok"] is False and bad["submissionId"] is None
    assert {e["field"] for e in bad["errors"]} == {"name", "phone"}
    good = gql(
        client,
        enterprise_a,
        mutation,
        {"id": form.pk, "data": {"name": "Li", "phone": "13812345678"}, "sp": salesperson_a.pk},
    )["data"]["submitForm"]
    assert good == {"ok": True, "submissionId": good["submissionId"], "errors": []}


def test_limits_reject_deep_and_aliased_queries_with_limit(client, enterprise_a):
    deep = "{ " + "microsite { navigation { " * 8 + "id" + " } }" * 8 + " }"
    assert "LIMIT" in codes(gql(client, enterprise_a, deep))
    aliases = "{ " + " ".join(f"a{i}: ping" for i in range(40)) + " }"
    assert codes(gql(client, enterprise_a, aliases)) == ["LIMIT"]


def test_cost_and_batch_limits_reject_with_limit(client, enterprise_a):
    fragments = ["fragment F0 on Query { __typename }"] + [
        f"fragment F{i} on Query {{ " + " ".join(f"x{j}: __typename ...F{i - 1}" for j in range(10)) + " }"
        for i in range(1, 5)
    ]
    amplified = gql(client, enterprise_a, "query { ...F4 } " + " ".join(fragments))
    assert set(codes(amplified)) == {"LIMIT"}
    assert any("expensive" in e["message"] for e in amplified["errors"])
    batch = client.post(
        "/graphql/",
        data=json.dumps([{"query": "{ __typename }"}] * 2),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key,
    )
    assert [e["extensions"]["code"] for e in batch.json()["errors"]] == ["LIMIT"]


def test_junk_gets_clear_errors_never_a_500(client, enterprise_a):
    bodies = [
        "not json",
        json.dumps({"query": "{ nope }"}),
        json.dumps({"query": '{ article(id: "x") { id } }'}),
        json.dumps({"query": '{ article(id: "99999999999999999999") { id } }'}),
    ]
    for body in bodies:
        response = client.post(
            "/graphql/",
            data=body,
            content_type="application/json",
            HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key,
        )
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
    response = client.post(
        "/graphql/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key,
    )
    assert response.json()["data"]["article"]["title"] == "By hash"


def test_unknown_hash_and_free_text_are_refused_when_persisted_only(client, enterprise_a, settings):
    settings.GRAPHQL_PERSISTED_ONLY = True
    unknown = {"extensions": {"persistedQuery": {"sha256Hash": "0" * 64}}}
    response = client.post(
        "/graphql/",
        data=json.dumps(unknown),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key,
    )
    assert codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert codes(gql(client, enterprise_a, "{ ping }")) == ["PERSISTED_QUERY_NOT_FOUND"]


# --- issue 16: what the H5 pages and the mini-program are sent ---------------------------------


def operation(name: str) -> str:
    """The exact document the H5 app (and the mini-program) sends."""
    return (OPERATIONS_DIR / f"{name}.graphql").read_text()


def rich_form(enterprise):
    return leadform_create(
        enterprise=enterprise,
        title="联系我们",
        description='<p>Call <b>us</b> today</p><script>alert(1)</script><p onclick="x()">Free</p>',
        header_image=make_image(enterprise, "header", size=(120, 40)),
        fields=[{"label": "Phone", "field_type": "phone", "required": True}],
    )


def assert_form_as_h5_needs_it(form, answer):
    """Header image, the description as sanitized HTML (not escaped text), thank-you text, fields."""
    assert answer["id"] == str(form.pk) and answer["title"] == "联系我们"
    assert answer["headerImage"]["url"].startswith("http://testserver/")
    assert "<b>us</b>" in answer["intro"] and answer["intro"].startswith("<p>")
    assert "script" not in answer["intro"] and "onclick" not in answer["intro"]
    assert answer["thankYouText"] == form.thank_you_text
    assert [f["name"] for f in answer["fields"]] == ["phone"]


def test_form_block_answers_everywhere_the_h5_app_reads_it(client, enterprise_a, salesperson_a):
    """The home, a tab (the demo's 联系我们), an article and the form link: no error, all parts."""
    from sites.models import MicrositeNavPage

    form = rich_form(enterprise_a)
    body = [{"type": "form", "value": {"form": form.pk, "title": ""}}]
    home = publish_home(enterprise_a, body)
    tab = home.add_child(instance=MicrositeNavPage(title="联系我们", slug="contact", body=body))
    tab.save_revision().publish()
    article = article_create(enterprise=enterprise_a, title="With a form", body=body, publish=True)
    token = share_token_for(article, salesperson_a)

    site = gql(client, enterprise_a, operation("Microsite"), {})
    contact = gql(client, enterprise_a, operation("MicrositePage"), {"id": tab.pk})
    read = gql(client, enterprise_a, operation("H5Article"), {"id": article.pk, "shareToken": token})
    alone = gql(client, enterprise_a, operation("Form"), {"id": form.pk})

    for result in (site, contact, read, alone):
        assert "errors" not in result, result
    assert_form_as_h5_needs_it(form, site["data"]["microsite"]["body"][0]["form"])
    assert_form_as_h5_needs_it(form, contact["data"]["micrositePage"]["body"][0]["form"])
    assert_form_as_h5_needs_it(form, read["data"]["article"]["body"][0]["form"])
    assert_form_as_h5_needs_it(form, alone["data"]["form"])


def test_card_with_chosen_articles_answers_with_their_covers(client, enterprise_a, salesperson_a):
    from cms.cards.models import CardArticle

    cover = make_image(enterprise_a, "cover")
    article = article_create(
        enterprise=enterprise_a, title="Our story", summary="Why", cover=cover, publish=True
    )
    CardArticle.objects.create(card=salesperson_a.card, page=article, sort_order=0)
    token = share_token_for(salesperson_a.card, salesperson_a)

    result = gql(client, enterprise_a, operation("Card"), {"shareToken": token})

    assert "errors" not in result, result
    module = next(m for m in result["data"]["card"]["modules"] if m["key"] == "articles")
    assert [a["title"] for a in module["articles"]] == ["Our story"]
    assert module["articles"][0]["cover"]["url"].startswith("http://testserver/")


def test_product_price_comes_formatted_in_yuan_beside_the_number(client, enterprise_a):
    priced = Product.objects.create(enterprise=enterprise_a, name="Pump", price="1280")
    on_request = Product.objects.create(enterprise=enterprise_a, name="Custom")
    query = "query($id: ID!) { product(id: $id) { price priceDisplay currency } }"

    assert gql(client, enterprise_a, query, {"id": priced.pk})["data"]["product"] == {
        "price": "1280.00",
        "priceDisplay": "¥1,280.00",
        "currency": "CNY",
    }
    assert gql(client, enterprise_a, query, {"id": on_request.pk})["data"]["product"] == {
        "price": None,
        "priceDisplay": None,
        "currency": "CNY",
    }
    listed = gql(client, enterprise_a, operation("Product"), {"id": priced.pk})["data"]["product"]
    assert listed["priceDisplay"] == "¥1,280.00"


def test_file_size_comes_in_human_units_beside_the_bytes(client, enterprise_a):
    file = SalesFile.objects.create(
        enterprise=enterprise_a,
        title="Catalogue",
        kind="document",
        size=1_258_291,
        document=make_document(enterprise_a, "catalogue"),
        content_type="application/pdf",
    )

    answer = gql(client, enterprise_a, operation("File"), {"id": file.pk})

    assert "errors" not in answer, answer
    assert answer["data"]["file"]["size"] == 1_258_291
    assert answer["data"]["file"]["sizeDisplay"] == "1.2 MB"
    assert answer["data"]["file"]["contentType"] == "application/pdf"
    file.size = 0  # stored before sizes were measured
    file.save()
    unmeasured = gql(client, enterprise_a, operation("File"), {"id": file.pk})["data"]["file"]
    assert unmeasured["sizeDisplay"] is None
