"""The SDL snapshot in graphql/schema.graphql is the client contract: it must match the code."""

from pathlib import Path

from graphene_django.utils.testing import graphql_query  # noqa: F401 - ensures graphene_django loads

from api.schema import schema

SNAPSHOT = Path(__file__).resolve().parent.parent / "graphql" / "schema.graphql"


def test_sdl_snapshot_matches_the_schema():
    """Regenerate: manage.py graphql_schema --schema api.schema.schema --out graphql/schema.graphql"""
    assert SNAPSHOT.read_text().strip() == str(schema).strip()


def test_every_field_a_client_uses_is_documented_in_the_snapshot():
    sdl = SNAPSHOT.read_text()
    for name in [
        "microsite(",
        "article(",
        "articles(",
        "card(",
        "submitForm(",
        "likeCardTag(",
        "trackEvents(",
        "login(",
    ]:
        assert name in sdl, name
