from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .views import APIView

app_name = "api"

urlpatterns = [
    path("", csrf_exempt(APIView.as_view(graphiql=settings.GRAPHQL_GRAPHIQL)), name="graphql"),
]
