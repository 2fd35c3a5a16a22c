from django.urls import path

from .views import order_webhook

app_name = "mall"

urlpatterns = [path("webhook/<str:enterprise_key>/", order_webhook, name="order-webhook")]
