from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .preview import preview_token_view
from .views import APIView

app_name = "api"

urlpatterns = [
    path("preview/<int:page_id>/", preview_token_view, name="preview-token"),
    path("", csrf_exempt(APIView.as_view(graphiql=settings.GRAPHQL_GRAPHIQL)), name="graphql"),
]
