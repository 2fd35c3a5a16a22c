from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "cms.cards"
    label = "cards"
    verbose_name = "Business cards"
