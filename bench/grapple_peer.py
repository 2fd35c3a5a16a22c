"""The benchmark's peer: the same microsite served by wagtail-grapple (bench only, never deployed).

Installed beside the project, not into it (see bench/requirements.txt). This module is both the
Django app that declares grapple's ``graphql_fields`` on our models (it runs before grapple's
own ``ready``, which reads them) and the URLconf that adds grapple's endpoint next to ours.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


class GrapplePeerConfig(AppConfig):
    name = "bench.grapple_peer"
    label = "bench_grapple_peer"

    def ready(self) -> None:
        from grapple.models import (
            GraphQLBoolean,
            GraphQLCollection,
            GraphQLDocument,
            GraphQLForeignKey,
            GraphQLImage,
            GraphQLStreamfield,
            GraphQLString,
        )

        from cms.articles.models import ArticlePage
        from cms.files.models import SalesFile
        from cms.leadforms.models import LeadFormField, LeadFormPage
        from cms.products.models import Product
        from sites.models import MicrositeHomePage, MicrositeNavPage

        MicrositeHomePage.graphql_fields = [
            GraphQLString("theme_colour"),
            GraphQLString("phone_policy"),
            GraphQLImage("logo"),
            GraphQLStreamfield("body"),
        ]
        MicrositeNavPage.graphql_fields = [GraphQLImage("icon"), GraphQLStreamfield("body")]
        ArticlePage.graphql_fields = [GraphQLString("summary"), GraphQLImage("cover")]
        LeadFormField.graphql_fields = [
            GraphQLString("clean_name"),
            GraphQLString("field_type"),
            GraphQLBoolean("required"),
        ]
        LeadFormPage.graphql_fields = [
            GraphQLString("submit_label"),
            GraphQLCollection(GraphQLForeignKey, "form_fields", "leadforms.LeadFormField"),
        ]
        Product.graphql_fields = [GraphQLString("name"), GraphQLImage("cover")]
        SalesFile.graphql_fields = [
            GraphQLString("title"),
            GraphQLImage("cover"),
            GraphQLDocument("document"),
        ]


def _grapple_view():
    from graphene_django.views import GraphQLView
    from grapple.schema import schema

    return csrf_exempt(GraphQLView.as_view(schema=schema))


def __getattr__(name: str):
    """``urlpatterns`` is built on first use: this module is also imported while apps load."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from cms.urls import urlpatterns

    patterns = globals()["urlpatterns"] = [path("grapple/graphql/", _grapple_view()), *urlpatterns]
    return patterns


#: The microsite home with every block, through grapple's generic StreamField types: struct
#: blocks list their children, choosers resolve to the page, snippet or image they hold.
LEAF = """
fragment Leaf on StreamFieldInterface {
  field blockType
  ... on CharBlock { value }
  ... on ChoiceBlock { value }
  ... on IntegerBlock { number: value }
  ... on RichTextBlock { value }
  ... on ImageChooserBlock { image { id url rendition(fill: "750x420") { url } } }
  ... on PageChooserBlock { page { id title url
    ... on ArticlePage { summary cover { url } }
    ... on LeadFormPage { submitLabel formFields { cleanName fieldType required } } } }
  ... on SnippetChooserBlock { snippet {
    ... on Product { name cover { url } }
    ... on SalesFile { title cover { url } document { url } } } }
}"""

PEER_QUERY = (
    """
query($id: ID) { page(id: $id) { id title children { id title }
  ... on MicrositeHomePage { themeColour phonePolicy logo { url }
    body { blockType ...Leaf
      ... on StructBlock { blocks { ...Leaf
        ... on ListBlock { items { ...Leaf ... on StructBlock { blocks { ...Leaf
          ... on StructBlock { blocks { ...Leaf } } } } } }
        ... on StructBlock { blocks { ...Leaf } } } }
    }
  }
} }"""
    + LEAF
)
