"""The root GraphQL schema, composed from per-domain query and mutation classes.

Each domain's API lives in ``api/<domain>.py`` and exposes ``<Domain>Queries`` and
``<Domain>Mutations`` mixins; adding a domain is one line in each list below.
"""

import graphene

from .content import ContentMutations, ContentQueries
from .crm import CrmMutations, CrmQueries
from .preview import PreviewQueries
from .tracking import TrackingMutations, TrackingQueries
from .wechat import WeChatMutations, WeChatQueries


class Query(ContentQueries, PreviewQueries, CrmQueries, TrackingQueries, WeChatQueries, graphene.ObjectType):
    ping = graphene.String(description="Liveness of the API.")

    def resolve_ping(root, info) -> str:
        return "pong"


class Mutation(ContentMutations, CrmMutations, TrackingMutations, WeChatMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
