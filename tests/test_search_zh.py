"""Chinese search (issue 19): admin page search, CRM lead list and GraphQL article/product/file search.

PostgreSQL's parser keeps "新品发布：智能水泵" as one word, so "水泵" found nothing before
cms/zh_search.py indexed Chinese character pairs.
"""

from __future__ import annotations

import pytest
from django.db import connection

from cms.articles.services import article_create
from cms.files.models import SalesFile
from cms.products.models import Product
from cms.zh_search import index_text, query_terms
from crm.models import Lead
from tests.factories import make_document
from tests.test_api_content import gql

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL search")

ARTICLES_Q = "query($s: String) { articles(first: 10, search: $s) { edges { node { title } } } }"


def test_terms_are_character_pairs():
    assert index_text("智能水泵 S1").split()[2:] == ["智", "能", "水", "泵", "智能", "能水", "水泵"]
    assert query_terms("智能水泵 S1") == ["智能", "能水", "水泵", "S1"]
    assert query_terms("泵") == ["泵"]


@pytest.fixture
def articles(enterprise_a, enterprise_b):
    for title, summary in [
        ("新品发布：智能水泵 S1", "节能省电"),
        ("如何降低工厂能耗", ""),
        ("客户案例：纺织厂", "年省电费三十万"),
        ("Pump S2 launch", "English article"),
    ]:
        article_create(enterprise=enterprise_a, title=title, summary=summary, publish=True)
    article_create(enterprise=enterprise_b, title="别家的水泵", publish=True)


def _titles(client, enterprise, text):
    result = gql(client, enterprise, ARTICLES_Q, {"s": text})
    assert "errors" not in result, result
    return [edge["node"]["title"] for edge in result["data"]["articles"]["edges"]]


@pytest.mark.django_db
def test_graphql_article_search_finds_chinese_words_inside_titles(client, enterprise_a, articles):
    assert _titles(client, enterprise_a, "水泵") == ["新品发布：智能水泵 S1"]
    assert _titles(client, enterprise_a, "能耗") == ["如何降低工厂能耗"]
    assert _titles(client, enterprise_a, "电费") == ["客户案例：纺织厂"]  # in the summary
    assert _titles(client, enterprise_a, "智能 S1") == ["新品发布：智能水泵 S1"]
    assert _titles(client, enterprise_a, "pump") == ["Pump S2 launch"]
    assert _titles(client, enterprise_a, "冰箱") == []
    assert len(_titles(client, enterprise_a, "")) == 4


@pytest.mark.django_db
def test_admin_page_search_finds_chinese_words(login, admin_a, articles):
    html = login(admin_a).get("/admin/pages/search/", {"q": "水泵"}).content.decode()
    assert "新品发布：智能水泵 S1" in html
    assert "如何降低工厂能耗" not in html
    assert "别家的水泵" not in html  # another enterprise's article stays out
    html = login(admin_a).get("/admin/pages/search/", {"q": "能耗"}).content.decode()
    assert "如何降低工厂能耗" in html


@pytest.mark.django_db
def test_graphql_product_and_file_search(client, enterprise_a):
    Product.objects.create(enterprise=enterprise_a, name="智能水泵 S1", description="工业用")
    Product.objects.create(enterprise=enterprise_a, name="空气压缩机", description="")
    SalesFile.objects.create(
        enterprise=enterprise_a, title="水泵选型手册", document=make_document(enterprise_a, "doc")
    )
    query = '{ products(search: "水泵") { name } files(search: "选型") { title } }'
    result = gql(client, enterprise_a, query)
    assert result["data"] == {"products": [{"name": "智能水泵 S1"}], "files": [{"title": "水泵选型手册"}]}


@pytest.mark.django_db
def test_crm_lead_list_finds_leads_by_salesperson_name(login, admin_a, salesperson_a, other_salesperson_a):
    salesperson_a.display_name = "王小明"
    salesperson_a.save()
    Lead.objects.create(enterprise=salesperson_a.enterprise, name="李雷", salesperson=salesperson_a)
    Lead.objects.create(enterprise=salesperson_a.enterprise, name="韩梅梅", salesperson=other_salesperson_a)
    html = login(admin_a).get("/admin/snippets/crm/lead/", {"q": "小明"}).content.decode()
    assert "李雷" in html
    assert "韩梅梅" not in html
