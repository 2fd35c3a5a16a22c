"""Issue 18, hole 7: a by-id query applies the rule of its list (``cms.readable``).

The attack: an anonymous caller with the enterprise's public key asks ``file(id)`` for a
salesperson's personal file (hidden by ``files``); the same for products off the shelf and draft
articles, and for every by-id query: whatever it answers, its list shows too."""

from __future__ import annotations

import json

import pytest

from cms.articles.services import article_create
from cms.files.models import SalesFile
from cms.products.models import Product
from tests.factories import make_document


def gql(client, enterprise, query, variables=None):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise.public_key,
    )
    assert response.status_code in (200, 400), response.content[:300]
    return response.json()


@pytest.fixture
def objects(enterprise_a, salesperson_a):
    def file(title, owner=None):
        return SalesFile.objects.create(
            enterprise=enterprise_a, title=title, owner=owner, document=make_document(enterprise_a, title)
        )

    return {
        "file": (file("Library brochure").pk, file("ZZPRIVATE personal notes", owner=salesperson_a).pk),
        "product": (
            Product.objects.create(enterprise=enterprise_a, name="On shelf").pk,
            Product.objects.create(enterprise=enterprise_a, name="ZZPRIVATE off shelf", is_active=False).pk,
        ),
        "article": (
            article_create(enterprise=enterprise_a, title="Published", publish=True).pk,
            article_create(enterprise=enterprise_a, title="ZZPRIVATE draft", publish=False).pk,
        ),
    }


LIST = {
    "file": "{ files(first: 50) { id title url } }",
    "product": "{ products(first: 50) { id name } }",
    "article": "{ articles(first: 50) { edges { node { id title } } } }",
}
BY_ID = {
    "file": "query($id: ID!) { file(id: $id) { id title url } }",
    "product": "query($id: ID!) { product(id: $id) { id name } }",
    "article": "query($id: ID!) { article(id: $id) { id title } }",
}


@pytest.mark.parametrize("kind", sorted(LIST))
def test_by_id_answers_exactly_what_the_list_shows(client, enterprise_a, objects, kind):
    listed = json.dumps(gql(client, enterprise_a, LIST[kind])["data"])
    readable, hidden = objects[kind]
    assert f'"{readable}"' in listed and "ZZPRIVATE" not in listed  # the list's rule
    found = gql(client, enterprise_a, BY_ID[kind], {"id": str(readable)})
    assert found["data"][kind]["id"] == str(readable)
    # the attack: the hidden object asked for by id
    attack = gql(client, enterprise_a, BY_ID[kind], {"id": str(hidden)})
    assert "ZZPRIVATE" not in json.dumps(attack)
    assert attack["data"][kind] is None
    assert [error["extensions"]["code"] for error in attack["errors"]] == ["NOT_FOUND"]
