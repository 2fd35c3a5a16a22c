"""The root GraphQL schema, composed from per-domain query and mutation classes."""

import graphene


class Query(graphene.ObjectType):
    ping = graphene.String(description="Liveness of the API.")

    def resolve_ping(root, info) -> str:
        return "pong"


schema = graphene.Schema(query=Query)
